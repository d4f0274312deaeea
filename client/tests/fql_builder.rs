//! Filters and sorts built with the typed API and the exact strings they
//! render; and checks made before a request is sent.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use falcon_exposure::fields::external_assets::{self as f, TABLE};
use falcon_exposure::fql::{Filter, FilterArg, FqlErrorKind, MAX_PROPERTIES, RelativeTime, Sort};

fn ts(rfc3339_secs: i64, nanos: u32) -> time::OffsetDateTime {
    let t = time::OffsetDateTime::from_unix_timestamp(rfc3339_secs).unwrap();
    t.replace_nanosecond(nanos).unwrap()
}

#[test]
fn builder_renders_exact_strings() {
    let cases: Vec<(Filter, &str)> = vec![
        // exact match and negation
        (f::ASSET_TYPE.equals("ip"), "asset_type:'ip'"),
        (
            f::TRIAGE_STATUS.not_equals("reviewed"),
            "triage.status:!'reviewed'",
        ),
        (f::CONFIDENCE.equals(90), "confidence:90"),
        (f::IP_ASN.not_equals(-1i64), "ip.asn:!-1"),
        (f::MANUAL.equals(true), "manual:true"),
        (f::MANUAL.not_equals(false), "manual:!false"),
        (f::TRIAGE_ASSIGNED_TO.is_null(), "triage.assigned_to:null"),
        (
            f::TRIAGE_ASSIGNED_TO.is_not_null(),
            "triage.assigned_to:!null",
        ),
        // escaping
        (
            f::SUBSIDIARIES_NAME.equals("O'Brien & Sons"),
            r"subsidiaries.name:'O\'Brien & Sons'",
        ),
        (
            f::IP_CLOUD_VM_DESCRIPTION.equals(r"a\b'c"),
            r"ip.cloud_vm.description:'a\\b\'c'",
        ),
        (
            f::SUBSIDIARIES_NAME.equals("naïve, (x)+[y]"),
            "subsidiaries.name:'naïve, (x)+[y]'",
        ),
        // text match
        (f::IP_PTR.matches("mail server"), "ip.ptr:~'mail server'"),
        (
            f::CRITICALITY_DESCRIPTION.not_matches("audit"),
            "criticality_description:!~'audit'",
        ),
        (
            f::DNS_DOMAIN_SERVICES_ID.matches("abc"),
            "dns_domain.services.id:~'abc'",
        ),
        // wildcard
        (
            f::DNS_DOMAIN_FQDN.wildcard("*.example.com"),
            "dns_domain.fqdn:*'*.example.com'",
        ),
        (
            f::IP_IP_ADDRESS.wildcard("10.0.*"),
            "ip.ip_address:*'10.0.*'",
        ),
        (
            f::DNS_DOMAIN_FQDN.not_wildcard("test*"),
            "dns_domain.fqdn:!*'test*'",
        ),
        // lists
        (
            f::IP_SERVICES_PORT.any_of([3389, 22]),
            "ip.services.port:[3389,22]",
        ),
        (
            f::CRITICALITY.any_of(["Critical", "High"]),
            "criticality:['Critical','High']",
        ),
        (
            f::TRIAGE_STATUS.none_of(vec!["reviewed".to_owned()]),
            "triage.status:!['reviewed']",
        ),
        // ranges, timestamps, relative times, IP addresses
        (
            f::LAST_SEEN.greater_than(RelativeTime::days_ago(7)),
            "last_seen:>'now-7d'",
        ),
        (
            f::FIRST_SEEN.greater_or_equal(RelativeTime::hours_ago(24)),
            "first_seen:>='now-24h'",
        ),
        (
            f::TRIAGE_UPDATED_TIMESTAMP.less_than(RelativeTime::now()),
            "triage.updated_timestamp:<'now'",
        ),
        (
            f::LAST_SEEN.less_or_equal(ts(1_704_067_200, 0)),
            "last_seen:<='2024-01-01T00:00:00Z'",
        ),
        (
            f::LAST_SEEN.equals(ts(1_704_067_200, 500_000_000)),
            "last_seen:'2024-01-01T00:00:00.5Z'",
        ),
        (
            f::CRITICALITY_TIMESTAMP.greater_than(
                ts(1_704_067_200, 0).to_offset(time::UtcOffset::from_hms(2, 0, 0).unwrap()),
            ),
            "criticality_timestamp:>'2024-01-01T00:00:00Z'",
        ),
        (
            f::IP_SERVICES_PORT.greater_or_equal(1024u16),
            "ip.services.port:>=1024",
        ),
        (
            f::IP_SERVICES_STATUS_CODE.less_than(500),
            "ip.services.status_code:<500",
        ),
        (
            f::IP_IP_ADDRESS.equals(Ipv4Addr::new(192, 0, 2, 1)),
            "ip.ip_address:'192.0.2.1'",
        ),
        (
            f::IP_IP_ADDRESS.greater_than(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0))),
            "ip.ip_address:>'10.0.0.0'",
        ),
        (
            f::IP_CLOUD_VM_PRIVATE_IP.equals(Ipv6Addr::LOCALHOST),
            "ip.cloud_vm.private_ip:'::1'",
        ),
        (
            f::DNS_DOMAIN_RESOLVED_IPS.equals("10.1.2.0/24"),
            "dns_domain.resolved_ips:'10.1.2.0/24'",
        ),
        // combination
        (
            f::ASSET_TYPE.equals("ip").and(f::MANUAL.equals(false)),
            "asset_type:'ip'+manual:false",
        ),
        (
            f::ASSET_TYPE
                .equals("ip")
                .or(f::ASSET_TYPE.equals("dns_domain")),
            "asset_type:'ip',asset_type:'dns_domain'",
        ),
        (
            f::CRITICALITY
                .equals("Critical")
                .or(f::CRITICALITY.equals("High"))
                .and(f::SUBSIDIARIES_NAME.equals("Acme")),
            "(criticality:'Critical',criticality:'High')+subsidiaries.name:'Acme'",
        ),
        (
            f::ASSET_TYPE
                .equals("ip")
                .and(f::MANUAL.equals(true))
                .or(f::ASSET_TYPE
                    .equals("dns_domain")
                    .and(f::MANUAL.equals(false))),
            "(asset_type:'ip'+manual:true),(asset_type:'dns_domain'+manual:false)",
        ),
        (
            f::ASSET_TYPE
                .equals("ip")
                .and(f::MANUAL.equals(true).and(f::ID.equals("x"))),
            "asset_type:'ip'+manual:true+id:'x'",
        ),
        (
            Filter::all([
                f::ID.equals("a"),
                Filter::any([f::ID.equals("b"), f::ID.equals("c")]),
                f::ID.equals("d"),
            ]),
            "id:'a'+(id:'b',id:'c')+id:'d'",
        ),
        (Filter::any([f::ID.equals("a")]), "id:'a'"),
        // negation of a group (De Morgan)
        (
            !(f::TRIAGE_STATUS
                .equals("reviewed")
                .or(f::TRIAGE_STATUS.equals("resolved"))),
            "triage.status:!'reviewed'+triage.status:!'resolved'",
        ),
        (
            !(f::ASSET_TYPE
                .equals("ip")
                .and(f::LAST_SEEN.greater_than(RelativeTime::days_ago(7)))),
            "asset_type:!'ip',last_seen:<='now-7d'",
        ),
        (
            !(f::IP_PTR.matches("x").and(
                f::DNS_DOMAIN_FQDN
                    .wildcard("*.a")
                    .or(f::CRITICALITY.any_of(["Noncritical"])),
            )),
            "ip.ptr:!~'x',(dns_domain.fqdn:!*'*.a'+criticality:!['Noncritical'])",
        ),
        (
            !!f::LAST_SEEN.greater_or_equal(RelativeTime::days_ago(1)),
            "last_seen:>='now-1d'",
        ),
    ];
    for (filter, want) in cases {
        assert_eq!(filter.to_string(), want);
        filter
            .validate(Some(&TABLE))
            .unwrap_or_else(|e| panic!("{want}: {e}"));
        assert_eq!(Filter::parse(want).unwrap(), filter, "{want}");
    }
}

