//! What the run tells the analyst: the changes row by row on stdout, the
//! rows that failed on stderr, every value through [`terminal`].

use std::fmt::Write as _;

use crate::output::terminal;
use crate::triage::fields::Field;
use crate::triage::plan::Planned;

/// A value or `(unset)`, for a terminal.
fn shown(value: Option<&str>) -> String {
    match value {
        Some(v) => format!("\"{}\"", terminal(v)),
        None => "(unset)".to_owned(),
    }
}

/// The lines of one planned row: its asset, then a line per field that
/// changes.
pub fn planned(p: &Planned) -> String {
    let mut out = format!("row {}  {}", p.row.line, terminal(&p.row.id));
    if let Some(member) = &p.member {
        let _ = write!(out, "  (member CID {})", terminal(member));
    }
    if p.changes.is_empty() {
        out.push_str("  no change");
    }
    for c in &p.changes {
        let _ = write!(
            out,
            "\n    {:<28} {} -> {}",
            c.field.schema(),
            shown(c.before.as_deref()),
            shown(Some(&c.after))
        );
    }
    out
}

/// The columns a triage file can have, with the schema field each sets,
/// for `--help`.
pub fn columns_help() -> String {
    let mut out = String::from(
        "Columns (first row; names in any order and case):\n  \
         id                       the external asset's id (assets[].id), required\n  \
         cid                      the asset's customer id, 32 hex digits (assets[].cid), required\n",
    );
    for f in Field::ALL {
        let _ = writeln!(out, "  {:<24} sets assets[].{}", f.column(), f.schema());
    }
    out
}
