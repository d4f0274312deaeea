//! The filterable fields of `query_external_assets`, encoded from the four
//! filter tables of the documentation (exact match, wildcard, lists, range),
//! with the value type and the place in the asset model of each field.

use crate::model::{Asset, CloudVm, DnsDomain, ExternalIp, Location, Service, Triage};
use std::borrow::Cow;

/// Fields accepted by the exact-match filter table (plus `ip.cloud_provider`,
/// which the API schema lists and the documentation table omits) of `query_external_assets`.
pub const EXACT: &[&str] = &[
    "asset_id",
    "asset_type",
    "confidence",
    "connectivity_status",
    "criticality",
    "criticality_description",
    "criticality_timestamp",
    "criticality_username",
    "data_providers",
    "discovered_by",
    "dns_domain.fqdn",
    "dns_domain.isps",
    "dns_domain.parent_domain",
    "dns_domain.resolved_ips",
    "dns_domain.services.applications.category",
    "dns_domain.services.applications.cpe",
    "dns_domain.services.applications.name",
    "dns_domain.services.applications.vendor",
    "dns_domain.services.applications.version",
    "dns_domain.services.cloud_provider",
    "dns_domain.services.cpes",
    "dns_domain.services.hosting_provider",
    "dns_domain.services.last_seen",
    "dns_domain.services.platform_name",
    "dns_domain.services.port",
    "dns_domain.services.protocol",
    "dns_domain.services.protocol_port",
    "dns_domain.services.status",
    "dns_domain.services.status_code",
    "dns_domain.services.transport",
    "dns_domain.type",
    "first_seen",
    "id",
    "internet_exposure",
    "ip.asn",
    "ip.cloud_provider",
    "ip.cloud_vm.description",
    "ip.cloud_vm.instance_id",
    "ip.cloud_vm.lifecycle",
    "ip.cloud_vm.mac_address",
    "ip.cloud_vm.owner_id",
    "ip.cloud_vm.platform",
    "ip.cloud_vm.private_ip",
    "ip.cloud_vm.public_ip",
    "ip.cloud_vm.region",
    "ip.cloud_vm.security_groups",
    "ip.cloud_vm.source",
    "ip.cloud_vm.status",
    "ip.fqdns",
    "ip.ip_address",
    "ip.isp",
    "ip.location.area_code",
    "ip.location.city",
    "ip.location.country_code",
    "ip.location.country_name",
    "ip.location.postal_code",
    "ip.location.region_code",
    "ip.location.region_name",
    "ip.location.timezone",
    "ip.ptr",
    "ip.aid",
    "ip.services.applications.category",
    "ip.services.applications.cpe",
    "ip.services.applications.name",
    "ip.services.applications.vendor",
    "ip.services.applications.version",
    "ip.services.cloud_provider",
    "ip.services.cpes",
    "ip.services.first_seen",
    "ip.services.last_seen",
    "ip.services.platform_name",
    "ip.services.port",
    "ip.services.protocol",
    "ip.services.protocol_port",
    "ip.services.status",
    "ip.services.status_code",
    "ip.services.transport",
    "last_seen",
    "manual",
    "perimeter",
    "subsidiaries.id",
    "subsidiaries.name",
    "triage.action",
    "triage.assigned_to",
    "triage.status",
    "triage.updated_by",
    "triage.updated_timestamp",
];

