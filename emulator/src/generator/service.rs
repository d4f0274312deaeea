//! An asset's services, each drawn from one product of the catalogue.

use super::AssetDraw;
use crate::catalogue::network::Network;
use crate::catalogue::service::{PORTS, PRODUCTS, Page, Port, Product, Software, System};
use crate::model::{Application, BlobLinks, HttpAttributes, Service, Str, Subsidiary, Ts};
use axum::http::StatusCode;

/// Where an asset's services run: what every service of the asset shares.
pub(super) struct ServiceHost<'a> {
    pub asset_id: &'a str,
    pub network: &'static Network,
    /// The host's operating system, which every product not an appliance
    /// runs on.
    pub system: &'static System,
    pub fqdn: &'a str,
    pub primary_domain: &'static str,
    pub first_seen: Ts,
    pub last_seen: Ts,
    pub subsidiary: &'a Subsidiary,
}

impl AssetDraw<'_> {
    /// Zero to four services on distinct ports, each of a product that runs
    /// on the host's platform.
    pub(super) fn services(&mut self, host: &ServiceHost) -> Vec<Service> {
        let count = *self.rng.pick(&[0usize, 1, 1, 1, 2, 2, 2, 3, 3, 4]);
        let mut services = Vec::with_capacity(count);
        let mut used_ports = Vec::new();
        for _ in 0..count {
            let port = self.rng.pick(PORTS);
            if used_ports.contains(&port.number) {
                continue;
            }
            let products: Vec<&Product> = PRODUCTS
                .iter()
                .filter(|p| p.ports.contains(&port.number) && p.runs_on(host.system.platform))
                .collect();
            if products.is_empty() {
                continue;
            }
            used_ports.push(port.number);
            let product = *self.rng.pick(&products);
            services.push(self.service(host, port, product));
        }
        services
    }

    fn service(&mut self, host: &ServiceHost, port: &Port, product: &Product) -> Service {
        let applications: Vec<Application> = product
            .software
            .iter()
            .map(|s| self.application(s))
            .collect();
        let banner_hash = self.rng.hex(32);
        let attr_hash = self.rng.hex(32);
        let tls = (port.protocol == "HTTPS").then(|| {
            Box::new(self.tls(
                host.fqdn,
                host.subsidiary,
                host.primary_domain,
                host.last_seen,
            ))
        });
        let first_seen = self.ts_between(host.first_seen.0, host.last_seen.0);
        let last_seen = self.ts_between(first_seen.0, host.last_seen.0);
        // An appliance reports no operating system.
        let system = (!product.platforms.is_empty()).then_some(host.system);
        Service {
            id: self.rng.hex(12).into(),
            cpes: applications.iter().map(|a| a.cpe.clone()).collect(),
            blob_links: blob_links(host.asset_id, &banner_hash, &attr_hash),
            cloud_provider: host.network.cloud.map(|c| c.provider.into()),
            first_seen,
            last_seen,
            hosting_provider: Some(host.network.hosting_provider.into()),
            http_attributes: product
                .page
                .as_ref()
                .map(|page| http_attributes(page, product.software, &applications, host.fqdn)),
            os: system.map(|s| s.os.into()),
            platform_name: system.map(|s| s.platform.name().into()),
            port: port.number,
            protocol: port.protocol.into(),
            // "The availability status for this service" (the schema's
            // description) has no documented values: left out.
            status: None,
            status_code: product.page.as_ref().map_or(0, |p| i32::from(p.status)),
            subsidiaries: vec![host.subsidiary.clone()],
            tls,
            transport: port.transport.into(),
            blob_hashes: [banner_hash.into(), attr_hash.into()],
            applications,
        }
    }

    /// `software` at one of its versions.
    fn application(&mut self, software: &Software) -> Application {
        let version = *self.rng.pick(software.versions);
        Application {
            category: software.category.into(),
            cpe: format!("cpe:2.3:a:{}:{version}:*:*:*:*:*:*:*", software.cpe_product).into(),
            name: software.name.into(),
            vendor: software.vendor.into(),
            version: version.into(),
        }
    }
}

/// The HTTP attributes of a web service serving `page` with `software`
/// (the web server first) as `applications`: the status line of the page's
/// status, the web server's own `Server` header, and where a redirect goes.
fn http_attributes(
    page: &Page,
    software: &[&Software],
    applications: &[Application],
    fqdn: &str,
) -> HttpAttributes {
    let reason = StatusCode::from_u16(page.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or_default();
    let mut headers = vec![format!("HTTP/1.1 {} {reason}", page.status)];
    let server = software.first().zip(applications.first());
    let server = server.and_then(|(s, app)| Some(format!("{}/{}", s.server_token?, app.version)));
    if let Some(server) = server {
        headers.push(format!("Server: {server}"));
    }
    headers.push(format!("Content-Type: {}", page.content_type));
    if page.redirects {
        headers.push(format!("Location: https://{fqdn}/"));
    }
    HttpAttributes {
        cookies: Vec::new(),
        meta: Vec::new(),
        response_headers: headers.join("\r\n").into(),
        technologies: applications.iter().map(|a| a.name.clone()).collect(),
        title: page.title.map(Str::from),
    }
}

/// The links of a service's two blobs, which the emulator serves.
fn blob_links(asset_id: &str, banner_hash: &str, attr_hash: &str) -> BlobLinks {
    let link = |kind: &str, hash: &str| {
        Str::from(format!(
            "/fem/entities/blobs-{kind}/v1?assetId={asset_id}&hash={hash}"
        ))
    };
    BlobLinks {
        download_attributes: link("download", attr_hash),
        download_banner: link("download", banner_hash),
        preview_attributes: link("preview", attr_hash),
        preview_banner: link("preview", banner_hash),
    }
}