#[test]
fn sorts_render_and_parse() {
    assert_eq!(Sort::desc(f::LAST_SEEN).to_string(), "last_seen|desc");
    assert_eq!(
        Sort::asc(f::IP_SERVICES_PORT).to_string(),
        "ip.services.port|asc"
    );
    assert_eq!(
        Sort::desc(f::CRITICALITY)
            .then_asc(f::FIRST_SEEN)
            .to_string(),
        "criticality|desc,first_seen|asc"
    );
    assert_eq!(
        Sort::parse("last_seen|desc").unwrap(),
        Sort::desc(f::LAST_SEEN)
    );
    assert_eq!(
        Sort::parse("last_seen.desc").unwrap(),
        Sort::desc(f::LAST_SEEN)
    );
    assert_eq!(
        Sort::parse("ip.services.port.asc").unwrap(),
        Sort::asc(f::IP_SERVICES_PORT)
    );
    assert_eq!(
        Sort::parse(" criticality | desc , first_seen.asc")
            .unwrap()
            .to_string(),
        "criticality|desc,first_seen|asc"
    );
    assert_eq!(Sort::parse("last_seen").unwrap().to_string(), "last_seen");

    let e = Sort::parse("last_sen|desc").unwrap_err();
    assert_eq!(e.kind(), FqlErrorKind::UnknownField);
    assert_eq!(
        e.to_string(),
        "unknown field `last_sen` at byte 0; did you mean `last_seen`?"
    );
    let e = Sort::parse("last_seen|down").unwrap_err();
    assert_eq!(
        (e.kind(), e.position()),
        (FqlErrorKind::InvalidSort, Some(10))
    );
    for bad in [
        "",
        "  ",
        "|desc",
        "a..b|asc",
        "last_seen,",
        "last seen|asc",
        "last_seen|",
    ] {
        assert!(Sort::parse(bad).is_err(), "{bad:?}");
    }
    assert!(Sort::parse_with("new_field.desc", None).is_ok());
}

