//! Columns: the names `--fields` takes, the default sets, and each
//! column's value in an asset (serialised to JSON and walked along the
//! column's dotted path).

use falcon_exposure::fields::external_assets::TABLE;
use serde_json::Value;

use crate::exit::Failure;
use crate::export::meta::Rows;
use crate::output::terminal;

/// Columns of every export that are not filter fields: the account and
/// useful members the API returns but does not filter on.
const EXTRA: &[&str] = &["cid", "status", "triage.description", "ip.services.id"];

/// The part of the asset a service row's service belongs to: `ip` or
/// `dns_domain`.
const SERVICE_PARENT: &str = "service.parent";

/// The prefixes of the services' fields in the asset.
const SERVICE_LISTS: &[&str] = &["ip.services.", "dns_domain.services."];

/// Default columns of an asset row.
pub const DEFAULT_ASSET: &[&str] = &[
    "id",
    "cid",
    "asset_type",
    "ip.ip_address",
    "dns_domain.fqdn",
    "internet_exposure",
    "criticality",
    "perimeter",
    "status",
    "first_seen",
    "last_seen",
];

/// Default columns a service row adds to [`DEFAULT_ASSET`].
pub const DEFAULT_SERVICE: &[&str] = &[
    SERVICE_PARENT,
    "service.port",
    "service.protocol",
    "service.transport",
    "service.status",
    "service.platform_name",
    "service.applications.name",
    "service.first_seen",
    "service.last_seen",
];

/// Columns a Parquet export of assets adds to [`DEFAULT_ASSET`] by
/// default: what `diff` compares, so that a Parquet export is a snapshot
/// to diff, as a JSON Lines one of whole assets is.
pub fn parquet_facts() -> Vec<String> {
    crate::diff::compared_paths()
        .filter(|path| !DEFAULT_ASSET.contains(&path.as_str()))
        .collect()
}

/// The default columns of a Parquet export of assets.
pub fn parquet_defaults() -> Vec<String> {
    DEFAULT_ASSET
        .iter()
        .map(|s| (*s).to_owned())
        .chain(parquet_facts())
        .collect()
}

/// One output column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its name: the header in CSV, the key in JSON Lines.
    pub name: String,
    source: Source,
}

/// Where a column's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// The member CID exported, else the asset's `cid`.
    Cid,
    /// A dotted path in the asset.
    Asset(Vec<String>),
    /// A dotted path in the row's service.
    Service(Vec<String>),
    /// Which part of the asset the row's service is in.
    ServiceParent,
}

/// The service of a service row: the part of the asset it is in, and the
/// service itself.
pub type Service<'a> = (&'static str, &'a Value);

impl Column {
    /// The column's value for `asset` (and `service` in a service row):
    /// null when absent; a list when the path crosses a list (every
    /// element's value, nested lists flattened); else the value.
    pub fn value(&self, asset: &Value, service: Option<Service<'_>>, cid: Option<&str>) -> Value {
        match &self.source {
            Source::Cid => match cid {
                Some(cid) => Value::String(cid.to_owned()),
                None => lookup(asset, &["cid".to_owned()]),
            },
            Source::Asset(path) => lookup(asset, path),
            Source::Service(path) => service.map_or(Value::Null, |(_, s)| lookup(s, path)),
            Source::ServiceParent => {
                service.map_or(Value::Null, |(parent, _)| Value::String(parent.into()))
            }
        }
    }
}

/// The services of `asset` (JSON), `ip`'s then `dns_domain`'s.
pub fn services(asset: &Value) -> Vec<Service<'_>> {
    ["ip", "dns_domain"]
        .into_iter()
        .flat_map(|parent| {
            asset
                .get(parent)
                .and_then(|p| p.get("services"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(move |s| (parent, s))
        })
        .collect()
}

fn lookup(root: &Value, path: &[String]) -> Value {
    let mut found = Vec::new();
    let mut many = false;
    walk(root, path, &mut found, &mut many);
    if many {
        Value::Array(found.into_iter().cloned().collect())
    } else {
        found.pop().cloned().unwrap_or(Value::Null)
    }
}

fn walk<'a>(value: &'a Value, path: &[String], found: &mut Vec<&'a Value>, many: &mut bool) {
    match value {
        Value::Null => {}
        Value::Array(items) => {
            *many = true;
            for item in items {
                walk(item, path, found, many);
            }
        }
        _ => match path.split_first() {
            None => found.push(value),
            Some((head, rest)) => {
                if let Some(child) = value.get(head) {
                    walk(child, rest, found, many);
                }
            }
        },
    }
}