/// Fields accepted by the wildcard filter table of `query_external_assets`.
pub const WILDCARD: &[&str] = &[
    "asset_id",
    "asset_type",
    "confidence",
    "connectivity_status",
    "criticality",
    "criticality_username",
    "data_providers",
    "discovered_by",
    "dns_domain.fqdn",
    "dns_domain.isps",
    "dns_domain.parent_domain",
    "dns_domain.resolved_ips",
    "dns_domain.services.applications.category",
    "dns_domain.services.applications.cpe",
    "dns_domain.services.applications.name",
    "dns_domain.services.applications.vendor",
    "dns_domain.services.applications.version",
    "dns_domain.services.cloud_provider",
    "dns_domain.services.cpes",
    "dns_domain.services.hosting_provider",
    "dns_domain.services.id",
    "dns_domain.services.platform_name",
    "dns_domain.services.port",
    "dns_domain.services.protocol",
    "dns_domain.services.protocol_port",
    "dns_domain.services.status",
    "dns_domain.services.status_code",
    "dns_domain.services.transport",
    "dns_domain.type",
    "id",
    "internet_exposure",
    "ip.asn",
    "ip.cloud_vm.instance_id",
    "ip.cloud_vm.lifecycle",
    "ip.cloud_vm.mac_address",
    "ip.cloud_vm.owner_id",
    "ip.cloud_vm.platform",
    "ip.cloud_vm.private_ip",
    "ip.cloud_vm.public_ip",
    "ip.cloud_vm.region",
    "ip.cloud_vm.security_groups",
    "ip.cloud_vm.source",
    "ip.cloud_vm.status",
    "ip.fqdns",
    "ip.ip_address",
    "ip.isp",
    "ip.location.area_code",
    "ip.location.city",
    "ip.location.country_code",
    "ip.location.country_name",
    "ip.location.postal_code",
    "ip.location.region_code",
    "ip.location.region_name",
    "ip.location.timezone",
    "ip.ptr",
    "ip.aid",
    "ip.services.applications.category",
    "ip.services.applications.cpe",
    "ip.services.applications.name",
    "ip.services.applications.vendor",
    "ip.services.applications.version",
    "ip.services.cloud_provider",
    "ip.services.cpes",
    "ip.services.platform_name",
    "ip.services.port",
    "ip.services.protocol",
    "ip.services.protocol_port",
    "ip.services.status",
    "ip.services.status_code",
    "ip.services.transport",
    "manual",
    "perimeter",
    "subsidiaries.id",
    "subsidiaries.name",
    "triage.action",
    "triage.assigned_to",
    "triage.status",
    "triage.updated_by",
];

/// Fields accepted by the list filter table of `query_external_assets`.
pub const LIST: &[&str] = &[
    "asset_id",
    "asset_type",
    "confidence",
    "connectivity_status",
    "criticality",
    "criticality_username",
    "data_providers",
    "discovered_by",
    "dns_domain.fqdn",
    "dns_domain.isps",
    "dns_domain.parent_domain",
    "dns_domain.services.applications.category",
    "dns_domain.services.applications.cpe",
    "dns_domain.services.applications.name",
    "dns_domain.services.applications.vendor",
    "dns_domain.services.applications.version",
    "dns_domain.services.cloud_provider",
    "dns_domain.services.cpes",
    "dns_domain.services.id",
    "dns_domain.services.platform_name",
    "dns_domain.services.port",
    "dns_domain.services.protocol",
    "dns_domain.services.protocol_port",
    "dns_domain.services.status",
    "dns_domain.services.status_code",
    "dns_domain.services.transport",
    "dns_domain.type",
    "id",
    "internet_exposure",
    "ip.asn",
    "ip.cloud_vm.instance_id",
    "ip.cloud_vm.lifecycle",
    "ip.cloud_vm.mac_address",
    "ip.cloud_vm.owner_id",
    "ip.cloud_vm.platform",
    "ip.cloud_vm.region",
    "ip.cloud_vm.security_groups",
    "ip.cloud_vm.source",
    "ip.cloud_vm.status",
    "ip.fqdns",
    "ip.isp",
    "ip.location.area_code",
    "ip.location.city",
    "ip.location.country_code",
    "ip.location.country_name",
    "ip.location.postal_code",
    "ip.location.region_code",
    "ip.location.region_name",
    "ip.location.timezone",
    "ip.ptr",
    "ip.aid",
    "ip.services.applications.category",
    "ip.services.applications.cpe",
    "ip.services.applications.name",
    "ip.services.applications.vendor",
    "ip.services.applications.version",
    "ip.services.cloud_provider",
    "ip.services.cpes",
    "ip.services.platform_name",
    "ip.services.port",
    "ip.services.protocol",
    "ip.services.protocol_port",
    "ip.services.status",
    "ip.services.status_code",
    "ip.services.transport",
    "manual",
    "perimeter",
    "subsidiaries.id",
    "subsidiaries.name",
    "triage.action",
    "triage.assigned_to",
    "triage.status",
    "triage.updated_by",
];

