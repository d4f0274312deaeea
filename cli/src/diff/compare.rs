//! The comparison: OLD loaded as a map from asset to its [`Facts`], NEW
//! streamed against it, changes collected per kind.

use std::collections::{BTreeMap, btree_map};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use super::change::ChangeKind;
use super::facts::{self, AssetKey, FIELDS, Facts, Interner, Service, Text};
use super::lines::{Lines, MAX_LINE};
use crate::exit::Failure;

/// An asset as reports name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AssetRef {
    /// Its identity.
    pub key: AssetKey,
    /// Its FQDN or IP address.
    pub label: Option<Text>,
}

/// A service opened or closed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServiceChange {
    /// The asset.
    pub asset: AssetRef,
    /// Opened (in NEW only) or closed (in OLD only).
    pub opened: bool,
    /// The service.
    pub service: Service,
}

/// A compared value that changed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ValueChange {
    /// The asset.
    pub asset: AssetRef,
    /// Exposure, criticality or triage.
    pub kind: ChangeKind,
    /// The dotted field name.
    pub field: &'static str,
    /// The value in OLD.
    pub old: Option<Text>,
    /// The value in NEW.
    pub new: Option<Text>,
}

/// One export, as read.
#[derive(Debug, Default)]
pub struct Side {
    /// Assets read (distinct).
    pub assets: u64,
    /// Lines whose asset was already read.
    pub duplicates: u64,
    /// When the export started, from its metadata.
    pub started_at: Option<String>,
}

/// What changed between two exports.
#[derive(Debug, Default)]
pub struct Report {
    /// OLD.
    pub old: Side,
    /// NEW.
    pub new: Side,
    /// Assets only in NEW, sorted.
    pub added: Vec<AssetRef>,
    /// Assets only in OLD, sorted.
    pub removed: Vec<AssetRef>,
    /// Services opened and closed, sorted.
    pub services: Vec<ServiceChange>,
    /// Exposure, criticality and triage changes, sorted.
    pub values: Vec<ValueChange>,
    /// Kinds whose fields neither export holds (`--fields`).
    pub not_compared: Vec<ChangeKind>,
}

impl Report {
    /// The number of changes of `kind`.
    pub fn count(&self, kind: ChangeKind) -> usize {
        match kind {
            ChangeKind::Added => self.added.len(),
            ChangeKind::Removed => self.removed.len(),
            ChangeKind::Services => self.services.len(),
            _ => self.values.iter().filter(|c| c.kind == kind).count(),
        }
    }

    /// The number of services opened (`true`) or closed.
    pub fn services_count(&self, opened: bool) -> usize {
        self.services.iter().filter(|c| c.opened == opened).count()
    }
}

/// An asset of OLD, and whether NEW had it.
struct Entry {
    facts: Facts,
    seen: bool,
}

/// Compares the exports at `old` and `new`.
pub fn compare(old: &Path, new: &Path) -> Result<Report, Failure> {
    let mut report = Report::default();
    let mut shared = Interner::default();
    let mut before: BTreeMap<AssetKey, Entry> = BTreeMap::new();
    each_asset(old, &mut shared, |key, facts| match before.entry(key) {
        btree_map::Entry::Occupied(_) => report.old.duplicates += 1,
        btree_map::Entry::Vacant(slot) => {
            report.old.assets += 1;
            slot.insert(Entry { facts, seen: false });
        }
    })?;

    // Assets of NEW only: their labels, and whether a line repeats one.
    let mut added = BTreeMap::new();
    each_asset(new, &mut shared, |key, facts| {
        let first = match before.get_mut(&key) {
            Some(entry) if !entry.seen => {
                entry.seen = true;
                changes(&mut report, &key, &entry.facts, facts);
                true
            }
            Some(_) => false,
            None if added.contains_key(&key) => false,
            None => {
                added.insert(key, facts.label);
                true
            }
        };
        if first {
            report.new.assets += 1;
        } else {
            report.new.duplicates += 1;
        }
    })?;

    report.added = added
        .into_iter()
        .map(|(key, label)| AssetRef { key, label })
        .collect();
    report.removed = before
        .into_iter()
        .filter(|(_, e)| !e.seen)
        .map(|(key, e)| AssetRef {
            key,
            label: e.facts.label,
        })
        .collect();
    report.services.sort();
    report.values.sort();
    Ok(report)
}