/// Every name `--fields` accepts for `rows`, in the order listed in help.
pub fn valid_names(rows: Rows) -> Vec<String> {
    let mut names: Vec<String> = TABLE
        .field_names()
        .map(str::to_owned)
        .chain(EXTRA.iter().map(|s| (*s).to_owned()))
        .collect();
    if rows == Rows::Services {
        names.extend(service_names());
    }
    names.sort();
    names.dedup();
    names
}

/// `service.NAME` for every field of the services (`ip.services.NAME`,
/// `dns_domain.services.NAME`), and `service.parent`.
fn service_names() -> Vec<String> {
    let mut names: Vec<String> = valid_asset_names()
        .filter_map(|n| {
            SERVICE_LISTS
                .iter()
                .find_map(|p| n.strip_prefix(p))
                .map(|rest| format!("service.{rest}"))
        })
        .collect();
    names.push(SERVICE_PARENT.to_owned());
    names.sort();
    names.dedup();
    names
}

fn valid_asset_names() -> impl Iterator<Item = &'static str> {
    TABLE.field_names().chain(EXTRA.iter().copied())
}

/// The columns for `fields` (`--fields`, or the default set of `rows`).
pub fn resolve(fields: Option<&[String]>, rows: Rows) -> Result<Vec<Column>, Failure> {
    let defaults: Vec<String>;
    let names: &[String] = match fields {
        Some(names) => names,
        None => {
            defaults = DEFAULT_ASSET
                .iter()
                .chain(if rows == Rows::Services {
                    DEFAULT_SERVICE
                } else {
                    &[]
                })
                .map(|s| (*s).to_owned())
                .collect();
            &defaults
        }
    };
    let valid = valid_names(rows);
    let mut columns: Vec<Column> = Vec::with_capacity(names.len());
    for name in names.iter().map(|n| n.trim()) {
        if name.is_empty() || columns.iter().any(|c| c.name == name) {
            continue;
        }
        if !valid.iter().any(|v| v == name) {
            return Err(unknown(name, rows, &valid));
        }
        columns.push(column(name));
    }
    if columns.is_empty() {
        return Err(Failure::usage(
            "--fields names no column; give field names separated by commas, e.g. --fields id,asset_type",
        ));
    }
    Ok(columns)
}

/// Adds a `cid` column first when there is none (member exports: every row
/// says its account).
pub fn with_cid(mut columns: Vec<Column>) -> Vec<Column> {
    if !columns.iter().any(|c| c.source == Source::Cid) {
        columns.insert(0, column("cid"));
    }
    columns
}

fn column(name: &str) -> Column {
    let path = |s: &str| s.split('.').map(str::to_owned).collect();
    let source = if name == "cid" {
        Source::Cid
    } else if name == SERVICE_PARENT {
        Source::ServiceParent
    } else if let Some(rest) = name.strip_prefix("service.") {
        Source::Service(path(rest))
    } else {
        Source::Asset(path(name))
    };
    Column {
        name: name.to_owned(),
        source,
    }
}

/// The error for an unknown name, with the closest valid one.
fn unknown(name: &str, rows: Rows, valid: &[String]) -> Failure {
    let shown = terminal(name);
    if rows == Rows::Assets && name.starts_with("service.") {
        let rest = &name["service.".len()..];
        return Failure::usage(format!(
            "--fields: `{shown}` is a column of --rows services; with --rows assets use \
             `ip.services.{}` or `dns_domain.services.{}` (a list per asset)",
            terminal(rest),
            terminal(rest)
        ));
    }
    let close = closest(name, valid, rows);
    let suggestion = match close.as_slice() {
        [] => String::new(),
        names => {
            let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            format!("; did you mean {}?", quoted.join(" or "))
        }
    };
    Failure::usage(format!(
        "--fields: unknown field `{shown}`{suggestion} (the names are the filter fields', \
         listed by `falcon-exposure export --help`)"
    ))
}