/// Fields accepted by the range filter table of `query_external_assets`.
pub const RANGE: &[&str] = &[
    "criticality_timestamp",
    "dns_domain.resolved_ips",
    "dns_domain.services.first_seen",
    "dns_domain.services.last_seen",
    "dns_domain.services.port",
    "dns_domain.services.status_code",
    "first_seen",
    "ip.cloud_vm.private_ip",
    "ip.cloud_vm.public_ip",
    "ip.ip_address",
    "ip.services.first_seen",
    "ip.services.last_seen",
    "ip.services.port",
    "ip.services.status_code",
    "last_seen",
    "triage.updated_timestamp",
];

/// Service fields an aggregation may name without the `ip.` or
/// `dns_domain.` prefix, covering the services of both asset types: a
/// CrowdStrike sample (FalconPy's `em_manager.py`) lists applications with a
/// `terms` aggregation on `applications.name`. Filters do not accept them.
pub const ANY_SERVICE: &[&str] = &["applications.name"];

/// The type of a field's values, which decides how FQL values are parsed
/// and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Str,
    /// Integer.
    Int,
    /// Timestamp (epoch seconds).
    Time,
    /// Boolean.
    Bool,
    /// IP address, ordered numerically.
    Ip,
}

/// One value of a field of an asset.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    /// Text.
    S(Cow<'a, str>),
    /// Integer.
    I(i64),
    /// Timestamp.
    T(i64),
    /// Boolean.
    B(bool),
    /// IP address: numeric form and text.
    Ip(u128, &'a str),
}

impl Val<'_> {
    /// The text form, used by wildcard and text matches and term buckets.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Val::S(s) => Cow::Borrowed(s.as_ref()),
            Val::I(i) => Cow::Owned(i.to_string()),
            Val::T(t) => Cow::Owned(crate::time::format_rfc3339(*t)),
            Val::B(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Val::Ip(_, s) => Cow::Borrowed(s),
        }
    }

    /// The numeric form, when there is one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Val::I(i) | Val::T(i) => Some(*i as f64),
            Val::B(b) => Some(*b as u8 as f64),
            Val::Ip(n, _) => Some(*n as f64),
            Val::S(s) => s.parse().ok(),
        }
    }
}

/// Parses an IPv4 or IPv6 address into one ordered number (IPv4 addresses
/// map into the IPv4-mapped IPv6 range).
pub fn ip_number(s: &str) -> Option<u128> {
    match s.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(v4) => Some(v4.to_ipv6_mapped().into()),
        std::net::IpAddr::V6(v6) => Some(v6.into()),
    }
}

