//! The two files of an `--apply`: the undo CSV, written whole before the
//! first PATCH, and the audit JSON Lines file, a line per asset as its
//! PATCH ends. Neither replaces an existing file unless told to.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use falcon_exposure::models::FemExternalAsset;

use crate::exit::Failure;
use crate::triage::apply::Outcome;
use crate::triage::cell::{UNSET, encode};
use crate::triage::fields::{Field, header};
use crate::triage::plan::Planned;

/// The default path of a file written beside `input`: its stem and
/// `suffix` (`triage.csv` → `triage.undo.csv`).
pub fn beside(input: &Path, suffix: &str) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "triage".into());
    input.with_file_name(format!("{stem}{suffix}"))
}

/// Refuses `path` when it exists (unless `overwrite`) or is the input.
pub fn check_free(path: &Path, input: &Path, flag: &str, overwrite: bool) -> Result<(), Failure> {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same(path, input) {
        return Err(Failure::usage(format!(
            "{flag} {} is the input file: give another path",
            path.display()
        )));
    }
    if path.exists() && !overwrite {
        return Err(Failure::usage(format!(
            "{} exists already (the {flag} file): give another path with {flag}, move it, \
             or pass --overwrite to replace it",
            path.display()
        )));
    }
    Ok(())
}

/// Opens `path` for writing: a new file, or any with `overwrite`.
fn create(path: &Path, overwrite: bool) -> Result<File, Failure> {
    let mut options = OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    options
        .open(path)
        .map_err(Failure::io(format!("cannot create {}", path.display())))
}

/// Writes the undo CSV: for each asset to change, the values it has now
/// of the fields that change; a field that is unset now is marked
/// [`UNSET`], since a PATCH cannot unset it.
pub fn write_undo(path: &Path, overwrite: bool, planned: &[&Planned]) -> Result<(), Failure> {
    let what = || format!("cannot write {}", path.display());
    let file = create(path, overwrite)?;
    let mut out = csv::Writer::from_writer(BufWriter::new(file));
    let io = |e: csv::Error| Failure::usage(format!("{}: {e}", what()));
    out.write_record(header()).map_err(io)?;
    for p in planned {
        let mut record = vec![
            encode(&p.row.id).into_owned(),
            encode(&p.row.cid).into_owned(),
        ];
        for field in Field::ALL {
            let cell = match p.changes.iter().find(|c| c.field == field) {
                Some(c) => match &c.before {
                    Some(v) => encode(v).into_owned(),
                    None => UNSET.to_owned(),
                },
                None => String::new(),
            };
            record.push(cell);
        }
        out.write_record(&record).map_err(io)?;
    }
    let file = out
        .into_inner()
        .map_err(|e| Failure::usage(format!("{}: {e}", what())))?
        .into_inner()
        .map_err(|e| Failure::io(what())(e.into_error()))?;
    // On disk before the first PATCH: the undo must outlive a crash.
    file.sync_all().map_err(Failure::io(what()))
}

/// The audit file, a JSON object per line.
pub struct Audit {
    out: BufWriter<File>,
    path: PathBuf,
}

/// The triage fields of `asset`, by schema name (`null`: unset).
fn fields(asset: &FemExternalAsset) -> Value {
    let map: Map<String, Value> = Field::ALL
        .into_iter()
        .map(|f| {
            (
                f.schema().to_owned(),
                f.current(asset).map_or(Value::Null, Value::String),
            )
        })
        .collect();
    Value::Object(map)
}

impl Audit {
    /// Creates the file at `path`.
    pub fn create(path: &Path, overwrite: bool) -> Result<Audit, Failure> {
        Ok(Audit {
            out: BufWriter::new(create(path, overwrite)?),
            path: path.to_owned(),
        })
    }

    /// One asset's line: when, the row, the result, and the asset's
    /// fields before and after (as the reply gave them; `null` when it
    /// did not), with what was asked.
    pub fn record(&mut self, p: &Planned, outcome: &Outcome) -> Result<(), Failure> {
        let time = OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_else(|_| "unknown".into());
        let requested: Map<String, Value> = p
            .changes
            .iter()
            .map(|c| (c.field.schema().to_owned(), Value::String(c.after.clone())))
            .collect();
        let after = match outcome {
            Outcome::Applied(Some(asset)) => fields(asset),
            _ => Value::Null,
        };
        let line = json!({
            "time": time,
            "row": p.row.line,
            "id": p.row.id,
            "cid": p.row.cid,
            "member_cid": p.member,
            "result": outcome.label(),
            "error": outcome.failure(),
            "requested": requested,
            "before": fields(&p.before),
            "after": after,
        });
        let what = || format!("cannot write {}", self.path.display());
        serde_json::to_writer(&mut self.out, &line)
            .map_err(|e| Failure::usage(format!("{}: {e}", what())))?;
        self.out.write_all(b"\n").map_err(Failure::io(what()))?;
        // A line per PATCH result on disk as it comes: the record of what
        // was written survives an interruption.
        self.out.flush().map_err(Failure::io(what()))
    }
}
