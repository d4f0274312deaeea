//! The FQL parser and validator: accepted forms, and a typed error with a
//! byte position for every malformed or invalid filter.

use falcon_exposure::fields::external_assets::TABLE;
use falcon_exposure::fql::{Filter, FqlErrorKind as K};

#[test]
fn error_messages_for_the_closing_note() {
    let e = Filter::parse("last_sen:>'now-7d'").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown field `last_sen` at byte 0; did you mean `last_seen`?"
    );
    assert_eq!(e.suggestions(), ["last_seen"]);
    let e = Filter::parse("asset_type:'ip'+criticality:>'High'").unwrap_err();
    assert_eq!(
        e.to_string(),
        "field `criticality` at byte 16 does not support range comparisons (`>`); \
         it supports exact match, wildcard, list"
    );
    assert_eq!(
        (e.kind(), e.position()),
        (K::UnsupportedOperation, Some(16))
    );
    // An exact-only field (no wildcard, no list, no range).
    let e = Filter::parse("ip.cloud_vm.description:<='x'").unwrap_err();
    assert_eq!(
        e.to_string(),
        "field `ip.cloud_vm.description` at byte 0 does not support range comparisons (`<=`); \
         it supports exact match"
    );
}

#[test]
fn malformed_input_gives_a_typed_error() {
    let cases: &[(&str, K, usize)] = &[
        // empty
        ("", K::Empty, 0),
        ("   ", K::Empty, 0),
        ("()", K::Empty, 0),
        // unbalanced quotes
        ("asset_type:'ip", K::UnterminatedString, 11),
        ("asset_type:\"ip", K::UnterminatedString, 11),
        ("asset_type:'ip\\'", K::UnterminatedString, 11),
        ("asset_type:'ip'+id:'x", K::UnterminatedString, 19),
        // unbalanced parentheses and brackets
        ("(asset_type:'ip'", K::UnbalancedParenthesis, 0),
        ("asset_type:'ip')", K::UnbalancedParenthesis, 15),
        ("((asset_type:'ip')", K::UnbalancedParenthesis, 0),
        ("criticality:['High'", K::UnbalancedParenthesis, 12),
        // empty values
        ("asset_type:''", K::EmptyValue, 11),
        ("asset_type:\"\"", K::EmptyValue, 11),
        ("criticality:[]", K::EmptyValue, 12),
        ("asset_type:+id:'x'", K::EmptyValue, 11),
        ("asset_type:!", K::UnexpectedEnd, 12),
        ("asset_type:", K::UnexpectedEnd, 11),
        // trailing or doubled operators
        ("asset_type:'ip'+", K::UnexpectedEnd, 15),
        ("asset_type:'ip',", K::UnexpectedEnd, 15),
        ("asset_type:'ip'++id:'x'", K::UnexpectedChar, 16),
        ("+asset_type:'ip'", K::UnexpectedChar, 0),
        ("asset_type", K::UnexpectedEnd, 10),
        ("asset_type 'ip'", K::UnexpectedChar, 11),
        ("asset_type:'ip' id:'x'", K::UnexpectedChar, 16),
        ("(asset_type:'ip' id:'x')", K::UnexpectedChar, 17),
        ("asset_type:'ip'x", K::UnexpectedChar, 15),
        ("criticality:['a' 'b']", K::UnexpectedChar, 17),
        ("criticality:[['a']]", K::UnexpectedChar, 13),
        // unquoted text, bad names
        ("asset_type:ip", K::UnquotedValue, 11),
        ("9lives:'x'", K::UnexpectedChar, 0),
        ("ip..asn:1", K::UnexpectedChar, 0),
        ("ip.:1", K::UnexpectedChar, 0),
        // mixed + and , without parentheses
        ("asset_type:'ip'+id:'x',id:'y'", K::MixedOperators, 22),
        ("asset_type:'ip',id:'x'+id:'y'", K::MixedOperators, 22),
        // negation of a group is not FQL
        ("!(asset_type:'ip')", K::UnexpectedChar, 0),
        // unknown fields and unsupported operations
        ("last_sen:'x'", K::UnknownField, 0),
        ("asset_type:'ip'+nope:'x'", K::UnknownField, 16),
        ("criticality:>'High'", K::UnsupportedOperation, 0),
        ("last_seen:*'2024*'", K::UnsupportedOperation, 0),
        ("last_seen:'2024*'", K::UnsupportedOperation, 0),
        ("last_seen:['now-1d']", K::UnsupportedOperation, 0),
        ("dns_domain.services.id:'abc'", K::UnsupportedOperation, 0),
        ("ip.ip_address:~'10.0'", K::UnsupportedOperation, 0),
        ("manual:~'true'", K::UnsupportedOperation, 0),
        ("asset_type:~['a']", K::UnsupportedOperation, 0),
        ("ip.services.port:>null", K::UnsupportedOperation, 0),
        // values of the wrong type
        ("confidence:'high'", K::ValueType, 11),
        ("manual:'yes'", K::ValueType, 7),
        ("manual:1", K::ValueType, 7),
        ("last_seen:>'7d'", K::ValueType, 11),
        ("last_seen:>'now-7'", K::ValueType, 11),
        ("last_seen:>5", K::ValueType, 11),
        ("asset_type:5", K::ValueType, 11),
        ("ip.services.port:[22,'ssh']", K::ValueType, 21),
        ("ip.services.port:>true", K::ValueType, 18),
        ("ip.ptr:~5", K::ValueType, 8),
    ];
    for &(src, kind, pos) in cases {
        let e = Filter::parse(src).expect_err(src);
        assert_eq!((e.kind(), e.position()), (kind, Some(pos)), "{src:?}: {e}");
        assert!(!e.to_string().contains('\n'), "{src:?}: {e}");
    }
}

