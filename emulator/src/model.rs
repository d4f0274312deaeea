//! The external asset model, serialised exactly as `domain.FemExternalAsset`
//! and its nested definitions.

use serde::{Serialize, Serializer};
use std::borrow::Cow;

/// A string shared with the generator's vocabularies when possible.
pub type Str = Cow<'static, str>;

/// Epoch seconds, serialised as an RFC 3339 UTC timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ts(pub i64);

impl Serialize for Ts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::time::format_rfc3339(self.0))
    }
}

/// A value real tenants send either as one string or as a list of strings
/// (`dns_domain.fqdn`, `ip.fqdns`); serialised in the form it holds.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum TextOrList {
    /// One string.
    Text(Str),
    /// A list of strings.
    List(Vec<Str>),
}

impl TextOrList {
    /// The values, whichever the form.
    pub fn iter(&self) -> impl Iterator<Item = &Str> {
        match self {
            TextOrList::Text(s) => std::slice::from_ref(s).iter(),
            TextOrList::List(v) => v.iter(),
        }
    }
}

impl std::fmt::Display for TextOrList {
    /// The first value (empty for an empty list).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.iter().next().map(|s| s.as_ref()).unwrap_or(""))
    }
}

/// `domain.FemExternalAsset`.
#[derive(Debug, Clone, Serialize)]
pub struct Asset {
    pub id: Str,
    pub cid: Str,
    pub asset_type: Str,
    pub entity_type: Str,
    pub status: Str,
    pub applicable_actions: Vec<Str>,
    pub confidence: i32,
    /// A filter field that no response schema has and no public source
    /// shows a value of. Never generated, and the PATCH body has no such
    /// member: always absent, kept so that the filter reads the asset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connectivity_status: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criticality: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criticality_description: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criticality_timestamp: Option<Ts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criticality_username: Option<Str>,
    pub data_providers: Vec<Str>,
    pub discovered_by: Str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discovery: Option<Discovery>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_domain: Option<DnsDomain>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<ExternalIp>,
    pub first_seen: Ts,
    pub last_seen: Ts,
    pub internet_exposure: Str,
    pub manual: bool,
    pub perimeter: Str,
    pub subsidiaries: Vec<Subsidiary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub triage: Option<Triage>,
}

/// `domain.ExternalAssetSubsidiary`.
#[derive(Debug, Clone, Serialize)]
pub struct Subsidiary {
    pub id: Str,
    pub name: Str,
}

/// `domain.ExternalAssetsAPITriage`.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Triage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_timestamp: Option<Ts>,
}

/// `domain.ExternalAssetDiscoveryAttributes`.
#[derive(Debug, Clone, Serialize)]
pub struct Discovery {
    pub path: DiscoveryPath,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alternative_paths: Vec<DiscoveryPath>,
}

/// `domain.ExternalAssetDiscoveryPathAttributes`.
#[derive(Debug, Clone, Serialize)]
pub struct DiscoveryPath {
    pub steps: Vec<DiscoveryStep>,
}

/// `domain.ExternalAssetDiscoveryStepAttributes`.
#[derive(Debug, Clone, Serialize)]
pub struct DiscoveryStep {
    pub id: Str,
    pub clue: Str,
    pub entity: Str,
    pub entity_type: Str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub redirect_path: Vec<RedirectStep>,
}

/// `domain.ExternalAssetRedirectStepAttributes`.
#[derive(Debug, Clone, Serialize)]
pub struct RedirectStep {
    pub id: Str,
    pub clue: Str,
    pub entity: Str,
    pub entity_type: Str,
}

/// `domain.FemDNSDomain`.
#[derive(Debug, Clone, Serialize)]
pub struct DnsDomain {
    pub fqdn: TextOrList,
    pub isps: Vec<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_domain: Option<Str>,
    pub resolved_ips: Vec<Str>,
    pub services: Vec<Service>,
    #[serde(rename = "type")]
    pub kind: Str,
}

/// `domain.FemExternalIP`.
#[derive(Debug, Clone, Serialize)]
pub struct ExternalIp {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aid: Option<Str>,
    pub asn: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_provider: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_vm: Option<CloudVm>,
    pub fqdns: TextOrList,
    pub ip_address: Str,
    pub isp: Str,
    pub location: Location,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ptr: Option<Str>,
    pub services: Vec<Service>,
}

