//! The metadata file written next to every export (`OUT.meta.json`), read
//! for what `diff` checks before it trusts two exports: that each finished
//! complete, and that both were made the same way.

use std::collections::BTreeSet;
use std::path::Path;

use super::change::ChangeKind;
use super::facts::paths_of;
use crate::exit::Failure;
use crate::export::meta::{self, Format, Meta, ReadError, Rows};
use crate::output::terminal;

/// The metadata of an export, or why it could not be read.
pub type Loaded = Result<Meta, Problem>;

/// Why two exports should not be compared.
#[derive(Debug, Clone)]
pub struct Problem {
    message: String,
    /// Whether `--force` may compare anyway.
    overridable: bool,
}

impl Problem {
    fn force(message: String) -> Problem {
        Problem {
            message,
            overridable: true,
        }
    }

    fn fatal(message: String) -> Problem {
        Problem {
            message,
            overridable: false,
        }
    }
}

/// Reads the metadata of the export at `export`. Metadata that is missing,
/// unreadable or of another version is a problem `--force` overrides: the
/// exports are then compared without it.
pub fn load(export: &Path) -> Loaded {
    if let Err(e) = std::fs::metadata(export) {
        return Err(Problem::fatal(format!("{}: {e}", export.display())));
    }
    let path = meta::path_for(export);
    meta::load(&path).map_err(|e| match e {
        ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => Problem::force(format!(
            "{}: no metadata file {} next to it, so whether the export finished cannot be checked",
            export.display(),
            path.display()
        )),
        e => Problem::force(format!("{}: {e}", path.display())),
    })
}

/// What is wrong with comparing the export at `old` with the one at `new`.
pub fn problems(old: &Path, old_meta: &Loaded, new: &Path, new_meta: &Loaded) -> Vec<Problem> {
    let mut out = Vec::new();
    for (path, meta) in [(old, old_meta), (new, new_meta)] {
        match meta {
            Ok(meta) => own_problems(path, meta, &mut out),
            Err(problem) => out.push(problem.clone()),
        }
    }
    let (Ok(a), Ok(b)) = (old_meta, new_meta) else {
        return out;
    };
    let (old, new) = (old.display(), new.display());
    if a.filter != b.filter {
        out.push(Problem::force(format!(
            "{old} and {new} were exported with different filters ({} and {}), so assets matching only one would read as added or removed",
            shown(&a.filter),
            shown(&b.filter)
        )));
    }
    if set(&a.cids) != set(&b.cids) {
        out.push(Problem::force(format!(
            "{old} and {new} were exported from different CIDs ({} and {})",
            list(&a.cids),
            list(&b.cids)
        )));
    }
    if a.fields.as_deref().map(set) != b.fields.as_deref().map(set) {
        out.push(Problem::force(format!(
            "{old} and {new} were exported with different --fields ({} and {}), so values present in only one would read as changed",
            list(a.fields.as_deref().unwrap_or_default()),
            list(b.fields.as_deref().unwrap_or_default())
        )));
    }
    // Formats and rows need no comparison: both must be exports of assets
    // (`own_problems`), and JSON Lines and Parquet read alike.
    out
}

/// What is wrong with one export on its own.
fn own_problems(path: &Path, meta: &Meta, out: &mut Vec<Problem>) {
    let shown = path.display();
    if meta.format == Format::Csv {
        out.push(Problem::fatal(format!(
            "{shown}: a {} export; diff reads JSON Lines or Parquet exports of assets (export with --format jsonl or parquet, --rows assets)",
            value_name(meta.format)
        )));
    }
    if meta.rows != Rows::Assets {
        out.push(Problem::fatal(format!(
            "{shown}: an export of {} rows; diff reads exports of assets (export with --rows assets)",
            value_name(meta.rows)
        )));
    }
    if meta
        .fields
        .as_ref()
        .is_some_and(|fields| !fields.iter().any(|f| f == "id"))
    {
        out.push(Problem::fatal(format!(
            "{shown}: exported with --fields without id; diff matches assets by id (export with --fields id,...)"
        )));
    }
    if !meta.finished {
        out.push(Problem::force(format!(
            "{shown}: the export did not finish (its metadata says so), and the assets it lacks would read as removed; export again"
        )));
    }
    if let Some(inc) = &meta.incomplete {
        out.push(Problem::force(format!(
            "{shown}: the export is incomplete ({} of {} assets received), and the assets it lacks would read as removed; export again",
            inc.received, inc.expected
        )));
    }
}

