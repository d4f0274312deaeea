//! Where an asset is: its names and address, and the `ip` or `dns_domain`
//! record that holds them.

use super::AssetDraw;
use crate::catalogue::network::{AWS, FIRST_OCTETS, Network};
use crate::catalogue::organisation::SUBDOMAIN_LABELS;
use crate::catalogue::place::{PLACES, Place};
use crate::catalogue::service::System;
use crate::model::{CloudVm, DnsDomain, ExternalIp, GeoPoint, Location, Service, Str, TextOrList};

/// The names an asset is known by, drawn before its IP or domain record.
pub(super) struct Names {
    pub fqdn: String,
    pub ip_address: String,
    /// The primary domain of the asset's subsidiary.
    pub primary_domain: &'static str,
    /// The asset is its subsidiary's primary domain.
    pub is_root: bool,
    pub is_ip: bool,
    /// The fqdn fields take the form the schema does not give.
    pub other_form: bool,
}

impl AssetDraw<'_> {
    /// The names of an IP asset, or of a domain asset under
    /// `primary_domain`: one domain asset in ten is the primary domain.
    pub(super) fn names(&mut self, is_ip: bool, primary_domain: &'static str) -> Names {
        let is_root = !is_ip && self.rng.chance(0.1);
        let fqdn = self.fqdn(is_root, primary_domain);
        // Drawn for every asset so that the option changes nothing else.
        let other_form = self.rng.chance(0.25) && self.generator.mixed_fqdn_forms;
        let ip_address = self.public_ip(self.index);
        Names {
            fqdn,
            ip_address,
            primary_domain,
            is_root,
            is_ip,
            other_form,
        }
    }

    /// The primary domain for a root domain, a subdomain of it otherwise.
    fn fqdn(&mut self, is_root: bool, primary_domain: &str) -> String {
        if is_root {
            return primary_domain.to_string();
        }
        let label = self.rng.pick(SUBDOMAIN_LABELS);
        if self.rng.chance(0.7) {
            format!("{label}.{primary_domain}")
        } else {
            format!("{label}-{}.{primary_domain}", self.rng.below(100))
        }
    }

    /// A public address, spread over plausible public ranges and unique
    /// per `slot`.
    fn public_ip(&mut self, slot: usize) -> String {
        let first = FIRST_OCTETS
            [(slot + self.rng.below(FIRST_OCTETS.len() as u64) as usize) % FIRST_OCTETS.len()];
        let rest = (slot as u32).wrapping_mul(2_654_435_761) ^ (self.rng.next_u64() as u32 & 0xFF);
        format!(
            "{first}.{}.{}.{}",
            (rest >> 16) & 0xFF,
            (rest >> 8) & 0xFF,
            (rest & 0xFE).max(1)
        )
    }

    /// The `ip` record of an IP asset on a host running `system`.
    pub(super) fn ip_record(
        &mut self,
        network: &Network,
        system: &System,
        names: &Names,
        services: Vec<Service>,
    ) -> ExternalIp {
        let ip_address = &names.ip_address;
        let cloud_vm = match network.cloud {
            Some(cloud) if self.rng.chance(0.6) => {
                Some(self.cloud_vm(cloud.provider, cloud.regions, system, ip_address))
            }
            _ => None,
        };
        let place = self.rng.pick(PLACES);
        let fqdn = Str::from(names.fqdn.clone());
        let fqdns = match (self.rng.chance(0.6), names.other_form) {
            (true, true) => TextOrList::Text(fqdn),
            (true, false) => TextOrList::List(vec![fqdn]),
            (false, _) => TextOrList::List(Vec::new()),
        };
        let aid = self.rng.chance(0.15).then(|| self.rng.hex(16).into());
        // Reverse names in the cloud's own form, for machines of that cloud.
        let on_aws = network.cloud.is_some_and(|c| c.provider == AWS.provider);
        let ptr = (on_aws && self.rng.chance(0.5)).then(|| {
            format!(
                "ec2-{}.compute-1.amazonaws.com",
                ip_address.replace('.', "-")
            )
            .into()
        });
        ExternalIp {
            aid,
            asn: network.asn,
            cloud_provider: network.cloud.map(|c| c.provider.into()),
            cloud_vm,
            fqdns,
            ptr,
            ip_address: ip_address.clone().into(),
            isp: network.isp.into(),
            location: location(place),
            services,
        }
    }

    /// The `dns_domain` record of a domain asset.
    pub(super) fn dns_record(
        &mut self,
        network: &Network,
        names: &Names,
        services: Vec<Service>,
    ) -> DnsDomain {
        let resolved_ips = self.rng.range(1, 3) as usize;
        let mut resolved = vec![Str::from(names.ip_address.clone())];
        for k in 1..resolved_ips {
            resolved.push(self.public_ip(self.index * 7 + k).into());
        }
        let fqdn = Str::from(names.fqdn.clone());
        let parent_domain = (!names.is_root).then_some(Str::from(names.primary_domain));
        DnsDomain {
            fqdn: if names.other_form {
                TextOrList::List(vec![fqdn])
            } else {
                TextOrList::Text(fqdn)
            },
            isps: vec![network.isp.into()],
            // Schema: "only populated if domain type is subdomain".
            parent_domain,
            resolved_ips: resolved,
            services,
            kind: (if names.is_root { "root" } else { "subdomain" }).into(),
        }
    }

    /// The cloud machine behind an IP, running `system`.
    fn cloud_vm(
        &mut self,
        provider: &'static str,
        regions: &'static [&'static str],
        system: &System,
        public_ip: &str,
    ) -> CloudVm {
        let mac = self.rng.hex(6);
        let mac = mac
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(":");
        let instance_id = match provider {
            p if p == AWS.provider => format!("i-{}", self.rng.hex(8)),
            _ => self.rng.hex(12),
        };
        let lifecycle = if self.rng.chance(0.8) {
            "normal"
        } else {
            "spot"
        };
        let owner_id = format!("{:012}", self.rng.below(1_000_000_000_000));
        let private_ip = format!(
            "10.{}.{}.{}",
            self.rng.below(256),
            self.rng.below(256),
            self.rng.range(1, 254)
        );
        CloudVm {
            description: "Internet-facing application server".into(),
            instance_id: instance_id.into(),
            lifecycle: lifecycle.into(),
            mac_address: mac.into(),
            owner_id: owner_id.into(),
            platform: system.platform.name().into(),
            private_ip: private_ip.into(),
            public_ip: public_ip.to_string().into(),
            region: (*self.rng.pick(regions)).into(),
            security_groups: vec![format!("sg-{}", self.rng.hex(8)).into()],
            source: "cloud_connector".into(),
            status: (if self.rng.chance(0.9) {
                "running"
            } else {
                "stopped"
            })
            .into(),
        }
    }
}

fn location(place: &Place) -> Location {
    Location {
        area_code: place.area_code.into(),
        city: place.city.into(),
        country_code: place.country_code.into(),
        country_name: place.country_name.into(),
        geo_point: GeoPoint {
            lat: place.lat,
            lon: place.lon,
        },
        postal_code: place.postal_code.into(),
        region_code: place.region_code.into(),
        region_name: place.region_name.into(),
        timezone: place.timezone.into(),
    }
}