/// `domain.ExternalAssetCloudVM`.
#[derive(Debug, Clone, Serialize)]
pub struct CloudVm {
    pub description: Str,
    pub instance_id: Str,
    pub lifecycle: Str,
    pub mac_address: Str,
    pub owner_id: Str,
    pub platform: Str,
    pub private_ip: Str,
    pub public_ip: Str,
    pub region: Str,
    pub security_groups: Vec<Str>,
    pub source: Str,
    pub status: Str,
}

/// `domain.ExternalAssetGeographicalLocation`.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Location {
    pub area_code: Str,
    pub city: Str,
    pub country_code: Str,
    pub country_name: Str,
    pub geo_point: GeoPoint,
    pub postal_code: Str,
    pub region_code: Str,
    pub region_name: Str,
    pub timezone: Str,
}

/// `domain.GeoPoint`.
#[derive(Debug, Clone, Copy, Serialize, Default)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

/// `domain.ExternalAssetService`.
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub id: Str,
    pub applications: Vec<Application>,
    pub blob_links: BlobLinks,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_provider: Option<Str>,
    pub cpes: Vec<Str>,
    pub first_seen: Ts,
    pub last_seen: Ts,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hosting_provider: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_attributes: Option<HttpAttributes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_name: Option<Str>,
    pub port: i32,
    pub protocol: Str,
    /// Required by the schema, but no public source shows its values: the
    /// generator leaves it out (emulator/README.md, "Documented deviations").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Str>,
    pub status_code: i32,
    pub subsidiaries: Vec<Subsidiary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<Box<TlsRecord>>,
    pub transport: Str,
    /// Hashes of the banner and attributes blobs, used to resolve blob links.
    #[serde(skip)]
    pub blob_hashes: [Str; 2],
}

impl Service {
    /// The derived `protocol_port` filter value, e.g. `HTTPS/443`.
    pub fn protocol_port(&self) -> String {
        format!("{}/{}", self.protocol, self.port)
    }
}

/// `domain.ExternalAssetApplication`.
#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub category: Str,
    pub cpe: Str,
    pub name: Str,
    pub vendor: Str,
    pub version: Str,
}

/// `domain.ExternalAssetServiceBlobsLinks`.
#[derive(Debug, Clone, Serialize)]
pub struct BlobLinks {
    pub download_attributes: Str,
    pub download_banner: Str,
    pub preview_attributes: Str,
    pub preview_banner: Str,
}

/// `domain.ExternalAssetHTTPAttributes`.
#[derive(Debug, Clone, Serialize)]
pub struct HttpAttributes {
    pub cookies: Vec<Str>,
    pub meta: Vec<Str>,
    pub response_headers: Str,
    pub technologies: Vec<Str>,
    /// `None` for a reply that is not an HTML page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<Str>,
}

/// `domain.ExternalAssetSSLRecord`.
#[derive(Debug, Clone, Serialize)]
pub struct TlsRecord {
    pub alpn: Str,
    pub alternative_name: Str,
    pub certificate: Certificate,
    pub cipher_suites: Vec<Cipher>,
    pub ja3s: Str,
    pub jarm: Str,
    pub supported_versions: Vec<Str>,
    pub version: Str,
}

/// `domain.Cipher`.
#[derive(Debug, Clone, Serialize)]
pub struct Cipher {
    pub bits: i32,
    pub name: Str,
    pub version: Str,
}

/// `domain.ExternalAssetCertificate`.
#[derive(Debug, Clone, Serialize)]
pub struct Certificate {
    pub ciphers: Vec<Str>,
    pub fingerprint_sha256: Str,
    pub issuer: EntityIds,
    pub pubkey_bits: i64,
    pub pubkey_type: Str,
    pub serial: Str,
    pub signature_algorithm: Str,
    pub subject: EntityIds,
    pub valid_from: Ts,
    pub valid_to: Ts,
}

/// `domain.ExternalAssetCertificateEntityIdentifiers`: every name field of
/// the schema; the ones a certificate does not carry are left out.
#[derive(Debug, Clone, Serialize, Default)]
pub struct EntityIds {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub common_name: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_name: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dn_qualifier: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain_component: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_address: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation_qualifier: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locality_name: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizational_unit: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pseudonym: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_or_province_name: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_address: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surname: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Str>,
}
