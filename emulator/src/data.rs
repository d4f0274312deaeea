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
const NETWORKS: &[Network] = &[
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

/// The applications that answer on a protocol (an HTTPS service on port
/// 6443 is a Kubernetes API server); none are listed for the others.
const PROTOCOL_APPS: &[(&str, &[&str])] = &[
    (
        "HTTP",
        &[
            "nginx",
            "Apache HTTP Server",
            "Microsoft IIS",
            "WordPress",
            "Jenkins",
            "Grafana",
        ],
    ),
    (
        "HTTPS",
        &[
            "nginx",
            "Apache HTTP Server",
            "Microsoft IIS",
            "WordPress",
            "Jenkins",
            "Grafana",
            "Fortinet FortiGate",
            "Citrix Gateway",
            "Microsoft Exchange Server",
        ],
    ),
    ("SSH", &["OpenSSH"]),
    ("SMTP", &["Postfix", "Microsoft Exchange Server"]),
    ("FTP", &["vsftpd"]),
    ("MYSQL", &["MySQL"]),
    ("POSTGRESQL", &["PostgreSQL"]),
];
/// Web applications, listed after the web server in front of them.
const WEB_APPS: &[&str] = &["WordPress", "Jenkins", "Grafana"];
const WEB_SERVERS: &[&str] = &["nginx", "Apache HTTP Server"];
const PLATFORMS: &[&str] = &["Linux", "Windows", "FreeBSD", "Ubuntu", "Debian", "CentOS"];
const DATA_PROVIDERS: &[&str] = &[
    "crowdstrike",
    "shodan",
    "censys",
    "passive_dns",
    "certificate_transparency",
];
// Values with public evidence; the emulator sends nothing else in these
// fields (the emulator README lists the sources).
/// `criticality` other than `Unassigned`: the schema's description of
/// `domain.FemExternalAsset.criticality` and PSFalcon's `Edit-FalconAsset`.
const CRITICALITY_SET: &[&str] = &["Critical", "High", "Noncritical"];
/// The criticality of an asset nobody has assessed.
const UNASSIGNED: &str = "Unassigned";
/// `discovered_by` of automatically discovered assets (FalconPy's
/// `em_manager.py`: any other value means manual).
const AUTO: &str = "auto";
/// `entity_type`: "it will be always 'external'" (schema description).
const ENTITY_TYPE: &str = "external";

// No public source lists the values of `connectivity_status`,
// `triage.status`, `triage.action` or a service's `status` (emulator
// README, "Field values and where they come from"): the generator leaves
// them out (`Generator::unlisted`). Only a PATCH sets a triage status or
// action, to whatever it sends.

/// The organisation that owns the tenant, first step of every subsidiary's
/// discovery path.
const ORGANIZATION: &str = "Example Holdings";
/// Child subsidiaries: (child index, parent index) in `SUBSIDIARY_NAMES`.
const SUBSIDIARY_PARENTS: &[(usize, usize)] = &[(6, 0), (7, 0)];
const USERS: &[&str] = &[
    "alice.martin@example.com",
    "bob.nguyen@example.com",
    "carol.diaz@example.com",
    "dmitri.ivanov@example.com",
];
/// A certificate authority: how it names itself, and whether it vouches
/// for the subject's organisation (OV) or only for the host name (DV).
struct Issuer {
    common_name: &'static str,
    organization: &'static str,
    unit: Option<&'static str>,
    country: &'static str,
    state: Option<&'static str>,
    locality: Option<&'static str>,
    validates_organization: bool,
}

const ISSUERS: &[Issuer] = &[
    Issuer {
        common_name: "R3",
        organization: "Let's Encrypt",
        unit: None,
        country: "US",
        state: None,
        locality: None,
        validates_organization: false,
    },
    Issuer {
        common_name: "DigiCert TLS RSA SHA256 2020 CA1",
        organization: "DigiCert Inc",
        unit: Some("www.digicert.com"),
        country: "US",
        state: None,
        locality: None,
        validates_organization: true,
    },
    Issuer {
        common_name: "Sectigo RSA Organization Validation Secure Server CA",
        organization: "Sectigo Limited",
        unit: None,
        country: "GB",
        state: Some("Greater Manchester"),
        locality: Some("Salford"),
        validates_organization: true,
    },
    Issuer {
        common_name: "GTS CA 1C3",
        organization: "Google Trust Services LLC",
        unit: None,
        country: "US",
        state: None,
        locality: None,
        validates_organization: false,
    },
    Issuer {
        common_name: "Amazon RSA 2048 M01",
        organization: "Amazon",
        unit: None,
        country: "US",
        state: None,
        locality: None,
        validates_organization: false,
    },
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

/// An entry of [`NETWORKS`]: ISP, ASN, cloud provider, hosting provider.
type Network = (&'static str, i32, Option<&'static str>, &'static str);

/// The names an asset is known by, drawn before its IP or domain record.
struct Names<'a> {
    index: usize,
    fqdn: &'a str,
    ip_address: &'a str,
    /// The fqdn fields take the form the schema does not give.
    other_form: bool,
}

/// The criticality assessment of an asset; all `None` when unassessed.
struct Assessment {
    level: Option<&'static str>,
    timestamp: Option<Ts>,
    username: Option<Str>,
    description: Option<Str>,
}

/// The links of a service's two blobs, which the emulator serves.
fn blob_links(asset_id: &str, banner_hash: &str, attr_hash: &str) -> BlobLinks {
    let link = |kind: &str, hash: &str| {
        o(format!(
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

fn location(place: &Place) -> Location {
    Location {
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
    }
}

/// The anchor time and subsidiaries an inventory is generated around.
pub struct Generator {
    rng: Rng,
    seed: u64,
    cid: String,
    now: i64,
    subsidiaries: Vec<Subsidiary>,
    mixed_fqdn_forms: bool,
}

/// One generated subsidiary (`domain.FemEcosystemSubsidiary`).
#[derive(Debug, Clone)]
pub struct SubsidiaryInfo {
    /// Subsidiary id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Primary DNS domain.
    pub domain: String,
    /// Id of the parent subsidiary, empty for a top-level one.
    pub parent_id: String,
    /// Number of child subsidiaries.
    pub children_count: i32,
    /// How the subsidiary was linked to the organisation.
    pub discovery: Discovery,
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
            seed,
            cid: cid.to_string(),
            now,
            subsidiaries,
            mixed_fqdn_forms: false,
        }
    }

    /// With `on`, some assets carry `ip.fqdns` as one string and
    /// `dns_domain.fqdn` as a list, as real tenants are known to send them;
    /// the inventory is otherwise the same.
    pub fn mixed_fqdn_forms(mut self, on: bool) -> Self {
        self.mixed_fqdn_forms = on;
        self
    }

    /// The subsidiaries assets are attributed to, with their discovery
    /// paths: organisation, then the parent subsidiary if any, then the
    /// subsidiary itself.
    pub fn subsidiaries(&self) -> Vec<SubsidiaryInfo> {
        // Its own stream, so that the assets do not depend on it.
        let mut rng = Rng::new(self.seed ^ 0x5B5D_1A21);
        let parent_of = |i: usize| {
            SUBSIDIARY_PARENTS
                .iter()
                .find(|(child, _)| *child == i)
                .map(|(_, p)| *p)
        };
        let mut step = |clue: String, entity: &str| DiscoveryStep {
            id: o(rng.hex(8)),
            clue: o(clue),
            entity: o(entity.to_string()),
            entity_type: B("subsidiary"),
            redirect_path: Vec::new(),
        };
        self.subsidiaries
            .iter()
            .zip(SUBSIDIARY_NAMES)
            .enumerate()
            .map(|(i, (s, (name, domain)))| {
                let mut steps = vec![step("Customer organization".into(), ORGANIZATION)];
                let owner = match parent_of(i) {
                    Some(p) => {
                        let parent = SUBSIDIARY_NAMES[p].0;
                        steps.push(step(
                            format!("Subsidiary of {ORGANIZATION} (ownership records)"),
                            parent,
                        ));
                        parent
                    }
                    None => ORGANIZATION,
                };
                steps.push(step(
                    format!("Subsidiary of {owner} (ownership records)"),
                    name,
                ));
                SubsidiaryInfo {
                    id: s.id.to_string(),
                    name: s.name.to_string(),
                    domain: domain.to_string(),
                    parent_id: parent_of(i)
                        .map(|p| self.subsidiaries[p].id.to_string())
                        .unwrap_or_default(),
                    children_count: SUBSIDIARY_PARENTS.iter().filter(|(_, p)| *p == i).count()
                        as i32,
                    discovery: Discovery {
                        path: DiscoveryPath { steps },
                        alternative_paths: Vec::new(),
                    },
                }
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

    /// Generates the asset at position `index`. Every draw happens in a
    /// fixed order, so a seed always gives the same inventory.
    pub fn asset(&mut self, index: usize) -> Asset {
        let is_ip = self.rng.chance(0.6);
        let sub_i = self.rng.below(self.subsidiaries.len() as u64) as usize;
        let subsidiary = self.subsidiaries[sub_i].clone();
        let parent_domain = SUBSIDIARY_NAMES[sub_i].1;
        let subsidiaries = self.asset_subsidiaries(sub_i);
        let (first_seen, last_seen) = self.seen();
        let id = o(self.rng.hex(16));
        let net = *self.rng.pick(NETWORKS);
        // One domain asset in ten is the subsidiary's primary (root) domain.
        let is_root = !is_ip && self.rng.chance(0.1);
        let fqdn = self.fqdn(is_root, parent_domain);
        // Drawn for every asset so that the flag changes nothing else.
        let other_form = self.rng.chance(0.25) && self.mixed_fqdn_forms;
        let ip_address = self.public_ip(index);
        let names = Names {
            index,
            fqdn: &fqdn,
            ip_address: &ip_address,
            other_form,
        };
        let services = self.services(&id, net, &fqdn, first_seen, last_seen, &subsidiary);
        let exposed = !services.is_empty();
        let confidence = *self.rng.pick(&[50, 70, 80, 90, 95, 100]);
        let (dns_domain, ip) = if is_ip {
            (None, Some(self.ip_record(net, &names, services)))
        } else {
            let parent = (!is_root).then_some(parent_domain);
            (Some(self.dns_record(net, &names, parent, services)), None)
        };
        let assessment = self.assessment(first_seen);
        let triage = self.triage(first_seen);
        let data_providers = self.data_providers();
        let (manual, discovered_by) = self.origin();
        let status = self.status(last_seen);
        let discovery = self.discovery(parent_domain, &subsidiary, is_ip, &fqdn, &ip_address);
        Asset {
            id,
            cid: o(self.cid.clone()),
            asset_type: B(if is_ip { "ip" } else { "dns_domain" }),
            entity_type: B(ENTITY_TYPE),
            status: B(status),
            applicable_actions: vec![B("triage"), B("set_criticality"), B("delete")],
            confidence,
            connectivity_status: self.unlisted(),
            criticality: Some(B(assessment.level.unwrap_or(UNASSIGNED))),
            criticality_description: assessment.description,
            criticality_timestamp: assessment.timestamp,
            criticality_username: assessment.username,
            data_providers,
            discovered_by,
            discovery: Some(discovery),
            dns_domain,
            ip,
            first_seen,
            last_seen,
            internet_exposure: B(if exposed { "Yes" } else { "No" }),
            manual,
            perimeter: B(if self.rng.chance(0.85) {
                "Official"
            } else {
                "Unofficial"
            }),
            subsidiaries,
            triage,
        }
    }

    /// When an asset was first and last seen, in the year before the anchor.
    fn seen(&mut self) -> (Ts, Ts) {
        let year = 365 * 86_400;
        let first_seen = self.ts_between(self.now - year, self.now - 86_400);
        let last_seen = self.ts_between(first_seen.0 + 3600, self.now);
        (first_seen, last_seen)
    }

    /// Whether an asset was added by hand, and who found it: manually added
    /// assets name who added them (any value other than `auto` means manual).
    fn origin(&mut self) -> (bool, Str) {
        let manual = self.rng.chance(0.05);
        let discovered_by = if manual {
            B(self.rng.pick_s(USERS))
        } else {
            B(AUTO)
        };
        (manual, discovered_by)
    }

    /// The subsidiaries of an asset: `sub_i`'s, and for a few a second one.
    fn asset_subsidiaries(&mut self, sub_i: usize) -> Vec<Subsidiary> {
        let mut subsidiaries = vec![self.subsidiaries[sub_i].clone()];
        if self.rng.chance(0.05) {
            let other = self.rng.below(self.subsidiaries.len() as u64) as usize;
            if other != sub_i {
                subsidiaries.push(self.subsidiaries[other].clone());
            }
        }
        subsidiaries
    }

    /// The asset's domain name: the subsidiary's primary domain for a root
    /// domain, a subdomain of it otherwise.
    fn fqdn(&mut self, is_root: bool, parent_domain: &str) -> String {
        if is_root {
            return parent_domain.to_string();
        }
        format!(
            "{}{}.{}",
            self.rng.pick(SUBDOMAINS),
            if self.rng.chance(0.7) {
                String::new()
            } else {
                format!("-{}", self.rng.below(100))
            },
            parent_domain
        )
    }

    /// Zero to four services on distinct ports.
    fn services(
        &mut self,
        id: &str,
        net: Network,
        fqdn: &str,
        first_seen: Ts,
        last_seen: Ts,
        subsidiary: &Subsidiary,
    ) -> Vec<Service> {
        let n_services = *self.rng.pick(&[0usize, 1, 1, 1, 2, 2, 2, 3, 3, 4]);
        let mut services = Vec::with_capacity(n_services);
        let mut used_ports = Vec::new();
        for _ in 0..n_services {
            let p = *self.rng.pick(PORTS);
            if used_ports.contains(&p.0) {
                continue;
            }
            used_ports.push(p.0);
            let s = self.service(id, p, net, fqdn, first_seen, last_seen, subsidiary);
            services.push(s);
        }
        services
    }

    /// The `ip` record of an IP asset.
    fn ip_record(&mut self, net: Network, names: &Names, services: Vec<Service>) -> ExternalIp {
        let ip_address = names.ip_address;
        let cloud_vm = if net.2.is_some() && self.rng.chance(0.6) {
            Some(self.cloud_vm(net.2.unwrap_or("AWS"), ip_address))
        } else {
            None
        };
        let place = self.rng.pick(PLACES);
        let fqdns = match (self.rng.chance(0.6), names.other_form) {
            (true, true) => TextOrList::Text(o(names.fqdn.to_string())),
            (true, false) => TextOrList::List(vec![o(names.fqdn.to_string())]),
            (false, _) => TextOrList::List(Vec::new()),
        };
        ExternalIp {
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
            ip_address: o(ip_address.to_string()),
            isp: B(net.0),
            location: location(place),
            services,
        }
    }

    /// The `dns_domain` record of a domain asset; `parent_domain` is
    /// `None` for a root domain.
    fn dns_record(
        &mut self,
        net: Network,
        names: &Names,
        parent_domain: Option<&'static str>,
        services: Vec<Service>,
    ) -> DnsDomain {
        let n_ips = self.rng.range(1, 3) as usize;
        let mut resolved = vec![o(names.ip_address.to_string())];
        for k in 1..n_ips {
            resolved.push(o(self.public_ip(names.index * 7 + k)));
        }
        let fqdn = o(names.fqdn.to_string());
        DnsDomain {
            fqdn: if names.other_form {
                TextOrList::List(vec![fqdn])
            } else {
                TextOrList::Text(fqdn)
            },
            isps: vec![B(net.0)],
            // Schema: "only populated if domain type is subdomain".
            parent_domain: parent_domain.map(B),
            resolved_ips: resolved,
            services,
            kind: B(if parent_domain.is_none() {
                "root"
            } else {
                "subdomain"
            }),
        }
    }

    /// Most assets were never assessed; the rest carry who assessed them.
    fn assessment(&mut self, first_seen: Ts) -> Assessment {
        let level = match self.rng.below(100) {
            0..=54 => None,
            roll => Some(CRITICALITY_SET[(roll as usize - 55) * CRITICALITY_SET.len() / 45]),
        };
        Assessment {
            level,
            timestamp: level.map(|_| self.ts_between(first_seen.0, self.now)),
            username: level.map(|_| B(self.rng.pick_s(USERS))),
            description: level
                .map(|c| o(format!("{c}: reviewed during the quarterly asset audit"))),
        }
    }

    /// The triage assignment of about a third of the assets: who it is
    /// assigned to, a note, who changed it and when. No status or action:
    /// no public source lists their values, and CrowdStrike's sample counts
    /// an asset as triaged only when it has a status, so most real assets
    /// have none. A PATCH sets them.
    fn triage(&mut self, first_seen: Ts) -> Option<Triage> {
        if !self.rng.chance(0.3) {
            return None;
        }
        Some(Triage {
            action: self.unlisted(),
            assigned_to: Some(B(self.rng.pick_s(USERS))),
            description: Some(B("Reviewed by the exposure management team")),
            status: self.unlisted(),
            updated_by: Some(B(self.rng.pick_s(USERS))),
            updated_timestamp: Some(self.ts_between(first_seen.0, self.now)),
        })
    }

    /// No value, for a field whose values no public source lists. The
    /// random number that used to pick a placeholder for it is still drawn,
    /// so that a seed gives the same inventory as before in every other
    /// field (ids, services, timestamps, the rows tests and examples show).
    fn unlisted<T>(&mut self) -> Option<T> {
        self.rng.next_u64();
        None
    }

    fn data_providers(&mut self) -> Vec<Str> {
        let mut data_providers = vec![B(DATA_PROVIDERS[0])];
        for p in &DATA_PROVIDERS[1..] {
            if self.rng.chance(0.3) {
                data_providers.push(B(p));
            }
        }
        data_providers
    }

    /// `online` when seen in the last 30 days. The status is compared
    /// case-insensitively by its one public reader: some assets carry it
    /// capitalised.
    fn status(&mut self, last_seen: Ts) -> &'static str {
        let online = last_seen.0 > self.now - 30 * 86_400;
        match (online, self.rng.chance(0.1)) {
            (true, false) => "online",
            (true, true) => "Online",
            (false, false) => "offline",
            (false, true) => "Offline",
        }
    }

    /// How an asset was linked to the inventory: from its subsidiary through
    /// the primary domain, the subdomain, and for an IP the domain that
    /// resolves to it (2 to 4 steps). Some steps went through HTTP
    /// redirects; some assets were also found another way.
    fn discovery(
        &mut self,
        primary: &str,
        sub: &Subsidiary,
        is_ip: bool,
        fqdn: &str,
        ip: &str,
    ) -> Discovery {
        let subsidiary_step = |g: &mut Self| {
            g.step(
                format!("Subsidiary of {ORGANIZATION}"),
                sub.name.to_string(),
                "subsidiary",
            )
        };
        let mut steps = vec![
            subsidiary_step(self),
            self.step(
                format!("Primary domain of {}", sub.name),
                primary.to_string(),
                "dns_domain",
            ),
        ];
        if fqdn != primary {
            let mut s = self.step(
                format!("Subdomain of {primary}"),
                fqdn.to_string(),
                "dns_domain",
            );
            if self.rng.chance(0.2) {
                s.redirect_path = vec![
                    self.redirect(primary.to_string(), 301),
                    self.redirect(fqdn.to_string(), 302),
                ];
            }
            steps.push(s);
        }
        if is_ip {
            steps.push(self.step(format!("Resolved from {fqdn}"), ip.to_string(), "ip"));
        }
        let mut alternative_paths = Vec::new();
        if self.rng.chance(0.25) {
            let target = if is_ip {
                (ip, "ip")
            } else {
                (fqdn, "dns_domain")
            };
            alternative_paths.push(DiscoveryPath {
                steps: vec![
                    subsidiary_step(self),
                    self.step(
                        format!("Named in the TLS certificate of {primary}"),
                        target.0.to_string(),
                        target.1,
                    ),
                ],
            });
        }
        Discovery {
            path: DiscoveryPath { steps },
            alternative_paths,
        }
    }

    fn step(&mut self, clue: String, entity: String, entity_type: &'static str) -> DiscoveryStep {
        DiscoveryStep {
            id: o(self.rng.hex(8)),
            clue: o(clue),
            entity: o(entity),
            entity_type: B(entity_type),
            redirect_path: Vec::new(),
        }
    }

    fn redirect(&mut self, entity: String, code: u16) -> RedirectStep {
        RedirectStep {
            id: o(self.rng.hex(8)),
            clue: o(format!("HTTP {code} redirect")),
            entity: o(entity),
            entity_type: B("dns_domain"),
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
        net: Network,
        fqdn: &str,
        first_seen: Ts,
        last_seen: Ts,
        sub: &Subsidiary,
    ) -> Service {
        let applications = self.applications(protocol, port);
        let banner_hash = self.rng.hex(32);
        let attr_hash = self.rng.hex(32);
        let http = protocol.starts_with("HTTP");
        let tls = if protocol == "HTTPS" {
            Some(Box::new(self.tls(fqdn, sub, last_seen)))
        } else {
            None
        };
        let svc_first = self.ts_between(first_seen.0, last_seen.0);
        let svc_last = self.ts_between(svc_first.0, last_seen.0);
        Service {
            id: o(self.rng.hex(12)),
            cpes: applications.iter().map(|a| a.cpe.clone()).collect(),
            blob_links: blob_links(asset_id, &banner_hash, &attr_hash),
            cloud_provider: net.2.map(B),
            first_seen: svc_first,
            last_seen: svc_last,
            hosting_provider: Some(B(net.3)),
            http_attributes: http.then(|| self.http_attributes(status_code, &applications)),
            os: Some(B(self.rng.pick_s(PLATFORMS))),
            platform_name: Some(B(self.rng.pick_s(PLATFORMS))),
            port,
            protocol: B(protocol),
            // "The availability status for this service" (the schema's
            // description) has no documented values: left out.
            status: self.unlisted(),
            status_code,
            subsidiaries: vec![sub.clone()],
            tls,
            transport: B(transport),
            blob_hashes: [o(banner_hash), o(attr_hash)],
            applications,
        }
    }

    /// The HTTP attributes of a web service running `applications`.
    fn http_attributes(
        &mut self,
        status_code: i32,
        applications: &[Application],
    ) -> HttpAttributes {
        let server = applications.first().map_or("unknown", |a| a.name.as_ref());
        let response_headers =
            format!("HTTP/1.1 {status_code} OK\r\nServer: {server}\r\nContent-Type: text/html");
        HttpAttributes {
            cookies: Vec::new(),
            meta: Vec::new(),
            response_headers: o(response_headers),
            technologies: applications.iter().map(|a| a.name.clone()).collect(),
            title: B(self.rng.pick_s(TITLES)),
        }
    }

    /// What runs behind a service: nothing known for most protocols, one
    /// application, or a web application with its web server first.
    fn applications(&mut self, protocol: &str, port: i32) -> Vec<Application> {
        let names: &[&str] = if port == 6443 {
            &["Kubernetes API Server"]
        } else {
            PROTOCOL_APPS
                .iter()
                .find(|(p, _)| *p == protocol)
                .map_or(&[], |(_, names)| *names)
        };
        if names.is_empty() {
            return Vec::new();
        }
        let name = self.rng.pick_s(names);
        let mut apps = Vec::with_capacity(2);
        if WEB_APPS.contains(&name) {
            let server = self.rng.pick_s(WEB_SERVERS);
            apps.extend(self.application(server));
        }
        apps.extend(self.application(name));
        apps
    }

    fn application(&mut self, name: &str) -> Option<Application> {
        let app = APPS.iter().find(|a| a.0 == name)?;
        let version = *self.rng.pick(app.3);
        Some(Application {
            category: B(app.2),
            cpe: o(format!("cpe:2.3:a:{}:{}:*:*:*:*:*:*:*", app.4, version)),
            name: B(app.0),
            vendor: B(app.1),
            version: B(version),
        })
    }

    /// The certificate names: the issuer's, and a subject naming the host,
    /// plus the organisation and its place when the issuer vouches for
    /// them (with a registration number for extended validation). Some
    /// services present a self-signed certificate naming a contact.
    fn cert_names(&mut self, fqdn: &str, sub: &Subsidiary) -> (EntityIds, EntityIds) {
        let primary = SUBSIDIARY_NAMES
            .iter()
            .find(|(n, _)| *n == sub.name)
            .map_or(fqdn, |(_, d)| *d);
        let place = self.rng.pick(PLACES);
        let located = |mut e: EntityIds| {
            e.organization_name = Some(sub.name.clone());
            e.country_name = Some(B(place.country_code));
            e.state_or_province_name = Some(B(place.region_name));
            e.locality_name = Some(B(place.city));
            e
        };
        let host = EntityIds {
            common_name: Some(o(fqdn.to_string())),
            ..EntityIds::default()
        };
        if self.rng.chance(0.08) {
            let own = EntityIds {
                organizational_unit: Some(B("IT")),
                email_address: Some(o(format!("hostmaster@{primary}"))),
                ..located(host)
            };
            return (own.clone(), own);
        }
        let ca = self.rng.pick(ISSUERS);
        let issuer = EntityIds {
            common_name: Some(B(ca.common_name)),
            organization_name: Some(B(ca.organization)),
            organizational_unit: ca.unit.map(B),
            country_name: Some(B(ca.country)),
            state_or_province_name: ca.state.map(B),
            locality_name: ca.locality.map(B),
            ..EntityIds::default()
        };
        let subject = match (ca.validates_organization, self.rng.chance(0.2)) {
            (false, _) => host,
            (true, false) => located(host),
            (true, true) => EntityIds {
                serial_number: Some(o(format!("{}", self.rng.range(1_000_000, 9_999_999)))),
                street_address: Some(o(format!("{} Market Street", self.rng.range(1, 400)))),
                ..located(host)
            },
        };
        (issuer, subject)
    }

    fn tls(&mut self, fqdn: &str, sub: &Subsidiary, last_seen: Ts) -> TlsRecord {
        let (issuer, subject) = self.cert_names(fqdn, sub);
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
                issuer,
                pubkey_bits: *self.rng.pick(&[2048, 2048, 4096, 256]),
                pubkey_type: B(if self.rng.chance(0.8) { "RSA" } else { "ECDSA" }),
                serial: o(self.rng.hex(16)),
                signature_algorithm: B("SHA256-RSA"),
                subject,
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
            fqdns: TextOrList::List(Vec::new()),
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
        let is_root = parent == value;
        let dns = DnsDomain {
            fqdn: TextOrList::Text(o(value.to_string())),
            isps: Vec::new(),
            parent_domain: (!is_root).then_some(o(parent)),
            resolved_ips: Vec::new(),
            services: Vec::new(),
            kind: B(if is_root { "root" } else { "subdomain" }),
        };
        (None, Some(dns))
    };
    Asset {
        id: o(id.to_string()),
        cid: o(cid.to_string()),
        asset_type: B(if is_ip { "ip" } else { "dns_domain" }),
        entity_type: B(ENTITY_TYPE),
        status: B("online"),
        applicable_actions: vec![B("triage"), B("set_criticality"), B("delete")],
        confidence: 100,
        connectivity_status: None,
        criticality: Some(B(UNASSIGNED)),
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
        internet_exposure: B("No"),
        manual: true,
        perimeter: B("Official"),
        subsidiaries: vec![subsidiary],
        triage: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protocol_application_is_described() {
        let names = PROTOCOL_APPS
            .iter()
            .flat_map(|(_, n)| n.iter())
            .chain(WEB_SERVERS)
            .chain(&["Kubernetes API Server"]);
        for name in names {
            assert!(APPS.iter().any(|a| a.0 == *name), "{name}");
        }
    }

    #[test]
    fn web_applications_come_behind_a_web_server() {
        let mut g = Generator::new(1, "cid", 1_800_000_000);
        let mut seen = 0;
        for _ in 0..200 {
            let apps = g.applications("HTTPS", 443);
            let names: Vec<&str> = apps.iter().map(|a| a.name.as_ref()).collect();
            assert!(!names.is_empty());
            if let Some(app) = names.iter().position(|n| WEB_APPS.contains(n)) {
                seen += 1;
                assert_eq!(app, 1, "{names:?}");
                assert!(WEB_SERVERS.contains(&names[0]), "{names:?}");
            }
        }
        assert!(seen > 0);
        assert!(g.applications("RDP", 3389).is_empty());
        assert_eq!(
            g.applications("HTTPS", 6443)[0].name,
            "Kubernetes API Server"
        );
    }
}
