//! Vocabularies: names derived from their values, and which vocabulary a
//! model field, keyword or filter field takes.

use crate::manifest::{Manifest, Vocabulary};

/// The enum variant of a value: `dns_domain` → `DnsDomain`, `High` → `High`.
pub fn variant_name(value: &str) -> String {
    crate::emit::pascal(&words(value).join("_"))
}

/// The constant of a value: `Yes` → `YES`, `dns_domain` → `DNS_DOMAIN`.
pub fn const_name(value: &str) -> String {
    words(value).join("_").to_ascii_uppercase()
}

/// The runs of letters and digits of a value.
fn words(value: &str) -> Vec<&str> {
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether a value can name a variant and a constant: a letter, then
/// letters, digits, `_`, `-` or spaces.
pub fn valid_value(value: &str) -> bool {
    value.starts_with(|c: char| c.is_ascii_alphabetic())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' '))
}

/// `Owner.member` → (`Owner`, `member`); filter fields keep their dots.
pub fn split(reference: &str) -> Option<(&str, &str)> {
    reference
        .split_once('.')
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
}

fn find<'a>(
    m: &'a Manifest,
    list: impl Fn(&'a Vocabulary) -> &'a Vec<String>,
    reference: &str,
) -> Option<(&'a str, &'a Vocabulary)> {
    m.vocabularies
        .iter()
        .find(|(_, v)| list(v).iter().any(|r| r == reference))
        .map(|(n, v)| (n.as_str(), v))
}

/// The vocabulary of a model field.
pub fn of_model_field<'a>(
    m: &'a Manifest,
    model: &str,
    field: &str,
) -> Option<(&'a str, &'a Vocabulary)> {
    find(m, |v| &v.model_fields, &format!("{model}.{field}"))
}

/// The vocabulary of an operation's keyword.
pub fn of_parameter<'a>(
    m: &'a Manifest,
    op: &str,
    keyword: &str,
) -> Option<(&'a str, &'a Vocabulary)> {
    find(m, |v| &v.parameters, &format!("{op}.{keyword}"))
}

/// The vocabulary of a filter field.
pub fn of_filter_field<'a>(
    m: &'a Manifest,
    table: &str,
    field: &str,
) -> Option<(&'a str, &'a Vocabulary)> {
    find(m, |v| &v.filter_fields, &format!("{table}.{field}"))
}

/// A one-line list of the values: `` `Critical`, `High` ``.
pub fn listed(v: &Vocabulary) -> String {
    v.values
        .iter()
        .map(|x| format!("`{}`", x.value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The Rust path of a closed vocabulary's enum.
pub fn enum_path(name: &str) -> proc_macro2::TokenStream {
    let id = crate::emit::ident(name);
    quote::quote!(crate::vocabularies::#id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_values() {
        assert_eq!(variant_name("dns_domain"), "DnsDomain");
        assert_eq!(variant_name("Noncritical"), "Noncritical");
        assert_eq!(const_name("Yes"), "YES");
        assert_eq!(const_name("date_histogram"), "DATE_HISTOGRAM");
        assert!(valid_value("date-range 2") && !valid_value("2x") && !valid_value("a'b"));
        assert_eq!(split("ip.services.port"), Some(("ip", "services.port")));
    }
}
