//! Property tests: filters built with the typed API survive render → parse
//! → render unchanged, and the parser never panics on arbitrary input.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use falcon_exposure::fields::external_assets::{self as f, TABLE};
use falcon_exposure::fql::{Filter, FqlErrorKind, MAX_PROPERTIES, RelativeTime, Sort};
use proptest::prelude::*;

/// Non-empty text, including quotes, backslashes, FQL punctuation and
/// non-ASCII characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 _.-]{1,12}",
        "[ '\\\\\"+,()\\[\\]:!~<>=a-z]{1,12}",
        any::<String>().prop_filter("non-empty", |s| !s.is_empty()),
    ]
}

/// Text without `*` (which the API reads as a wildcard).
fn plain_text() -> impl Strategy<Value = String> {
    text().prop_map(|s| s.replace('*', "x"))
}

fn timestamp() -> impl Strategy<Value = time::OffsetDateTime> {
    (0i64..4_102_444_800, 0u32..1_000_000_000, -12i8..=12).prop_map(|(secs, nanos, off)| {
        let t = time::OffsetDateTime::from_unix_timestamp(secs).expect("in range");
        let t = t.replace_nanosecond(nanos).expect("in range");
        t.to_offset(time::UtcOffset::from_hms(off, 0, 0).expect("in range"))
    })
}

fn relative() -> impl Strategy<Value = RelativeTime> {
    prop_oneof![
        Just(RelativeTime::now()),
        (0u32..10_000).prop_map(RelativeTime::days_ago),
        (0u32..10_000).prop_map(RelativeTime::hours_ago),
    ]
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|b| IpAddr::V4(Ipv4Addr::from(b))),
        any::<[u16; 8]>().prop_map(|s| IpAddr::V6(Ipv6Addr::from(s))),
    ]
}

fn comparison() -> impl Strategy<Value = Filter> {
    prop_oneof![
        plain_text().prop_map(|v| f::ASSET_TYPE.equals(v)),
        plain_text().prop_map(|v| f::TRIAGE_STATUS.not_equals(v)),
        plain_text().prop_map(|v| f::CRITICALITY_DESCRIPTION.equals(v)),
        text().prop_map(|v| f::IP_PTR.matches(v)),
        text().prop_map(|v| f::DNS_DOMAIN_SERVICES_ID.not_matches(v)),
        text().prop_map(|v| f::DNS_DOMAIN_FQDN.wildcard(v)),
        text().prop_map(|v| f::SUBSIDIARIES_NAME.not_wildcard(v)),
        prop::collection::vec(text(), 1..4).prop_map(|v| f::CRITICALITY.any_of(v)),
        prop::collection::vec(text(), 1..4).prop_map(|v| f::DNS_DOMAIN_SERVICES_ID.none_of(v)),
        any::<i64>().prop_map(|v| f::CONFIDENCE.equals(v)),
        any::<i32>().prop_map(|v| f::IP_SERVICES_PORT.greater_than(v)),
        prop::collection::vec(any::<u16>(), 1..4).prop_map(|v| f::IP_SERVICES_PORT.any_of(v)),
        any::<bool>().prop_map(|v| f::MANUAL.equals(v)),
        Just(f::TRIAGE_ASSIGNED_TO.is_null()),
        Just(f::TRIAGE_ASSIGNED_TO.is_not_null()),
        timestamp().prop_map(|v| f::LAST_SEEN.less_or_equal(v)),
        timestamp().prop_map(|v| f::FIRST_SEEN.equals(v)),
        relative().prop_map(|v| f::TRIAGE_UPDATED_TIMESTAMP.greater_or_equal(v)),
        relative().prop_map(|v| f::LAST_SEEN.less_than(v)),
        ip().prop_map(|v| f::IP_IP_ADDRESS.greater_than(v)),
        ip().prop_map(|v| f::DNS_DOMAIN_RESOLVED_IPS.not_equals(v)),
        "[0-9.]{1,9}\\*".prop_map(|v| f::IP_CLOUD_VM_PUBLIC_IP.wildcard(v)),
    ]
}

fn filter() -> impl Strategy<Value = Filter> {
    comparison().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.and(b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.or(b)),
            prop::collection::vec(inner.clone(), 1..4).prop_map(Filter::all),
            prop::collection::vec(inner.clone(), 1..4).prop_map(Filter::any),
            inner.prop_map(|a| !a),
        ]
    })
}

/// Strings made of FQL's punctuation, field-like words and values.
fn fql_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("asset_type".to_owned()),
        Just("ip.services.port".to_owned()),
        Just("last_seen".to_owned()),
        Just("criticality".to_owned()),
        Just("'ip'".to_owned()),
        Just("'now-7d'".to_owned()),
        Just("22".to_owned()),
        Just("null".to_owned()),
        "[:!~*<>=()\\[\\],+'\"\\\\ ]",
        "[a-z0-9_.]{1,4}",
    ];
    prop::collection::vec(token, 0..24).prop_map(|t| t.concat())
}

fn check_no_panic(s: &str) {
    for table in [Some(&TABLE), None] {
        match Filter::parse_with(s, table) {
            Ok(f) => {
                let r = f.to_string();
                let again =
                    Filter::parse_with(&r, table).unwrap_or_else(|e| panic!("{s:?} → {r:?}: {e}"));
                assert_eq!(again.to_string(), r);
            }
            Err(e) => {
                assert!(e.position().is_some_and(|p| p <= s.len()), "{s:?}: {e}");
                assert!(!e.to_string().is_empty());
            }
        }
    }
    let _ = Sort::parse(s);
    let _ = Sort::parse_with(s, None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn render_parse_render_round_trips(f in filter()) {
        let rendered = f.to_string();
        let parsed = Filter::parse(&rendered);
        if f.properties() > MAX_PROPERTIES {
            prop_assert_eq!(parsed.unwrap_err().kind(), FqlErrorKind::TooManyProperties);
        } else {
            let parsed = parsed.map_err(|e| TestCaseError::fail(format!("{rendered:?}: {e}")))?;
            prop_assert_eq!(parsed.to_string(), rendered);
            prop_assert_eq!(parsed.properties(), f.properties());
            prop_assert_eq!(&parsed, &f);
        }
    }

    #[test]
    fn parser_never_panics_on_arbitrary_strings(s in any::<String>()) {
        check_no_panic(&s);
    }

    #[test]
    fn parser_never_panics_on_fql_like_strings(s in fql_like()) {
        check_no_panic(&s);
    }

    #[test]
    fn parser_never_panics_on_damaged_filters(f in filter(), at in any::<prop::sample::Index>(), cut in 0usize..4, junk in "[(),+'\\[\\]!:*]{0,2}") {
        let s = f.to_string();
        let mut i = at.index(s.len() + 1);
        while !s.is_char_boundary(i) { i -= 1; }
        let mut j = (i + cut).min(s.len());
        while !s.is_char_boundary(j) { j -= 1; }
        let damaged = format!("{}{}{}", &s[..i], junk, &s[j..]);
        check_no_panic(&damaged);
    }
}