/// The valid names closest to `name`: those whose last part is `name`
/// (`port` gives `service.port` for service rows, else
/// `dns_domain.services.port` and `ip.services.port`), else the most
/// similar by Jaro-Winkler.
fn closest<'a>(name: &str, valid: &'a [String], rows: Rows) -> Vec<&'a str> {
    let wanted = name.to_ascii_lowercase();
    let by_last = |prefix: &str| -> Vec<&'a str> {
        valid
            .iter()
            .filter(|v| v.starts_with(prefix) && v.rsplit('.').next() == Some(wanted.as_str()))
            .map(String::as_str)
            .collect()
    };
    let mut tails = match rows {
        Rows::Services => by_last("service."),
        Rows::Assets => Vec::new(),
    };
    if tails.is_empty() {
        tails = by_last("");
    }
    if !tails.is_empty() {
        return tails;
    }
    valid
        .iter()
        .map(|v| (strsim::jaro_winkler(&wanted, v), v))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, v)| v.as_str())
        .into_iter()
        .collect()
}

/// The `--help` list of the names, wrapped.
pub fn help_list() -> String {
    let mut out = String::new();
    let mut line = String::from(" ");
    for name in valid_names(Rows::Services) {
        if line.len() + name.len() + 1 > 78 {
            out.push_str(&line);
            out.push('\n');
            line = String::from(" ");
        }
        line.push(' ');
        line.push_str(&name);
    }
    out.push_str(&line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(columns: &[Column]) -> Vec<&str> {
        columns.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn paths_through_lists_collect_every_value() {
        let asset = json!({
            "id": "a1",
            "ip": {"ip_address": "192.0.2.1", "services": [
                {"port": 80, "applications": [{"name": "nginx"}, {"name": "php"}]},
                {"port": 443, "applications": []},
            ]},
            "dns_domain": {"fqdn": ["a.example", "b.example"]},
            "subsidiaries": null,
        });
        let col = |n: &str| column(n).value(&asset, None, None);
        assert_eq!(col("id"), json!("a1"));
        assert_eq!(col("ip.ip_address"), json!("192.0.2.1"));
        assert_eq!(col("ip.services.port"), json!([80, 443]));
        assert_eq!(
            col("ip.services.applications.name"),
            json!(["nginx", "php"])
        );
        assert_eq!(col("dns_domain.fqdn"), json!(["a.example", "b.example"]));
        assert_eq!(col("subsidiaries.name"), Value::Null);
        assert_eq!(col("triage.status"), Value::Null);
        assert_eq!(col("cid"), Value::Null);
        assert_eq!(column("cid").value(&asset, None, Some("m1")), json!("m1"));

        let services = services(&asset);
        assert_eq!(services.len(), 2);
        let port = column("service.port");
        assert_eq!(port.value(&asset, Some(services[1]), None), json!(443));
        assert_eq!(
            column(SERVICE_PARENT).value(&asset, Some(services[0]), None),
            json!("ip")
        );
        assert_eq!(port.value(&asset, None, None), Value::Null);
    }

    #[test]
    fn defaults_and_selections_resolve() {
        let assets = resolve(None, Rows::Assets).unwrap();
        assert_eq!(names(&assets), DEFAULT_ASSET);
        let services = resolve(None, Rows::Services).unwrap();
        assert_eq!(services.len(), DEFAULT_ASSET.len() + DEFAULT_SERVICE.len());
        let picked = ["id", " criticality ", "id", "ip.services.port"].map(String::from);
        let picked = resolve(Some(&picked), Rows::Assets).unwrap();
        assert_eq!(names(&picked), ["id", "criticality", "ip.services.port"]);
        assert_eq!(names(&with_cid(picked))[0], "cid");
    }

    #[test]
    fn unknown_names_suggest_the_closest() {
        let err = |n: &str, rows| {
            resolve(Some(&[n.to_owned()]), rows)
                .unwrap_err()
                .to_string()
        };
        assert!(err("criticalty", Rows::Assets).contains("did you mean `criticality`"));
        assert!(
            err("port", Rows::Assets)
                .contains("did you mean `dns_domain.services.port` or `ip.services.port`?")
        );
        assert!(err("port", Rows::Services).contains("did you mean `service.port`"));
        assert!(err("service.port", Rows::Assets).contains("--rows services"));
        assert!(err("\u{1b}[31mx", Rows::Assets).contains("unknown field `x`"));
        assert!(resolve(Some(&[" ".to_owned()]), Rows::Assets).is_err());
    }
}