/// A problem when the export at `path` holds another number of assets
/// than its metadata says it wrote: a cut or edited file.
pub fn count_problem(path: &Path, meta: &Loaded, read: u64) -> Option<Problem> {
    let written = meta.as_ref().ok()?.assets;
    (written != read).then(|| {
        Problem::force(format!(
            "{}: holds {read} assets but its metadata says {written} were exported; the file was cut or changed since, export again",
            path.display()
        ))
    })
}

/// Refuses on the first problem, or with `force` warns of each and goes on
/// (except for what `diff` cannot read at all).
pub fn enforce(problems: Vec<Problem>, force: bool) -> Result<(), Failure> {
    if let Some(p) = problems.iter().find(|p| !p.overridable) {
        return Err(Failure::usage(p.message.clone()));
    }
    if let (Some(p), false) = (problems.first(), force) {
        return Err(Failure::usage(format!(
            "{} (--force compares anyway)",
            p.message
        )));
    }
    for p in &problems {
        tracing::warn!("{} (comparing anyway: --force)", terminal(&p.message));
    }
    Ok(())
}

/// When the export started, if its metadata says.
pub fn started_at(meta: &Loaded) -> Option<String> {
    Some(meta.as_ref().ok()?.started_at.clone())
}

/// The kinds of change neither export can show: with `--fields`, those
/// none of whose fields were exported.
pub fn not_compared(old: &Loaded, new: &Loaded) -> Vec<ChangeKind> {
    let exported = |kind: ChangeKind, meta: &Loaded| -> bool {
        let Some(fields) = meta.as_ref().ok().and_then(|m| m.fields.as_ref()) else {
            return true;
        };
        paths_of(kind).any(|path| {
            fields.iter().any(|f| {
                // `ip.services` covers `ip.services.port`, and the other way.
                *f == path
                    || path
                        .strip_prefix(f.as_str())
                        .is_some_and(|r| r.starts_with('.'))
                    || f.strip_prefix(path.as_str())
                        .is_some_and(|r| r.starts_with('.'))
            })
        })
    };
    ChangeKind::ALL
        .into_iter()
        .filter(|&k| !matches!(k, ChangeKind::Added | ChangeKind::Removed))
        .filter(|&k| !exported(k, old) && !exported(k, new))
        .collect()
}

fn shown(v: &Option<String>) -> String {
    v.as_deref()
        .map_or_else(|| "none".to_owned(), |s| format!("{s:?}"))
}

fn set(v: &[String]) -> BTreeSet<&str> {
    v.iter().map(String::as_str).collect()
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "none".to_owned()
    } else {
        v.join(",")
    }
}