#[test]
fn twenty_one_properties_are_refused() {
    let n = |k: usize| (0..k).map(|i| format!("id:'{i}'")).collect::<Vec<_>>();
    Filter::parse(&n(20).join("+")).unwrap();
    let s = n(21).join("+");
    let e = Filter::parse(&s).unwrap_err();
    assert_eq!(e.kind(), K::TooManyProperties);
    assert_eq!(e.position(), Some(s.rfind("id:").unwrap()));
    // A list counts as one property; nesting does not hide properties.
    let nested = format!("({}),({})", n(10).join("+"), n(11).join("+"));
    assert_eq!(
        Filter::parse_with(&nested, None).unwrap_err().kind(),
        K::TooManyProperties
    );
}

#[test]
fn deep_nesting_is_refused_without_overflow() {
    let s = format!("{}id:'x'{}", "(".repeat(10_000), ")".repeat(10_000));
    assert_eq!(Filter::parse(&s).unwrap_err().kind(), K::NestingTooDeep);
    let ok = format!("{}id:'x'{}", "(".repeat(30), ")".repeat(30));
    assert_eq!(Filter::parse(&ok).unwrap().to_string(), "id:'x'");
}

#[test]
fn accepted_forms_and_their_canonical_rendering() {
    let cases: &[(&str, &str)] = &[
        ("asset_type:'ip'", "asset_type:'ip'"),
        (
            " asset_type : 'ip' + manual : false ",
            "asset_type:'ip'+manual:false",
        ),
        ("asset_type:\"it's\"", r"asset_type:'it\'s'"),
        (r"asset_type:'a\\b\'c'", r"asset_type:'a\\b\'c'"),
        ("!asset_type:'ip'", "asset_type:!'ip'"),
        ("!last_seen:>'now-7d'", "last_seen:<='now-7d'"),
        ("((asset_type:'ip'))", "asset_type:'ip'"),
        ("(id:'a'+id:'b')+id:'c'", "id:'a'+id:'b'+id:'c'"),
        ("(id:'a',id:'b')+id:'c'", "(id:'a',id:'b')+id:'c'"),
        (
            "id:'a',(id:'b'+id:'c'),id:'d'",
            "id:'a',(id:'b'+id:'c'),id:'d'",
        ),
        (
            "dns_domain.fqdn:*'*.example.com'",
            "dns_domain.fqdn:*'*.example.com'",
        ),
        (
            "dns_domain.fqdn:'*.example.com'",
            "dns_domain.fqdn:'*.example.com'",
        ),
        (
            "dns_domain.fqdn:!'*.example.com'",
            "dns_domain.fqdn:!'*.example.com'",
        ),
        ("dns_domain.fqdn:!*'test*'", "dns_domain.fqdn:!*'test*'"),
        (
            "dns_domain.services.id:['a', 'b']",
            "dns_domain.services.id:['a','b']",
        ),
        ("ip.services.port:[22, 3389]", "ip.services.port:[22,3389]"),
        ("ip.services.port:['22']", "ip.services.port:['22']"),
        ("confidence:'90'", "confidence:'90'"),
        ("manual:'true'", "manual:'true'"),
        ("ip.asn:-5", "ip.asn:-5"),
        ("triage.assigned_to:null", "triage.assigned_to:null"),
        ("triage.assigned_to:!null", "triage.assigned_to:!null"),
        (
            "last_seen:>='2024-01-01T00:00:00Z'",
            "last_seen:>='2024-01-01T00:00:00Z'",
        ),
        ("last_seen:>='2024-01'", "last_seen:>='2024-01'"),
        ("last_seen:<'now'", "last_seen:<'now'"),
        ("last_seen:<'now-24h'", "last_seen:<'now-24h'"),
        ("ip.ip_address:>'10.0.0.0'", "ip.ip_address:>'10.0.0.0'"),
        ("ip.ip_address:'10.1.2.0/24'", "ip.ip_address:'10.1.2.0/24'"),
        ("ip.ptr:~'mail'", "ip.ptr:~'mail'"),
        ("ip.ptr:!~'mail'", "ip.ptr:!~'mail'"),
        (
            "subsidiaries.name:'Ünïcode ✓'",
            "subsidiaries.name:'Ünïcode ✓'",
        ),
    ];
    for &(src, canonical) in cases {
        let f = Filter::parse(src).unwrap_or_else(|e| panic!("{src:?}: {e}"));
        assert_eq!(f.to_string(), canonical, "{src:?}");
        assert_eq!(src.parse::<Filter>().unwrap(), f);
        assert_eq!(Filter::parse(canonical).unwrap().to_string(), canonical);
    }
}

#[test]
fn without_a_table_only_syntax_is_checked() {
    let f = Filter::parse_with("brand_new:>'x'+other.field:*'y*'", None).unwrap();
    assert_eq!(f.to_string(), "brand_new:>'x'+other.field:*'y*'");
    assert_eq!(
        Filter::parse_with("brand_new:''", None).unwrap_err().kind(),
        K::EmptyValue
    );
    assert_eq!(
        Filter::parse_with("x:['a'", None).unwrap_err().kind(),
        K::UnbalancedParenthesis
    );
    assert!(Filter::parse_with("x:'a'", Some(&TABLE)).is_err());
}

#[test]
fn suggestions_name_the_nearest_fields() {
    let e = Filter::parse("port:22").unwrap_err();
    assert!(
        e.suggestions().iter().any(|s| s == "ip.services.port"),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("unknown field `port` at byte 0; did you mean "),
        "{e}"
    );
    let e = Filter::parse("last_seen_timestamp:>'now-7d'").unwrap_err();
    assert_eq!(
        e.suggestions().first().map(String::as_str),
        Some("last_seen"),
        "{e}"
    );
    let e = Filter::parse("zzzzzz:'x'").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown field `zzzzzz` at byte 0; it is not in the `external_assets` filter table"
    );
}