#[test]
fn structural_problems_are_found_by_validate() {
    let e = Filter::all([]).validate(None).unwrap_err();
    assert_eq!(e.kind(), FqlErrorKind::Empty);
    let e = f::ASSET_TYPE.equals("").validate(None).unwrap_err();
    assert_eq!(
        (e.kind(), e.position()),
        (FqlErrorKind::EmptyValue, Some(11))
    );
    let e = f::CRITICALITY
        .any_of(Vec::<String>::new())
        .validate(None)
        .unwrap_err();
    assert_eq!(e.kind(), FqlErrorKind::EmptyValue);

    let twenty = Filter::all((0..MAX_PROPERTIES).map(|i| f::ID.equals(format!("id{i}"))));
    assert_eq!(twenty.properties(), 20);
    twenty.validate(Some(&TABLE)).unwrap();
    let twenty_one = twenty.and(f::ID.equals("one more"));
    assert_eq!(twenty_one.properties(), 21);
    let e = twenty_one.validate(Some(&TABLE)).unwrap_err();
    assert_eq!(e.kind(), FqlErrorKind::TooManyProperties);
}

fn client() -> falcon_exposure::Client {
    falcon_exposure::Client::builder()
        .client_id("id")
        .client_secret("secret")
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap()
}

fn refused(r: falcon_exposure::Result<impl std::fmt::Debug>) -> String {
    match r {
        Err(falcon_exposure::Error::InvalidRequest { message, .. }) => message,
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_filters_and_sorts_are_refused_before_sending() {
    let c = client();
    let m = refused(c.query_assets().filter("last_sen:>'now-7d'").send().await);
    assert!(
        m.contains("unknown field `last_sen` at byte 0; did you mean `last_seen`?"),
        "{m}"
    );
    let m = refused(c.query_assets().filter("criticality:>'High'").send().await);
    assert!(m.contains("does not support range comparisons"), "{m}");
    let m = refused(
        c.query_assets()
            .filter(f::ASSET_TYPE.equals(""))
            .send()
            .await,
    );
    assert!(m.contains("empty value"), "{m}");
    let m = refused(c.query_assets().sort("last_sen|desc").send().await);
    assert!(m.contains("unknown field `last_sen`"), "{m}");
    let m = refused(c.aggregate_assets().filter("asset_type:'ip'+").send().await);
    assert!(m.contains("nothing follows `+`"), "{m}");
}

#[test]
fn filter_args_render_what_is_sent() {
    // Strings are checked, then sent as written; typed filters as rendered.
    let raw = FilterArg::from("asset_type: 'ip' + last_seen.desc:1");
    assert!(matches!(raw, FilterArg::Checked(_)));
    let typed = FilterArg::from(f::ASSET_TYPE.equals("ip"));
    assert_eq!(typed, FilterArg::Filter(f::ASSET_TYPE.equals("ip")));
    assert_eq!(
        FilterArg::unchecked("whatever:'x'"),
        FilterArg::Unchecked("whatever:'x'".into())
    );
    assert_eq!(
        FilterArg::unchecked(f::ID.equals("x")),
        FilterArg::Unchecked("id:'x'".into())
    );
}