/// Where a field lives in the asset model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// A top-level or triage/subsidiary field.
    Top(&'static str),
    /// A `dns_domain.*` field outside services.
    Dns(&'static str),
    /// An `ip.*` field outside services.
    Ip(&'static str),
    /// A service field; `true` for `dns_domain.services`, `false` for `ip.services`.
    Svc(bool, &'static str),
    /// A service field of both `ip.services` and `dns_domain.services`.
    AnySvc(&'static str),
}

/// A resolved filter field and the operations the filter tables allow on it.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The field name as written in FQL.
    pub name: &'static str,
    /// Its value type.
    pub kind: Kind,
    /// Where it lives.
    pub path: Path,
    /// Equality (`:`, `:!`, `~`).
    pub exact: bool,
    /// Wildcards (`:*`, `*` in values).
    pub wildcard: bool,
    /// Lists (`['a','b']`).
    pub list: bool,
    /// Range comparisons (`>`, `>=`, `<`, `<=`).
    pub range: bool,
}

fn kind_of(name: &str) -> Kind {
    let leaf = name.rsplit('.').next().unwrap_or(name);
    match leaf {
        "confidence" | "port" | "status_code" | "asn" => Kind::Int,
        "first_seen" | "last_seen" | "criticality_timestamp" | "updated_timestamp" => Kind::Time,
        "manual" => Kind::Bool,
        "ip_address" | "private_ip" | "public_ip" | "resolved_ips" => Kind::Ip,
        _ => Kind::Str,
    }
}

fn leak_path(name: &'static str) -> Path {
    if let Some(rest) = name.strip_prefix("dns_domain.services.") {
        Path::Svc(true, rest)
    } else if let Some(rest) = name.strip_prefix("ip.services.") {
        Path::Svc(false, rest)
    } else if let Some(rest) = name.strip_prefix("dns_domain.") {
        Path::Dns(rest)
    } else if let Some(rest) = name.strip_prefix("ip.") {
        Path::Ip(rest)
    } else {
        Path::Top(name)
    }
}

/// Looks a field up in the four tables; `None` for an unknown field.
pub fn lookup(name: &str) -> Option<Field> {
    let find = |t: &[&'static str]| t.iter().copied().find(|f| *f == name);
    let canonical = find(EXACT)
        .or_else(|| find(WILDCARD))
        .or_else(|| find(LIST))
        .or_else(|| find(RANGE))?;
    Some(Field {
        name: canonical,
        kind: kind_of(canonical),
        path: leak_path(canonical),
        exact: EXACT.contains(&name),
        wildcard: WILDCARD.contains(&name),
        list: LIST.contains(&name),
        range: RANGE.contains(&name),
    })
}

/// The type of a filter field's values, as the filter tables' readers name
/// it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueType {
    /// Text.
    Text,
    /// Integer.
    Integer,
    /// Timestamp: ISO-8601 or relative (`'now-7d'`).
    Timestamp,
    /// IPv4 or IPv6 address, compared numerically.
    IpAddress,
    /// `true` or `false`.
    Boolean,
}

/// A field of the filter table and what a filter may do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FilterField {
    /// The field name as written in FQL (`ip.services.port`).
    pub name: &'static str,
    /// The type its values are parsed and compared as.
    pub value_type: ValueType,
    /// Exact match: `field:value`, `field:!value`, `~`.
    pub exact_match: bool,
    /// Wildcards: `field:*'a*'`, `*` in quoted values.
    pub wildcard: bool,
    /// Any-of lists: `field:['a','b']`.
    pub list: bool,
    /// Range comparisons: `>`, `>=`, `<`, `<=`.
    pub range: bool,
    /// Negation. The parser accepts `!` with every operator a field
    /// supports (`:!`, `!~`, `!*`) and before any group, so every field
    /// can be negated.
    pub negation: bool,
}

/// Every field of the filter table of `query_external_assets` (and v2), in
/// name order, with the value type and capabilities the emulator enforces.
pub fn table() -> Vec<FilterField> {
    all_names()
        .into_iter()
        .filter_map(lookup)
        .map(|f| FilterField {
            name: f.name,
            value_type: match f.kind {
                Kind::Str => ValueType::Text,
                Kind::Int => ValueType::Integer,
                Kind::Time => ValueType::Timestamp,
                Kind::Bool => ValueType::Boolean,
                Kind::Ip => ValueType::IpAddress,
            },
            exact_match: f.exact,
            wildcard: f.wildcard,
            list: f.list,
            range: f.range,
            negation: true,
        })
        .collect()
}

/// Looks up a field an aggregation names: a filter field, or one of
/// [`ANY_SERVICE`].
pub fn lookup_aggregate(name: &str) -> Option<Field> {
    lookup(name).or_else(|| {
        let canonical = ANY_SERVICE.iter().copied().find(|f| *f == name)?;
        Some(Field {
            name: canonical,
            kind: Kind::Str,
            path: Path::AnySvc(canonical),
            exact: true,
            wildcard: false,
            list: false,
            range: false,
        })
    })
}

/// Every known field name (the union of the four tables).
pub fn all_names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = EXACT
        .iter()
        .chain(WILDCARD)
        .chain(LIST)
        .chain(RANGE)
        .copied()
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

type Sink<'s, 'a> = &'s mut dyn FnMut(Val<'a>) -> bool;

fn s<'a>(v: &'a str) -> Val<'a> {
    Val::S(Cow::Borrowed(v))
}

fn ip<'a>(v: &'a str) -> Val<'a> {
    Val::Ip(ip_number(v).unwrap_or(0), v)
}

fn opt<'a>(v: &'a Option<Str>, f: Sink<'_, 'a>) -> bool {
    v.as_deref().is_some_and(|v| f(s(v)))
}

use crate::model::Str;

