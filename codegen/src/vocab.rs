//! Vocabularies: names derived from their values.

use crate::ir::Vocabulary;

/// The enum variant of a value: `dns_domain` → `DnsDomain`, `High` → `High`.
pub fn variant_name(value: &str) -> String {
    crate::validate::pascal(&words(value).join("_"))
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

/// A one-line list of the values: `` `Critical`, `High` ``.
pub fn listed(v: &Vocabulary<'_>) -> String {
    v.values
        .iter()
        .map(|x| format!("`{}`", x.value))
        .collect::<Vec<_>>()
        .join(", ")
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
