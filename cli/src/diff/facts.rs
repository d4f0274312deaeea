//! The values `diff` compares, read from one line of an export by path, so
//! that both a whole asset (`{"triage": {"status": ..}}`) and a `--fields`
//! row (`{"triage.status": ..}`) work.
//!
//! OLD's facts are held for every asset, so they are kept small: text as
//! `Rc<str>`, and the values few assets differ in (CID, criticality,
//! statuses, protocols) shared through an [`Interner`].

use std::collections::HashSet;
use std::rc::Rc;

use serde_json::Value;

use super::change::ChangeKind;

/// Text held by the facts.
pub type Text = Rc<str>;

/// The compared values other than services: kind, dotted path, and
/// whether its values repeat across assets (so are shared).
pub const FIELDS: [(ChangeKind, &str, bool); 7] = [
    (ChangeKind::Exposure, "internet_exposure", true),
    (ChangeKind::Criticality, "criticality", true),
    (ChangeKind::Criticality, "criticality_description", false),
    (ChangeKind::Triage, "triage.status", true),
    (ChangeKind::Triage, "triage.action", true),
    (ChangeKind::Triage, "triage.assigned_to", true),
    (ChangeKind::Triage, "triage.description", false),
];

/// One copy of each repeated value.
#[derive(Debug, Default)]
pub struct Interner(HashSet<Text>);

impl Interner {
    /// The shared copy of `s`.
    fn get(&mut self, s: String) -> Text {
        if let Some(shared) = self.0.get(s.as_str()) {
            return shared.clone();
        }
        let shared: Text = s.into();
        self.0.insert(shared.clone());
        shared
    }
}

/// Where services are listed in an asset.
const SERVICE_LISTS: [&str; 2] = ["ip.services", "dns_domain.services"];

/// The members of a service that identify it.
const SERVICE_KEY: [&str; 3] = ["port", "protocol", "transport"];

/// The paths a kind of change is read from: the fields of [`FIELDS`],
/// and for services each identifying member of each service list.
pub fn paths_of(kind: ChangeKind) -> impl Iterator<Item = String> {
    let services = (kind == ChangeKind::Services).then_some(SERVICE_LISTS);
    FIELDS
        .into_iter()
        .filter(move |(k, _, _)| *k == kind)
        .map(|(_, path, _)| path.to_owned())
        .chain(
            services
                .into_iter()
                .flatten()
                .flat_map(|list| SERVICE_KEY.map(|member| format!("{list}.{member}"))),
        )
}

/// Every path `diff` compares: those of [`FIELDS`], then the services'.
pub fn compared_paths() -> impl Iterator<Item = String> {
    FIELDS
        .into_iter()
        .map(|(_, path, _)| path.to_owned())
        .chain(paths_of(ChangeKind::Services))
}

/// Labels are for people; a longer one is cut so the map of OLD stays small.
const LABEL_CHARS: usize = 200;

/// An asset's identity: its ID, within its CID when the export has one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AssetKey {
    /// `cid`, when present.
    pub cid: Option<Text>,
    /// `id`.
    pub id: Text,
}

/// A service, identified by port, protocol and transport.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Service {
    /// `port`.
    pub port: Option<i64>,
    /// `protocol` (`https`, `ssh`, ...).
    pub protocol: Option<Text>,
    /// `transport` (`tcp`, `udp`).
    pub transport: Option<Text>,
}

impl std::fmt::Display for Service {
    /// `443/tcp https`, with `?` for what is absent.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            Some(port) => write!(f, "{port}")?,
            None => f.write_str("?")?,
        }
        write!(f, "/{}", self.transport.as_deref().unwrap_or("?"))?;
        if let Some(protocol) = &self.protocol {
            write!(f, " {protocol}")?;
        }
        Ok(())
    }
}

/// What is compared of one asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// A name for people: the FQDN or the IP address.
    pub label: Option<Text>,
    /// The values of [`FIELDS`], in order.
    pub values: [Option<Text>; FIELDS.len()],
    /// The services, sorted, without repeats.
    pub services: Box<[Service]>,
}

/// Reads the key and the compared values of one exported line; the error
/// says what is missing.
pub fn read(line: &Value, shared: &mut Interner) -> Result<(AssetKey, Facts), String> {
    if !line.is_object() {
        return Err("not a JSON object".into());
    }
    let id = get(line, "id")
        .and_then(text)
        .ok_or("no `id` (diff needs it; with --fields, export `id` too)")?;
    let key = AssetKey {
        cid: get(line, "cid").and_then(text).map(|c| shared.get(c)),
        id: id.into(),
    };
    let label = ["dns_domain.fqdn", "ip.ip_address"]
        .into_iter()
        .find_map(|path| get(line, path).and_then(text))
        .map(|l| cut(l, LABEL_CHARS).into());
    let values = FIELDS.map(|(_, path, repeats)| {
        let value = get(line, path).and_then(text)?;
        Some(if repeats {
            shared.get(value)
        } else {
            value.into()
        })
    });
    Ok((
        key,
        Facts {
            label,
            values,
            services: services(line, shared),
        },
    ))
}

/// The value at dotted `path`: the member named `path` itself (a
/// `--fields` row), else the nested one.
fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(flat) = v.get(path) {
        return Some(flat);
    }
    path.split('.').try_fold(v, |v, part| v.get(part))
}