fn svc_field<'a>(svc: &'a Service, leaf: &str, f: Sink<'_, 'a>) -> bool {
    match leaf {
        "applications.category" => svc.applications.iter().any(|a| f(s(&a.category))),
        "applications.cpe" => svc.applications.iter().any(|a| f(s(&a.cpe))),
        "applications.name" => svc.applications.iter().any(|a| f(s(&a.name))),
        "applications.vendor" => svc.applications.iter().any(|a| f(s(&a.vendor))),
        "applications.version" => svc.applications.iter().any(|a| f(s(&a.version))),
        "cloud_provider" => opt(&svc.cloud_provider, f),
        "cpes" => svc.cpes.iter().any(|c| f(s(c))),
        "hosting_provider" => opt(&svc.hosting_provider, f),
        "first_seen" => f(Val::T(svc.first_seen.0)),
        "last_seen" => f(Val::T(svc.last_seen.0)),
        "platform_name" => opt(&svc.platform_name, f),
        "port" => f(Val::I(svc.port as i64)),
        "protocol" => f(s(&svc.protocol)),
        "protocol_port" => f(Val::S(Cow::Owned(svc.protocol_port()))),
        "status" => opt(&svc.status, f),
        "status_code" => f(Val::I(svc.status_code as i64)),
        "transport" => f(s(&svc.transport)),
        "id" => f(s(&svc.id)),
        _ => false,
    }
}

/// Calls `f` with each value of `path` in `asset` until it returns true;
/// returns whether it did. Nested lists (services, applications,
/// subsidiaries) yield one value per element.
pub fn visit<'a>(asset: &'a Asset, path: Path, f: Sink<'_, 'a>) -> bool {
    match path {
        Path::Top(name) => top_field(asset, name, f),
        Path::Dns(name) => asset
            .dns_domain
            .as_ref()
            .is_some_and(|d| dns_field(d, name, f)),
        Path::Ip(name) => asset.ip.as_ref().is_some_and(|i| ip_field(i, name, f)),
        Path::Svc(dns, leaf) => {
            let services = if dns {
                asset.dns_domain.as_ref().map(|d| &d.services)
            } else {
                asset.ip.as_ref().map(|i| &i.services)
            };
            services.is_some_and(|list| list.iter().any(|svc| svc_field(svc, leaf, f)))
        }
        Path::AnySvc(leaf) => {
            let ip = asset.ip.iter().flat_map(|i| &i.services);
            let dns = asset.dns_domain.iter().flat_map(|d| &d.services);
            ip.chain(dns).any(|svc| svc_field(svc, leaf, f))
        }
    }
}

fn top_field<'a>(asset: &'a Asset, name: &str, f: Sink<'_, 'a>) -> bool {
    match name {
        "asset_id" | "id" => f(s(&asset.id)),
        "asset_type" => f(s(&asset.asset_type)),
        "confidence" => f(Val::I(asset.confidence as i64)),
        "connectivity_status" => opt(&asset.connectivity_status, f),
        "criticality" => opt(&asset.criticality, f),
        "criticality_description" => opt(&asset.criticality_description, f),
        "criticality_timestamp" => asset.criticality_timestamp.is_some_and(|t| f(Val::T(t.0))),
        "criticality_username" => opt(&asset.criticality_username, f),
        "data_providers" => asset.data_providers.iter().any(|d| f(s(d))),
        "discovered_by" => f(s(&asset.discovered_by)),
        "first_seen" => f(Val::T(asset.first_seen.0)),
        "last_seen" => f(Val::T(asset.last_seen.0)),
        "internet_exposure" => f(s(&asset.internet_exposure)),
        "manual" => f(Val::B(asset.manual)),
        "perimeter" => f(s(&asset.perimeter)),
        "subsidiaries.id" => asset.subsidiaries.iter().any(|x| f(s(&x.id))),
        "subsidiaries.name" => asset.subsidiaries.iter().any(|x| f(s(&x.name))),
        _ => asset
            .triage
            .as_ref()
            .is_some_and(|t| triage_field(t, name, f)),
    }
}

fn triage_field<'a>(t: &'a Triage, name: &str, f: Sink<'_, 'a>) -> bool {
    match name {
        "triage.action" => opt(&t.action, f),
        "triage.assigned_to" => opt(&t.assigned_to, f),
        "triage.status" => opt(&t.status, f),
        "triage.updated_by" => opt(&t.updated_by, f),
        "triage.updated_timestamp" => t.updated_timestamp.is_some_and(|t| f(Val::T(t.0))),
        _ => false,
    }
}

