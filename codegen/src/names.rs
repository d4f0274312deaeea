//! Rust names derived from the manifest's, and the names they must avoid.
//! Validation derives every name once, through these functions, and stores
//! it in the IR; the emitters only read it there.

use crate::manifest::Parameter;
use crate::types::{self, ParamType};

/// Setter names every builder has already.
pub const RESERVED_SETTERS: [&str; 10] = [
    "body",
    "raw_body",
    "raw_query",
    "timeout",
    "retry_writes",
    "send",
    "items",
    "send_all",
    "paginate",
    "batch",
];

/// The field of a reply model that keeps the members it does not name.
pub const EXTRA_FIELD: &str = "extra";

/// `query_external_assets` → `QueryExternalAssets`.
pub fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Lowercase letters, digits and `_`, starting with a letter.
pub fn is_snake_case(value: &str) -> bool {
    value.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The Rust setter name of a parameter.
pub fn setter_name(p: &Parameter) -> String {
    match types::parse_param(&p.ty) {
        Ok(ParamType::RawBody) => "raw_body".into(),
        Ok(ParamType::RawQuery) => "raw_query".into(),
        _ => p.rust_name.clone().unwrap_or_else(|| snake_case(&p.name)),
    }
}

/// The Rust name of a model: acronyms written as words, as the Rust API
/// guidelines ask (`FemDNSDomain` → `FemDnsDomain`, `APIError` → `ApiError`).
pub fn model_rust_name(name: &str) -> String {
    pascal(&snake_case(name))
}

/// The enum variant of a value or a filter field: `dns_domain` → `DnsDomain`,
/// `High` → `High`, `ip.services.port` → `IpServicesPort`.
pub fn variant_name(value: &str) -> String {
    pascal(&words(value).join("_"))
}

/// The constant of a vocabulary value: `Yes` → `YES`, `dns_domain` →
/// `DNS_DOMAIN`, `date-range 2` → `DATE_RANGE_2`.
pub fn const_name(value: &str) -> String {
    words(value).join("_").to_ascii_uppercase()
}

/// The constant of a filter field: `ip.services.port` → `IP_SERVICES_PORT`.
pub fn field_const_name(field: &str) -> String {
    field.replace('.', "_").to_ascii_uppercase()
}

/// The runs of letters and digits of a value.
fn words(value: &str) -> Vec<&str> {
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// `assetId` → `asset_id`, `MaxScore` → `max_score`, `ID` → `id`.
pub fn snake_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Whether `s` is a Rust keyword, which needs `r#` or another name.
pub fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "try"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_write_acronyms_as_words() {
        for (manifest, rust) in [
            ("FemDNSDomain", "FemDnsDomain"),
            (
                "ExternalAssetAPIDeleteRequestV1",
                "ExternalAssetApiDeleteRequestV1",
            ),
            ("ExternalAssetCloudVM", "ExternalAssetCloudVm"),
            ("FemExternalIP", "FemExternalIp"),
            ("APIFiltersSpec", "ApiFiltersSpec"),
            ("FemExternalAsset", "FemExternalAsset"),
        ] {
            assert_eq!(model_rust_name(manifest), rust);
        }
    }

    #[test]
    fn variants_and_constants_come_from_values() {
        assert_eq!(variant_name("dns_domain"), "DnsDomain");
        assert_eq!(variant_name("Noncritical"), "Noncritical");
        assert_eq!(variant_name("ip.services.port"), "IpServicesPort");
        assert_eq!(const_name("Yes"), "YES");
        assert_eq!(const_name("date_histogram"), "DATE_HISTOGRAM");
        assert_eq!(const_name("date-range 2"), "DATE_RANGE_2");
        assert_eq!(field_const_name("ip.services.port"), "IP_SERVICES_PORT");
    }
}