/// A value as text: strings as they are, lists joined with `, `, null and
/// empty values absent, anything else as JSON.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(text).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        other => Some(other.to_string()),
    }
}

/// `s` cut to `max` characters, with `…` when cut.
fn cut(s: String, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s,
    }
}

/// The services of an asset, from `ip.services[]` and
/// `dns_domain.services[]`, or from a `--fields` row's parallel lists
/// (`ip.services.port`: [..], ...), matched by position.
fn services(line: &Value, shared: &mut Interner) -> Box<[Service]> {
    let mut out = Vec::new();
    for list in SERVICE_LISTS {
        match get(line, list) {
            Some(Value::Array(items)) => out.extend(items.iter().filter_map(|s| {
                service(s.get("port"), s.get("protocol"), s.get("transport"), shared)
            })),
            Some(_) => {}
            None => {
                let columns = SERVICE_KEY.map(|member| column(line, &format!("{list}.{member}")));
                let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
                out.extend((0..rows).filter_map(|i| {
                    let [port, protocol, transport] = columns.each_ref().map(|c| c.get(i).copied());
                    service(port, protocol, transport, shared)
                }));
            }
        }
    }
    out.sort();
    out.dedup();
    out.into()
}

/// A service from its port, protocol and transport values, when it has
/// any of them.
fn service(
    port_value: Option<&Value>,
    protocol: Option<&Value>,
    transport: Option<&Value>,
    shared: &mut Interner,
) -> Option<Service> {
    let mut text = |v: Option<&Value>| v.and_then(text).map(|t| shared.get(t));
    let s = Service {
        port: port_value.and_then(port),
        protocol: text(protocol),
        transport: text(transport),
    };
    (s.port.is_some() || s.protocol.is_some() || s.transport.is_some()).then_some(s)
}

/// A port: a number, or a string of one.
fn port(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The values of a `--fields` member: a list's items, one value, or none.
fn column<'a>(line: &'a Value, key: &str) -> Vec<&'a Value> {
    match line.get(key) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(one) => vec![one],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_whole_asset_and_a_fields_row_read_the_same() {
        let whole = json!({
            "id": "a1", "cid": "c1", "criticality": "High",
            "internet_exposure": "Yes",
            "ip": {"ip_address": "192.0.2.1", "services": [
                {"port": 443, "protocol": "https", "transport": "tcp", "status": "open"},
                {"port": 22, "protocol": "ssh", "transport": "tcp"},
            ]},
            "triage": {"status": "new", "assigned_to": "ana"},
        });
        let row = json!({
            "id": "a1", "cid": "c1", "criticality": "High",
            "internet_exposure": "Yes", "ip.ip_address": "192.0.2.1",
            "ip.services.port": [443, 22],
            "ip.services.protocol": ["https", "ssh"],
            "ip.services.transport": ["tcp", "tcp"],
            "triage.status": "new", "triage.assigned_to": "ana",
        });
        let (k1, f1) = read(&whole, &mut Interner::default()).unwrap();
        let (k2, f2) = read(&row, &mut Interner::default()).unwrap();
        assert_eq!(k1, k2);
        assert_eq!(f1, f2);
        assert_eq!(k1.cid.as_deref(), Some("c1"));
        assert_eq!(f1.label.as_deref(), Some("192.0.2.1"));
        assert_eq!(f1.services.len(), 2);
        assert_eq!(f1.services[0].to_string(), "22/tcp ssh");
        assert_eq!(f1.values[0].as_deref(), Some("Yes"));
        assert_eq!(f1.values[6], None);
    }

    #[test]
    fn odd_values_do_not_fail() {
        let odd = json!({
            "id": 7, "dns_domain": {"fqdn": ["a.example", "b.example"], "services": [
                {"port": "8080"}, "junk", {"status": "x"}, {"port": 1.5}
            ]},
            "triage": null, "criticality": {"x": 1},
        });
        let (key, facts) = read(&odd, &mut Interner::default()).unwrap();
        assert_eq!(&*key.id, "7");
        assert_eq!(facts.label.as_deref(), Some("a.example, b.example"));
        assert_eq!(facts.services.len(), 1);
        assert_eq!(facts.services[0].port, Some(8080));
        assert_eq!(facts.values[1].as_deref(), Some("{\"x\":1}"));
        let mut shared = Interner::default();
        assert!(
            read(&json!({"cid": "c"}), &mut shared)
                .unwrap_err()
                .contains("`id`")
        );
        assert!(read(&json!([1]), &mut shared).is_err());
        assert!(read(&json!({"id": ""}), &mut shared).is_err());
    }

    #[test]
    fn repeated_values_are_shared() {
        let mut shared = Interner::default();
        let line = json!({"id": "a", "cid": "c", "criticality": "High"});
        let (k1, f1) = read(&line, &mut shared).unwrap();
        let (k2, f2) = read(&line, &mut shared).unwrap();
        assert!(Rc::ptr_eq(
            k1.cid.as_ref().unwrap(),
            k2.cid.as_ref().unwrap()
        ));
        assert!(Rc::ptr_eq(
            f1.values[1].as_ref().unwrap(),
            f2.values[1].as_ref().unwrap()
        ));
        assert!(!Rc::ptr_eq(&k1.id, &k2.id));
    }

    #[test]
    fn long_labels_are_cut_on_a_character() {
        assert_eq!(cut("ééé".into(), 2), "éé…");
        assert_eq!(cut("ab".into(), 2), "ab");
    }
}
