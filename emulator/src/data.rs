//! Deterministic synthetic inventory: the same seed and anchor time always
//! produce the same assets.

use crate::model::*;
use crate::rng::Rng;
use std::borrow::Cow;

const B: fn(&'static str) -> Str = Cow::Borrowed;

fn o(s: String) -> Str {
    Cow::Owned(s)
}

const SUBSIDIARY_NAMES: &[(&str, &str)] = &[
    ("Northwind Traders", "northwind.example"),
    ("Contoso Retail", "contoso.example"),
    ("Fabrikam Labs", "fabrikam.example"),
    ("Tailspin Toys", "tailspin.example"),
    ("Woodgrove Bank", "woodgrove.example"),
    ("Litware Health", "litware.example"),
    ("Adventure Works", "adventure-works.example"),
    ("Wide World Importers", "wideworld.example"),
];

const SUBDOMAINS: &[&str] = &[
    "www", "api", "mail", "vpn", "portal", "dev", "staging", "cdn", "shop", "login", "sso", "git",
    "jenkins", "grafana", "status", "docs", "files", "remote", "owa", "test",
];

struct Place {
    city: &'static str,
    region_code: &'static str,
    region_name: &'static str,
    country_code: &'static str,
    country_name: &'static str,
    postal: &'static str,
    area: &'static str,
    tz: &'static str,
    lat: f64,
    lon: f64,
}

const PLACES: &[Place] = &[
    Place {
        city: "Ashburn",
        region_code: "VA",
        region_name: "Virginia",
        country_code: "US",
        country_name: "United States",
        postal: "20147",
        area: "703",
        tz: "America/New_York",
        lat: 39.0438,
        lon: -77.4874,
    },
    Place {
        city: "San Jose",
        region_code: "CA",
        region_name: "California",
        country_code: "US",
        country_name: "United States",
        postal: "95113",
        area: "408",
        tz: "America/Los_Angeles",
        lat: 37.3382,
        lon: -121.8863,
    },
    Place {
        city: "Dallas",
        region_code: "TX",
        region_name: "Texas",
        country_code: "US",
        country_name: "United States",
        postal: "75201",
        area: "214",
        tz: "America/Chicago",
        lat: 32.7767,
        lon: -96.797,
    },
    Place {
        city: "Frankfurt am Main",
        region_code: "HE",
        region_name: "Hesse",
        country_code: "DE",
        country_name: "Germany",
        postal: "60313",
        area: "069",
        tz: "Europe/Berlin",
        lat: 50.1109,
        lon: 8.6821,
    },
    Place {
        city: "Dublin",
        region_code: "L",
        region_name: "Leinster",
        country_code: "IE",
        country_name: "Ireland",
        postal: "D02",
        area: "01",
        tz: "Europe/Dublin",
        lat: 53.3498,
        lon: -6.2603,
    },
    Place {
        city: "London",
        region_code: "ENG",
        region_name: "England",
        country_code: "GB",
        country_name: "United Kingdom",
        postal: "EC1A",
        area: "020",
        tz: "Europe/London",
        lat: 51.5072,
        lon: -0.1276,
    },
    Place {
        city: "Singapore",
        region_code: "01",
        region_name: "Central Singapore",
        country_code: "SG",
        country_name: "Singapore",
        postal: "018956",
        area: "65",
        tz: "Asia/Singapore",
        lat: 1.3521,
        lon: 103.8198,
    },
    Place {
        city: "Tokyo",
        region_code: "13",
        region_name: "Tokyo",
        country_code: "JP",
        country_name: "Japan",
        postal: "100-0001",
        area: "03",
        tz: "Asia/Tokyo",
        lat: 35.6762,
        lon: 139.6503,
    },
    Place {
        city: "Sydney",
        region_code: "NSW",
        region_name: "New South Wales",
        country_code: "AU",
        country_name: "Australia",
        postal: "2000",
        area: "02",
        tz: "Australia/Sydney",
        lat: -33.8688,
        lon: 151.2093,
    },
    Place {
        city: "Sao Paulo",
        region_code: "SP",
        region_name: "Sao Paulo",
        country_code: "BR",
        country_name: "Brazil",
        postal: "01000-000",
        area: "11",
        tz: "America/Sao_Paulo",
        lat: -23.5505,
        lon: -46.6333,
    },
];

/// (isp, asn, cloud provider, hosting provider)
const NETWORKS: &[(&str, i32, Option<&str>, &str)] = &[
    (
        "Amazon.com, Inc.",
        16509,
        Some("AWS"),
        "Amazon Web Services",
    ),
    (
        "Amazon.com, Inc.",
        14618,
        Some("AWS"),
        "Amazon Web Services",
    ),
    (
        "Microsoft Corporation",
        8075,
        Some("Azure"),
        "Microsoft Azure",
    ),
    ("Google LLC", 15169, Some("GCP"), "Google Cloud"),
    ("Cloudflare, Inc.", 13335, None, "Cloudflare"),
    ("Akamai Technologies", 20940, None, "Akamai"),
    ("DigitalOcean, LLC", 14061, None, "DigitalOcean"),
    ("Comcast Cable Communications", 7922, None, "Comcast"),
    ("Deutsche Telekom AG", 3320, None, "Deutsche Telekom"),
    ("OVH SAS", 16276, None, "OVHcloud"),
];

/// (port, protocol, transport, status code)
const PORTS: &[(i32, &str, &str, i32)] = &[
    (443, "HTTPS", "tcp", 200),
    (80, "HTTP", "tcp", 301),
    (22, "SSH", "tcp", 0),
    (8443, "HTTPS", "tcp", 200),
    (8080, "HTTP", "tcp", 200),
    (25, "SMTP", "tcp", 0),
    (21, "FTP", "tcp", 0),
    (3389, "RDP", "tcp", 0),
    (53, "DNS", "udp", 0),
    (3306, "MYSQL", "tcp", 0),
    (5432, "POSTGRESQL", "tcp", 0),
    (123, "NTP", "udp", 0),
    (161, "SNMP", "udp", 0),
    (445, "SMB", "tcp", 0),
    (6443, "HTTPS", "tcp", 401),
];

/// (name, vendor, category, versions, cpe product)
const APPS: &[(&str, &str, &str, &[&str], &str)] = &[
    (
        "nginx",
        "F5",
        "Web Servers",
        &["1.18.0", "1.22.1", "1.24.0", "1.25.3"],
        "nginx:nginx",
    ),
    (
        "Apache HTTP Server",
        "Apache",
        "Web Servers",
        &["2.4.41", "2.4.54", "2.4.57"],
        "apache:http_server",
    ),
    (
        "Microsoft IIS",
        "Microsoft",
        "Web Servers",
        &["8.5", "10.0"],
        "microsoft:internet_information_services",
    ),
    (
        "OpenSSH",
        "OpenBSD",
        "Remote Access",
        &["7.4", "8.2p1", "8.9p1", "9.3p1"],
        "openbsd:openssh",
    ),
    (
        "WordPress",
        "WordPress",
        "CMS",
        &["5.8.3", "6.2.2", "6.4.1"],
        "wordpress:wordpress",
    ),
    (
        "Jenkins",
        "Jenkins",
        "DevOps",
        &["2.332.3", "2.401.1"],
        "jenkins:jenkins",
    ),
    (
        "Grafana",
        "Grafana Labs",
        "Monitoring",
        &["8.5.0", "9.5.2", "10.1.0"],
        "grafana:grafana",
    ),
    (
        "Postfix",
        "Postfix",
        "Mail Servers",
        &["3.4.13", "3.6.4"],
        "postfix:postfix",
    ),
    (
        "MySQL",
        "Oracle",
        "Databases",
        &["5.7.42", "8.0.33"],
        "oracle:mysql",
    ),
    (
        "PostgreSQL",
        "PostgreSQL",
        "Databases",
        &["12.15", "14.8", "15.3"],
        "postgresql:postgresql",
    ),
    (
        "Fortinet FortiGate",
        "Fortinet",
        "VPN",
        &["7.0.12", "7.2.5"],
        "fortinet:fortios",
    ),
    (
        "Citrix Gateway",
        "Citrix",
        "VPN",
        &["13.0", "13.1"],
        "citrix:gateway",
    ),
    (
        "Microsoft Exchange Server",
        "Microsoft",
        "Mail Servers",
        &["2016 CU23", "2019 CU13"],
        "microsoft:exchange_server",
    ),
    (
        "vsftpd",
        "vsftpd",
        "File Transfer",
        &["3.0.3", "3.0.5"],
        "vsftpd_project:vsftpd",
    ),
    (
        "Kubernetes API Server",
        "CNCF",
        "Container Orchestration",
        &["1.26.3", "1.27.2"],
        "kubernetes:kubernetes",
    ),
];

const PLATFORMS: &[&str] = &["Linux", "Windows", "FreeBSD", "Ubuntu", "Debian", "CentOS"];
const DATA_PROVIDERS: &[&str] = &[
    "crowdstrike",
    "shodan",
    "censys",
    "passive_dns",
    "certificate_transparency",
];
const DISCOVERED_BY: &[&str] = &[
    "crowdstrike",
    "user",
    "subsidiary_discovery",
    "certificate_transparency",
];
const CRITICALITY: &[&str] = &["Critical", "High", "Medium", "Low", "Unassigned"];
const TRIAGE_STATUS: &[&str] = &["new", "in_progress", "reviewed", "resolved"];
const TRIAGE_ACTION: &[&str] = &["acknowledge", "remediate", "accept_risk", "false_positive"];
const USERS: &[&str] = &[
    "alice.martin@example.com",
    "bob.nguyen@example.com",
    "carol.diaz@example.com",
    "dmitri.ivanov@example.com",
];
const ISSUERS: &[(&str, &str)] = &[
    ("R3", "Let's Encrypt"),
    ("DigiCert TLS RSA SHA256 2020 CA1", "DigiCert Inc"),
    (
        "Sectigo RSA Domain Validation Secure Server CA",
        "Sectigo Limited",
    ),
    ("GTS CA 1C3", "Google Trust Services LLC"),
    ("Amazon RSA 2048 M01", "Amazon"),
];
const CIPHERS: &[(&str, i32, &str)] = &[
    ("TLS_AES_128_GCM_SHA256", 128, "TLSv1.3"),
    ("TLS_AES_256_GCM_SHA384", 256, "TLSv1.3"),
    ("TLS_CHACHA20_POLY1305_SHA256", 256, "TLSv1.3"),
    ("ECDHE-RSA-AES128-GCM-SHA256", 128, "TLSv1.2"),
    ("ECDHE-RSA-AES256-GCM-SHA384", 256, "TLSv1.2"),
];
const CLOUD_REGIONS: &[(&str, &[&str])] = &[
    (
        "AWS",
        &["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"],
    ),
    ("Azure", &["eastus", "westeurope", "southeastasia"]),
    ("GCP", &["us-central1", "europe-west1", "asia-east1"]),
];
const TITLES: &[&str] = &[
    "Welcome to nginx!",
    "Sign in",
    "Dashboard",
    "401 Authorization Required",
    "Index of /",
    "Grafana",
    "Jenkins [Jenkins]",
    "Outlook",
    "Under construction",
];

/// The anchor time and subsidiaries an inventory is generated around.
pub struct Generator {
    rng: Rng,
    cid: String,
    now: i64,
    subsidiaries: Vec<Subsidiary>,
}

/// One generated subsidiary with its primary domain.
#[derive(Debug, Clone)]
pub struct SubsidiaryInfo {
    /// Subsidiary id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Primary DNS domain.
    pub domain: String,
}

impl Generator {
    /// A generator for `seed`, anchoring first/last seen times at `now`.
    pub fn new(seed: u64, cid: &str, now: i64) -> Self {
        let mut rng = Rng::new(seed);
        let subsidiaries = SUBSIDIARY_NAMES
            .iter()
            .map(|(name, _)| Subsidiary {
                id: o(rng.hex(16)),
                name: B(name),
            })
            .collect();
        Generator {
            rng,
            cid: cid.to_string(),
            now,
            subsidiaries,
        }
    }

    /// The subsidiaries assets are attributed to.
    pub fn subsidiaries(&self) -> Vec<SubsidiaryInfo> {
        self.subsidiaries
            .iter()
            .zip(SUBSIDIARY_NAMES)
            .map(|(s, (_, d))| SubsidiaryInfo {
                id: s.id.to_string(),
                name: s.name.to_string(),
                domain: d.to_string(),
            })
            .collect()
    }

    fn ts_between(&mut self, lo: i64, hi: i64) -> Ts {
        Ts(self.rng.range(lo, hi.max(lo)))
    }

    fn public_ip(&mut self, index: usize) -> String {
        // Spread addresses over plausible public ranges, unique per index.
        const FIRST: &[u32] = &[3, 13, 18, 20, 34, 35, 52, 54, 104, 142, 151, 185, 198, 203];
        let r = &mut self.rng;
        let a = FIRST[(index + r.below(FIRST.len() as u64) as usize) % FIRST.len()];
        let rest = (index as u32).wrapping_mul(2_654_435_761) ^ (r.next_u64() as u32 & 0xFF);
        format!(
            "{}.{}.{}.{}",
            a,
            (rest >> 16) & 0xFF,
            (rest >> 8) & 0xFF,
            (rest & 0xFE).max(1)
        )
    }

    /// Generates the asset at position `index`.
    pub fn asset(&mut self, index: usize) -> Asset {
        let is_ip = self.rng.chance(0.6);
        let sub_i = self.rng.below(self.subsidiaries.len() as u64) as usize;
        let subsidiary = self.subsidiaries[sub_i].clone();
        let parent_domain = SUBSIDIARY_NAMES[sub_i].1;
        let mut subsidiaries = vec![subsidiary.clone()];
        if self.rng.chance(0.05) {
            let other = self.rng.below(self.subsidiaries.len() as u64) as usize;
            if other != sub_i {
                subsidiaries.push(self.subsidiaries[other].clone());
            }
        }
        let year = 365 * 86_400;
        let first_seen = self.ts_between(self.now - year, self.now - 86_400);
        let last_seen = self.ts_between(first_seen.0 + 3600, self.now);
        let id = o(self.rng.hex(16));
        let net = *self.rng.pick(NETWORKS);
        let fqdn = format!(
            "{}{}.{}",
            self.rng.pick(SUBDOMAINS),
            if self.rng.chance(0.7) {
                String::new()
            } else {
                format!("-{}", self.rng.below(100))
            },
            parent_domain
        );
        let ip_address = self.public_ip(index);
        let n_services = *self.rng.pick(&[0usize, 1, 1, 1, 2, 2, 2, 3, 3, 4]);
        let mut services = Vec::with_capacity(n_services);
        let mut used_ports = Vec::new();
        for _ in 0..n_services {
            let p = *self.rng.pick(PORTS);
            if used_ports.contains(&p.0) {
                continue;
            }
            used_ports.push(p.0);
            let s = self.service(&id, p, net, &fqdn, first_seen, last_seen, &subsidiary);
            services.push(s);
        }
        let exposed = !services.is_empty();
        let confidence = *self.rng.pick(&[50, 70, 80, 90, 95, 100]);
        let (dns_domain, ip) = if is_ip {
            let cloud_vm = if net.2.is_some() && self.rng.chance(0.6) {
                Some(self.cloud_vm(net.2.unwrap_or("AWS"), &ip_address))
            } else {
                None
            };
            let place = self.rng.pick(PLACES);
            let fqdns = if self.rng.chance(0.6) {
                vec![o(fqdn.clone())]
            } else {
                Vec::new()
            };
            let ip = ExternalIp {
                aid: if self.rng.chance(0.15) {
                    Some(o(self.rng.hex(16)))
                } else {
                    None
                },
                asn: net.1,
                cloud_provider: net.2.map(B),
                cloud_vm,
                fqdns,
                ptr: if self.rng.chance(0.5) {
                    Some(o(format!(
                        "ec2-{}.compute-1.amazonaws.com",
                        ip_address.replace('.', "-")
                    )))
                } else {
                    None
                },
                ip_address: o(ip_address),
                isp: B(net.0),
                location: Location {
                    area_code: B(place.area),
                    city: B(place.city),
                    country_code: B(place.country_code),
                    country_name: B(place.country_name),
                    geo_point: GeoPoint {
                        lat: place.lat,
                        lon: place.lon,
                    },
                    postal_code: B(place.postal),
                    region_code: B(place.region_code),
                    region_name: B(place.region_name),
                    timezone: B(place.tz),
                },
                services,
            };
            (None, Some(ip))
        } else {
            let n_ips = self.rng.range(1, 3) as usize;
            let mut resolved = vec![o(ip_address)];
            for k in 1..n_ips {
                resolved.push(o(self.public_ip(index * 7 + k)));
            }
            let dns = DnsDomain {
                fqdn: o(fqdn),
                isps: vec![B(net.0)],
                parent_domain: B(parent_domain),
                resolved_ips: resolved,
                services,
                kind: B(if self.rng.chance(0.8) { "A" } else { "CNAME" }),
            };
            (Some(dns), None)
        };
        let criticality = if self.rng.chance(0.35) {
            Some(B(self.rng.pick_s(CRITICALITY)))
        } else {
            None
        };
        let crit_ts = criticality
            .as_ref()
            .map(|_| self.ts_between(first_seen.0, self.now));
        let crit_user = criticality.as_ref().map(|_| B(self.rng.pick_s(USERS)));
        let crit_desc = criticality.as_ref().map(|c| {
            o(format!(
                "{c} business impact, reviewed during quarterly audit"
            ))
        });
        let triage = if self.rng.chance(0.3) {
            Some(Triage {
                action: Some(B(self.rng.pick_s(TRIAGE_ACTION))),
                assigned_to: Some(B(self.rng.pick_s(USERS))),
                description: Some(B("Reviewed by the exposure management team")),
                status: Some(B(self.rng.pick_s(TRIAGE_STATUS))),
                updated_by: Some(B(self.rng.pick_s(USERS))),
                updated_timestamp: Some(self.ts_between(first_seen.0, self.now)),
            })
        } else {
            None
        };
        let mut data_providers = vec![B(DATA_PROVIDERS[0])];
        for p in &DATA_PROVIDERS[1..] {
            if self.rng.chance(0.3) {
                data_providers.push(B(p));
            }
        }
        let manual = self.rng.chance(0.05);
        let discovery = self.discovery(parent_domain, &subsidiary);
        Asset {
            id,
            cid: o(self.cid.clone()),
            asset_type: B(if is_ip { "ip" } else { "dns_domain" }),
            entity_type: B("external_asset"),
            status: B(if last_seen.0 > self.now - 30 * 86_400 {
                "active"
            } else {
                "inactive"
            }),
            applicable_actions: vec![B("triage"), B("set_criticality"), B("delete")],
            confidence,
            connectivity_status: B(if exposed { "online" } else { "offline" }),
            criticality,
            criticality_description: crit_desc,
            criticality_timestamp: crit_ts,
            criticality_username: crit_user,
            data_providers,
            discovered_by: B(if manual {
                "user"
            } else {
                self.rng.pick_s(DISCOVERED_BY)
            }),
            discovery: Some(discovery),
            dns_domain,
            ip,
            first_seen,
            last_seen,
            internet_exposure: B(if exposed { "exposed" } else { "not_exposed" }),
            manual,
            perimeter: B(if self.rng.chance(0.85) {
                "external"
            } else {
                "internal"
            }),
            subsidiaries,
            triage,
        }
    }

    fn discovery(&mut self, domain: &str, sub: &Subsidiary) -> Discovery {
        let steps = vec![
            DiscoveryStep {
                id: o(self.rng.hex(8)),
                clue: B("subsidiary"),
                entity: sub.name.clone(),
                entity_type: B("subsidiary"),
            },
            DiscoveryStep {
                id: o(self.rng.hex(8)),
                clue: B(self.rng.pick_s(&["whois", "certificate", "dns_record"])),
                entity: o(domain.to_string()),
                entity_type: B("dns_domain"),
            },
        ];
        Discovery {
            path: DiscoveryPath { steps },
            alternative_paths: Vec::new(),
        }
    }

    fn cloud_vm(&mut self, provider: &'static str, public_ip: &str) -> CloudVm {
        let regions = CLOUD_REGIONS
            .iter()
            .find(|(p, _)| *p == provider)
            .map(|(_, r)| *r)
            .unwrap_or(&["us-east-1"]);
        let mac = self.rng.hex(6);
        let mac = mac
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(":");
        CloudVm {
            description: B("Internet-facing application server"),
            instance_id: o(match provider {
                "AWS" => format!("i-{}", self.rng.hex(8)),
                _ => self.rng.hex(12),
            }),
            lifecycle: B(if self.rng.chance(0.8) {
                "normal"
            } else {
                "spot"
            }),
            mac_address: o(mac),
            owner_id: o(format!("{:012}", self.rng.below(1_000_000_000_000))),
            platform: B(if self.rng.chance(0.75) {
                "Linux"
            } else {
                "Windows"
            }),
            private_ip: o(format!(
                "10.{}.{}.{}",
                self.rng.below(256),
                self.rng.below(256),
                self.rng.range(1, 254)
            )),
            public_ip: o(public_ip.to_string()),
            region: B(self.rng.pick_s(regions)),
            security_groups: vec![o(format!("sg-{}", self.rng.hex(8)))],
            source: B("cloud_connector"),
            status: B(if self.rng.chance(0.9) {
                "running"
            } else {
                "stopped"
            }),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn service(
        &mut self,
        asset_id: &str,
        (port, protocol, transport, status_code): (i32, &'static str, &'static str, i32),
        net: (&'static str, i32, Option<&'static str>, &'static str),
        fqdn: &str,
        first_seen: Ts,
        last_seen: Ts,
        sub: &Subsidiary,
    ) -> Service {
        let app = *self.rng.pick(APPS);
        let version = *self.rng.pick(app.3);
        let cpe = format!("cpe:2.3:a:{}:{}:*:*:*:*:*:*:*", app.4, version);
        let banner_hash = self.rng.hex(32);
        let attr_hash = self.rng.hex(32);
        let link = |kind: &str, hash: &str| {
            o(format!(
                "/fem/entities/blobs-{kind}/v1?assetId={asset_id}&hash={hash}"
            ))
        };
        let http = protocol.starts_with("HTTP");
        let tls = if protocol == "HTTPS" {
            Some(Box::new(self.tls(fqdn, last_seen)))
        } else {
            None
        };
        let svc_first = self.ts_between(first_seen.0, last_seen.0);
        let svc_last = self.ts_between(svc_first.0, last_seen.0);
        Service {
            id: o(self.rng.hex(12)),
            applications: vec![Application {
                category: B(app.2),
                cpe: o(cpe.clone()),
                name: B(app.0),
                vendor: B(app.1),
                version: B(version),
            }],
            blob_links: BlobLinks {
                download_attributes: link("download", &attr_hash),
                download_banner: link("download", &banner_hash),
                preview_attributes: link("preview", &attr_hash),
                preview_banner: link("preview", &banner_hash),
            },
            cloud_provider: net.2.map(B),
            cpes: vec![o(cpe)],
            first_seen: svc_first,
            last_seen: svc_last,
            hosting_provider: Some(B(net.3)),
            http_attributes: if http {
                Some(HttpAttributes {
                    cookies: Vec::new(),
                    meta: Vec::new(),
                    response_headers: o(format!(
                        "HTTP/1.1 {} OK\r\nServer: {}\r\nContent-Type: text/html",
                        status_code, app.0
                    )),
                    technologies: vec![B(app.0)],
                    title: B(self.rng.pick_s(TITLES)),
                })
            } else {
                None
            },
            os: Some(B(self.rng.pick_s(PLATFORMS))),
            platform_name: Some(B(self.rng.pick_s(PLATFORMS))),
            port,
            protocol: B(protocol),
            status: B(if self.rng.chance(0.9) {
                "open"
            } else {
                "closed"
            }),
            status_code,
            subsidiaries: vec![sub.clone()],
            tls,
            transport: B(transport),
            blob_hashes: [o(banner_hash), o(attr_hash)],
        }
    }

    fn tls(&mut self, fqdn: &str, last_seen: Ts) -> TlsRecord {
        let (issuer_cn, issuer_org) = *self.rng.pick(ISSUERS);
        let valid_from = Ts(last_seen.0 - self.rng.range(30, 300) * 86_400);
        let n = self.rng.range(1, 3) as usize;
        let start = self.rng.below(CIPHERS.len() as u64) as usize;
        let suites: Vec<Cipher> = (0..n)
            .map(|k| {
                let c = CIPHERS[(start + k) % CIPHERS.len()];
                Cipher {
                    name: B(c.0),
                    bits: c.1,
                    version: B(c.2),
                }
            })
            .collect();
        TlsRecord {
            alpn: B(if self.rng.chance(0.7) {
                "h2"
            } else {
                "http/1.1"
            }),
            alternative_name: o(fqdn.to_string()),
            certificate: Certificate {
                ciphers: suites.iter().map(|c| c.name.clone()).collect(),
                fingerprint_sha256: o(self.rng.hex(32)),
                issuer: EntityIds {
                    common_name: B(issuer_cn),
                    country_name: Some(B("US")),
                    organization_name: Some(B(issuer_org)),
                    organizational_unit: None,
                    locality_name: None,
                    state_or_province_name: None,
                },
                pubkey_bits: *self.rng.pick(&[2048, 2048, 4096, 256]),
                pubkey_type: B(if self.rng.chance(0.8) { "RSA" } else { "ECDSA" }),
                serial: o(self.rng.hex(16)),
                signature_algorithm: B("SHA256-RSA"),
                subject: EntityIds {
                    common_name: o(fqdn.to_string()),
                    country_name: None,
                    organization_name: None,
                    organizational_unit: None,
                    locality_name: None,
                    state_or_province_name: None,
                },
                valid_from,
                valid_to: Ts(valid_from.0 + 397 * 86_400),
            },
            cipher_suites: suites,
            ja3s: o(self.rng.hex(16)),
            jarm: o(self.rng.hex(31)),
            supported_versions: vec![B("TLSv1.2"), B("TLSv1.3")],
            version: B("TLSv1.3"),
        }
    }
}

/// An asset a user added through the inventory endpoint: what the API knows
/// right after the addition, the value and its subsidiary, with no services
/// discovered yet.
pub fn user_asset(
    id: &str,
    value: &str,
    is_ip: bool,
    subsidiary: Subsidiary,
    cid: &str,
    now: i64,
) -> Asset {
    let (ip, dns_domain) = if is_ip {
        let ip = ExternalIp {
            aid: None,
            asn: 0,
            cloud_provider: None,
            cloud_vm: None,
            fqdns: Vec::new(),
            ip_address: o(value.to_string()),
            isp: B(""),
            location: Location::default(),
            ptr: None,
            services: Vec::new(),
        };
        (Some(ip), None)
    } else {
        let parent = value.rsplitn(3, '.').take(2).collect::<Vec<_>>();
        let parent = parent.into_iter().rev().collect::<Vec<_>>().join(".");
        let dns = DnsDomain {
            fqdn: o(value.to_string()),
            isps: Vec::new(),
            parent_domain: o(parent),
            resolved_ips: Vec::new(),
            services: Vec::new(),
            kind: B("subdomain"),
        };
        (None, Some(dns))
    };
    Asset {
        id: o(id.to_string()),
        cid: o(cid.to_string()),
        asset_type: B(if is_ip { "ip" } else { "dns_domain" }),
        entity_type: B("external_asset"),
        status: B("active"),
        applicable_actions: vec![B("triage"), B("set_criticality"), B("delete")],
        confidence: 100,
        connectivity_status: B("unknown"),
        criticality: None,
        criticality_description: None,
        criticality_timestamp: None,
        criticality_username: None,
        data_providers: Vec::new(),
        discovered_by: B("user"),
        discovery: None,
        dns_domain,
        ip,
        first_seen: Ts(now),
        last_seen: Ts(now),
        internet_exposure: B("not_exposed"),
        manual: true,
        perimeter: B("external"),
        subsidiaries: vec![subsidiary],
        triage: None,
    }
}