/// The name of `--format` or `--rows` value `v`, as the flag takes it.
fn value_name(v: impl clap::ValueEnum) -> String {
    v.to_possible_value()
        .map_or_else(String::new, |p| p.get_name().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(json: &str) -> Loaded {
        serde_json::from_str(json).map_err(|e| Problem::fatal(e.to_string()))
    }

    const GOOD: &str = r#"{"schema_version":1,"tool":"falcon-exposure 0","format":"jsonl",
        "rows":"assets","filter":null,"cids":["c1"],"fields":null,"started_at":"t",
        "finished_at":"u","finished":true,"assets":3,"incomplete":null}"#;

    fn messages(a: &str, b: &str) -> Vec<String> {
        problems(Path::new("a"), &meta(a), Path::new("b"), &meta(b))
            .into_iter()
            .map(|p| p.message)
            .collect()
    }

    #[test]
    fn equal_finished_exports_have_no_problem() {
        assert!(messages(GOOD, GOOD).is_empty());
        let two = GOOD.replace(r#"["c1"]"#, r#"["c1","c2"]"#);
        let reordered = GOOD.replace(r#"["c1"]"#, r#"["c2","c1"]"#);
        assert!(messages(&two, &reordered).is_empty());
    }

    #[test]
    fn each_difference_is_a_problem() {
        let cases = [
            (
                GOOD.replace("\"filter\":null", "\"filter\":\"x:'y'\""),
                "different filters",
            ),
            (GOOD.replace("[\"c1\"]", "[\"c2\"]"), "different CIDs"),
            (
                GOOD.replace("\"fields\":null", "\"fields\":[\"id\"]"),
                "different --fields",
            ),
            (
                GOOD.replace("\"finished\":true", "\"finished\":false"),
                "did not finish",
            ),
            (
                GOOD.replace(
                    "\"incomplete\":null",
                    "\"incomplete\":{\"expected\":9,\"received\":3}",
                ),
                "3 of 9 assets",
            ),
        ];
        for (other, expected) in cases {
            let m = messages(GOOD, &other);
            assert!(m.iter().any(|m| m.contains(expected)), "{expected}: {m:?}");
        }
    }

    #[test]
    fn csv_and_fields_without_id_cannot_be_forced() {
        let csv = GOOD.replace("jsonl", "csv");
        let p = problems(Path::new("a"), &meta(&csv), Path::new("b"), &meta(GOOD));
        let e = enforce(p, true).unwrap_err().to_string();
        assert!(e.contains("a csv export"), "{e}");
        let services = GOOD.replace("\"rows\":\"assets\"", "\"rows\":\"services\"");
        let p = problems(
            Path::new("a"),
            &meta(GOOD),
            Path::new("b"),
            &meta(&services),
        );
        let e = enforce(p, true).unwrap_err().to_string();
        assert!(e.contains("b: an export of services rows"), "{e}");
        let no_id = GOOD.replace("\"fields\":null", "\"fields\":[\"criticality\"]");
        let p = problems(Path::new("a"), &meta(&no_id), Path::new("b"), &meta(&no_id));
        assert!(
            enforce(p, true)
                .unwrap_err()
                .to_string()
                .contains("without id")
        );
    }

    #[test]
    fn kinds_without_fields_are_not_compared() {
        let fields = GOOD.replace(
            "\"fields\":null",
            "\"fields\":[\"id\",\"criticality\",\"ip.services\"]",
        );
        let m = meta(&fields);
        assert_eq!(
            not_compared(&m, &m),
            [ChangeKind::Exposure, ChangeKind::Triage]
        );
        assert!(not_compared(&meta(GOOD), &meta(GOOD)).is_empty());
    }

    #[test]
    fn a_cut_file_is_a_problem() {
        assert!(count_problem(Path::new("a"), &meta(GOOD), 3).is_none());
        let p = count_problem(Path::new("a"), &meta(GOOD), 2).unwrap();
        assert!(p.message.contains("holds 2 assets"), "{}", p.message);
    }

    #[test]
    fn unreadable_metadata_is_a_problem_force_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let export = dir.path().join("a.jsonl");
        let absent = load(&export).unwrap_err();
        assert!(!absent.overridable && absent.message.contains("a.jsonl"));

        std::fs::write(&export, "").unwrap();
        let missing = load(&export).unwrap_err();
        assert!(missing.overridable, "{}", missing.message);
        assert!(
            missing.message.contains("no metadata file")
                && missing.message.contains("a.jsonl.meta.json"),
            "{}",
            missing.message
        );

        let newer = GOOD.replace("\"schema_version\":1", "\"schema_version\":2");
        std::fs::write(meta::path_for(&export), newer).unwrap();
        let newer = load(&export).unwrap_err();
        assert!(newer.overridable, "{}", newer.message);
        assert!(
            newer.message.contains("schema version 2"),
            "{}",
            newer.message
        );

        std::fs::write(meta::path_for(&export), "[]").unwrap();
        let invalid = load(&export).unwrap_err();
        assert!(invalid.overridable, "{}", invalid.message);
        assert!(
            invalid.message.contains("not an export metadata file"),
            "{}",
            invalid.message
        );

        std::fs::write(meta::path_for(&export), GOOD).unwrap();
        assert!(load(&export).is_ok());
    }
}