fn dns_field<'a>(d: &'a DnsDomain, name: &str, f: Sink<'_, 'a>) -> bool {
    match name {
        "fqdn" => d.fqdn.iter().any(|x| f(s(x))),
        "isps" => d.isps.iter().any(|x| f(s(x))),
        "parent_domain" => opt(&d.parent_domain, f),
        "resolved_ips" => d.resolved_ips.iter().any(|x| f(ip(x))),
        "type" => f(s(&d.kind)),
        _ => false,
    }
}

fn ip_field<'a>(i: &'a ExternalIp, name: &str, f: Sink<'_, 'a>) -> bool {
    if let Some(leaf) = name.strip_prefix("cloud_vm.") {
        return i
            .cloud_vm
            .as_ref()
            .is_some_and(|vm| cloud_vm_field(vm, leaf, f));
    }
    if let Some(leaf) = name.strip_prefix("location.") {
        return location_field(&i.location, leaf, f);
    }
    match name {
        "asn" => f(Val::I(i.asn as i64)),
        "cloud_provider" => opt(&i.cloud_provider, f),
        "fqdns" => i.fqdns.iter().any(|x| f(s(x))),
        "ip_address" => f(ip(&i.ip_address)),
        "isp" => f(s(&i.isp)),
        "ptr" => opt(&i.ptr, f),
        "aid" => opt(&i.aid, f),
        _ => false,
    }
}

fn cloud_vm_field<'a>(vm: &'a CloudVm, leaf: &str, f: Sink<'_, 'a>) -> bool {
    match leaf {
        "description" => f(s(&vm.description)),
        "instance_id" => f(s(&vm.instance_id)),
        "lifecycle" => f(s(&vm.lifecycle)),
        "mac_address" => f(s(&vm.mac_address)),
        "owner_id" => f(s(&vm.owner_id)),
        "platform" => f(s(&vm.platform)),
        "private_ip" => f(ip(&vm.private_ip)),
        "public_ip" => f(ip(&vm.public_ip)),
        "region" => f(s(&vm.region)),
        "security_groups" => vm.security_groups.iter().any(|x| f(s(x))),
        "source" => f(s(&vm.source)),
        "status" => f(s(&vm.status)),
        _ => false,
    }
}

fn location_field<'a>(l: &'a Location, leaf: &str, f: Sink<'_, 'a>) -> bool {
    match leaf {
        "area_code" => f(s(&l.area_code)),
        "city" => f(s(&l.city)),
        "country_code" => f(s(&l.country_code)),
        "country_name" => f(s(&l.country_name)),
        "postal_code" => f(s(&l.postal_code)),
        "region_code" => f(s(&l.region_code)),
        "region_name" => f(s(&l.region_name)),
        "timezone" => f(s(&l.timezone)),
        _ => false,
    }
}

/// All values of `field` in `asset`.
pub fn values<'a>(asset: &'a Asset, path: Path) -> Vec<Val<'a>> {
    let mut out = Vec::new();
    visit(asset, path, &mut |v| {
        out.push(v);
        false
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_resolve() {
        let f = lookup("ip.services.port").unwrap();
        assert!(f.exact && f.wildcard && f.list && f.range);
        assert_eq!(f.kind, Kind::Int);
        let f = lookup("dns_domain.services.id").unwrap();
        assert!(!f.exact && f.wildcard && f.list && !f.range);
        let f = lookup("criticality_description").unwrap();
        assert!(f.exact && !f.wildcard && !f.list);
        assert!(lookup("last_seen_timestamp").is_none());
        assert_eq!(EXACT.len(), 87);
        assert_eq!(WILDCARD.len(), 78);
        assert_eq!(LIST.len(), 73);
        assert_eq!(RANGE.len(), 16);
    }

    #[test]
    fn application_names_are_an_aggregate_field_only() {
        assert!(lookup("applications.name").is_none());
        let f = lookup_aggregate("applications.name").unwrap();
        assert_eq!(f.path, Path::AnySvc("applications.name"));
        assert_eq!(
            lookup_aggregate("ip.services.port").unwrap().path,
            Path::Svc(false, "port")
        );
        assert!(lookup_aggregate("applications.vendor").is_none());
    }
}