/// Calls `f` with the key and facts of each line (or Parquet row) of the
/// export at `path`.
fn each_asset(
    path: &Path,
    shared: &mut Interner,
    mut f: impl FnMut(AssetKey, Facts),
) -> Result<(), Failure> {
    if crate::parquet::read::is_parquet(path)? {
        return crate::parquet::read::each_row(path, |row| {
            let (key, facts) = facts::read(&row, shared)?;
            f(key, facts);
            Ok(())
        });
    }
    let file = File::open(path).map_err(Failure::io(format!("opening {}", path.display())))?;
    let mut lines = Lines::new(BufReader::new(file), path, MAX_LINE);
    while let Some(line) = lines.next_value()? {
        let (key, facts) = facts::read(&line, shared).map_err(|why| lines.error(why))?;
        f(key, facts);
    }
    Ok(())
}

/// Adds the changes between `old` and `new`, the same asset's facts.
fn changes(report: &mut Report, key: &AssetKey, old: &Facts, new: Facts) {
    let asset = || AssetRef {
        key: key.clone(),
        label: new.label.clone().or_else(|| old.label.clone()),
    };
    for (i, (kind, field, _)) in FIELDS.into_iter().enumerate() {
        if old.values[i] != new.values[i] {
            report.values.push(ValueChange {
                asset: asset(),
                kind,
                field,
                old: old.values[i].clone(),
                new: new.values[i].clone(),
            });
        }
    }
    // Both lists are sorted: a merge walk finds what only one side has.
    let (mut a, mut b) = (
        old.services.iter().peekable(),
        new.services.iter().peekable(),
    );
    loop {
        let (opened, service) = match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some(x), Some(y)) if x == y => {
                a.next();
                b.next();
                continue;
            }
            (Some(x), Some(y)) if x < y => (false, a.next()),
            (Some(_), None) => (false, a.next()),
            _ => (true, b.next()),
        };
        if let Some(service) = service {
            report.services.push(ServiceChange {
                asset: asset(),
                opened,
                service: service.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(dir: &Path, name: &str, lines: &[serde_json::Value]) -> std::path::PathBuf {
        let path = dir.join(name);
        let mut f = File::create(&path).unwrap();
        for l in lines {
            writeln!(f, "{l}").unwrap();
        }
        path
    }

    #[test]
    fn every_kind_is_found_and_duplicates_counted() {
        use serde_json::json;
        let dir = std::env::temp_dir().join(format!("diff-compare-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let svc = |p: i64| json!({"port": p, "protocol": "http", "transport": "tcp"});
        let old = file(
            &dir,
            "old.jsonl",
            &[
                json!({"id": "a", "ip": {"services": [svc(80), svc(22)]}, "criticality": "High"}),
                json!({"id": "b"}),
                json!({"id": "b"}),
                json!({"id": "c", "triage": {"status": "new"}}),
            ],
        );
        let new = file(
            &dir,
            "new.jsonl",
            &[
                json!({"id": "d"}),
                json!({"id": "a", "ip": {"services": [svc(80), svc(443)]}, "criticality": "Critical"}),
                json!({"id": "c", "triage": {"status": "closed"}}),
                json!({"id": "c"}),
                json!({"id": "d"}),
            ],
        );
        let r = compare(&old, &new).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!((r.old.assets, r.old.duplicates), (3, 1));
        assert_eq!((r.new.assets, r.new.duplicates), (3, 2));
        assert_eq!(r.added.len(), 1);
        assert_eq!(&*r.added[0].key.id, "d");
        assert_eq!(r.removed.len(), 1);
        assert_eq!(&*r.removed[0].key.id, "b");
        assert_eq!(r.services_count(true), 1);
        assert_eq!(r.services_count(false), 1);
        assert_eq!(r.services[0].service.port, Some(22));
        assert!(!r.services[0].opened);
        assert_eq!(r.count(ChangeKind::Criticality), 1);
        assert_eq!(r.count(ChangeKind::Triage), 1);
        assert_eq!(r.count(ChangeKind::Exposure), 0);
    }
}
