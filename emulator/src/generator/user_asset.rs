//! An asset a user adds through the inventory endpoint.

use crate::catalogue::vocabulary::{APPLICABLE_ACTIONS, ENTITY_TYPE, UNASSIGNED, USER};
use crate::model::{Asset, DnsDomain, ExternalIp, Location, Str, Subsidiary, TextOrList, Ts};

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
            ip_address: value.to_string().into(),
            isp: "".into(),
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
            fqdn: TextOrList::Text(value.to_string().into()),
            isps: Vec::new(),
            parent_domain: (!is_root).then_some(parent.into()),
            resolved_ips: Vec::new(),
            services: Vec::new(),
            kind: (if is_root { "root" } else { "subdomain" }).into(),
        };
        (None, Some(dns))
    };
    Asset {
        id: id.to_string().into(),
        cid: cid.to_string().into(),
        asset_type: (if is_ip { "ip" } else { "dns_domain" }).into(),
        entity_type: ENTITY_TYPE.into(),
        status: "online".into(),
        applicable_actions: APPLICABLE_ACTIONS.iter().map(|a| Str::from(*a)).collect(),
        confidence: 100,
        connectivity_status: None,
        criticality: Some(UNASSIGNED.into()),
        criticality_description: None,
        criticality_timestamp: None,
        criticality_username: None,
        data_providers: Vec::new(),
        discovered_by: USER.into(),
        discovery: None,
        dns_domain,
        ip,
        first_seen: Ts(now),
        last_seen: Ts(now),
        internet_exposure: "No".into(),
        manual: true,
        perimeter: "Official".into(),
        subsidiaries: vec![subsidiary],
        triage: None,
    }
}
