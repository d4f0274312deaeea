//! The Parquet type of each export column, decided from the models: a
//! column has its filter field's value type (timestamps, integers and
//! booleans typed; IP addresses and the rest as text), and is a list of
//! it when its path crosses a list of the asset model.

use std::str::FromStr;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, TimeUnit};
use falcon_exposure::fields::external_assets::ExternalAssetField;
use falcon_exposure::fql::ValueType;

/// The members of the asset model that are lists (`list<…>` in the
/// manifest's models), as dotted paths from the asset.
const LISTS: &[&str] = &[
    "applicable_actions",
    "data_providers",
    "discovery.alternative_paths",
    "discovery.alternative_paths.steps",
    "discovery.alternative_paths.steps.redirect_path",
    "discovery.path.steps",
    "discovery.path.steps.redirect_path",
    "dns_domain.isps",
    "dns_domain.resolved_ips",
    "dns_domain.services",
    "dns_domain.services.applications",
    "dns_domain.services.cpes",
    "dns_domain.services.http_attributes.cookies",
    "dns_domain.services.http_attributes.meta",
    "dns_domain.services.http_attributes.technologies",
    "dns_domain.services.subsidiaries",
    "dns_domain.services.tls.certificate.ciphers",
    "dns_domain.services.tls.cipher_suites",
    "dns_domain.services.tls.supported_versions",
    "ip.cloud_vm.security_groups",
    "ip.services",
    "ip.services.applications",
    "ip.services.cpes",
    "ip.services.http_attributes.cookies",
    "ip.services.http_attributes.meta",
    "ip.services.http_attributes.technologies",
    "ip.services.subsidiaries",
    "ip.services.tls.certificate.ciphers",
    "ip.services.tls.cipher_suites",
    "ip.services.tls.supported_versions",
    "subsidiaries",
];

/// A service row's `service.NAME` is `NAME` of one element of this list.
const SERVICES: &str = "ip.services";

/// The time zone of timestamp columns: the API's times are UTC.
pub const UTC: &str = "UTC";

/// What a column's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    Boolean,
    /// Microseconds since the epoch, UTC.
    Timestamp,
}

/// A column's type: a kind, or a list of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnType {
    pub kind: Kind,
    pub list: bool,
}

impl ColumnType {
    /// Its Arrow type (every value and list item nullable).
    pub fn data_type(self) -> DataType {
        let item = match self.kind {
            Kind::Text => DataType::Utf8,
            Kind::Integer => DataType::Int64,
            Kind::Boolean => DataType::Boolean,
            Kind::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())),
        };
        if self.list {
            DataType::List(Arc::new(Field::new_list_field(item, true)))
        } else {
            item
        }
    }
}

/// The type of the export column `name` (as `--fields` names it).
pub fn column_type(name: &str) -> ColumnType {
    // `service.NAME` stands for one service's NAME: lists inside the
    // service still make lists, the list of services does not.
    let (path, within) = match name.strip_prefix("service.") {
        Some(rest) => (format!("{SERVICES}.{rest}"), SERVICES.len()),
        None => (name.to_owned(), 0),
    };
    let kind = match ExternalAssetField::from_str(&path).map(ExternalAssetField::value_type) {
        Ok(ValueType::Integer) => Kind::Integer,
        Ok(ValueType::Boolean) => Kind::Boolean,
        Ok(ValueType::Timestamp) => Kind::Timestamp,
        // Text, IP addresses, the columns that are no filter field (cid,
        // status, service.parent, …) and any type added later.
        _ => Kind::Text,
    };
    let list = LISTS.iter().any(|list| {
        list.len() > within
            && path
                .strip_prefix(list)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    });
    ColumnType { kind, list }
}

/// The schema of columns `names`, in order.
pub fn schema<'a>(names: impl IntoIterator<Item = &'a str>) -> Schema {
    Schema::new(
        names
            .into_iter()
            .map(|name| Field::new(name, column_type(name).data_type(), true))
            .collect::<Vec<_>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str) -> (Kind, bool) {
        let c = column_type(name);
        (c.kind, c.list)
    }

    #[test]
    fn types_follow_the_models() {
        assert_eq!(t("id"), (Kind::Text, false));
        assert_eq!(t("first_seen"), (Kind::Timestamp, false));
        assert_eq!(t("ip.ip_address"), (Kind::Text, false));
        assert_eq!(t("ip.services.port"), (Kind::Integer, true));
        assert_eq!(t("ip.services.first_seen"), (Kind::Timestamp, true));
        assert_eq!(t("dns_domain.services.protocol"), (Kind::Text, true));
        assert_eq!(t("ip.services.id"), (Kind::Text, true));
        assert_eq!(t("service.port"), (Kind::Integer, false));
        assert_eq!(t("service.last_seen"), (Kind::Timestamp, false));
        assert_eq!(t("service.applications.name"), (Kind::Text, true));
        assert_eq!(t("service.parent"), (Kind::Text, false));
        assert_eq!(t("cid"), (Kind::Text, false));
    }

    /// The list members of the asset model, from the manifest: every path
    /// from `FemExternalAsset` whose type is `list<…>`.
    fn manifest_lists() -> Vec<String> {
        use falcon_exposure_codegen::manifest::Model;
        use std::collections::BTreeMap;

        fn walk(models: &BTreeMap<String, Model>, model: &str, at: &str, out: &mut Vec<String>) {
            for (name, field) in &models[model].fields {
                let path = if at.is_empty() {
                    name.clone()
                } else {
                    format!("{at}.{name}")
                };
                let ty = field.ty();
                let inner = match ty.strip_prefix("list<").and_then(|t| t.strip_suffix('>')) {
                    Some(inner) => {
                        out.push(path.clone());
                        inner
                    }
                    None => ty,
                };
                if models.contains_key(inner) && path.matches('.').count() < 8 {
                    walk(models, inner, &path, out);
                }
            }
        }
        let spec = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../spec/exposure_management.yaml"
        );
        let manifest = falcon_exposure_codegen::parse(std::path::Path::new(spec), "spec")
            .expect("the manifest parses");
        let mut out = Vec::new();
        walk(&manifest.models, "FemExternalAsset", "", &mut out);
        out.sort();
        out
    }

    #[test]
    fn the_list_members_are_the_manifests() {
        assert_eq!(
            LISTS,
            manifest_lists(),
            "update LISTS from the manifest's models"
        );
    }
}
