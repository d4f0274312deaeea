//! The triage CSV read into rows: its header checked as a whole (a bad
//! header is a usage error), each row checked on its own (a bad row is
//! reported by its number and the others go on).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use falcon_exposure::vocabularies::Criticality;

use crate::exit::Failure;
use crate::output::terminal;
use crate::triage::cell::{UNSET, decode};
use crate::triage::failure::RowFailure;
use crate::triage::fields::{CID, Field, ID, header};

/// A row that sets something.
#[derive(Debug, Clone)]
pub struct Row {
    /// Its row number in the file (the header is row 1).
    pub line: u64,
    /// The asset id.
    pub id: String,
    /// The asset's customer id.
    pub cid: String,
    /// The values to set, decoded; empty cells and undo markers left out.
    pub values: BTreeMap<Field, String>,
}

/// What the file holds.
#[derive(Debug, Default)]
pub struct Input {
    /// The rows to look at.
    pub rows: Vec<Row>,
    /// The rows that cannot go.
    pub failures: Vec<RowFailure>,
    /// Rows that set nothing, with why.
    pub skipped: Vec<RowFailure>,
}

/// Which column holds what.
struct Columns {
    id: usize,
    cid: usize,
    fields: Vec<(usize, Field)>,
    len: usize,
}

impl Columns {
    fn new(names: &[String]) -> Result<Columns, String> {
        let (mut id, mut cid, mut fields) = (None, None, Vec::new());
        for (i, name) in names.iter().enumerate() {
            let name = name.trim().to_ascii_lowercase();
            let slot = match name.as_str() {
                ID => &mut id,
                CID => &mut cid,
                other => match Field::from_column(other) {
                    Some(f) if fields.iter().any(|&(_, g)| g == f) => {
                        return Err(format!("the column {other} is there twice"));
                    }
                    Some(f) => {
                        fields.push((i, f));
                        continue;
                    }
                    None => return Err(unknown_column(other)),
                },
            };
            if slot.replace(i).is_some() {
                return Err(format!("the column {name} is there twice"));
            }
        }
        let id = id.ok_or("no id column: the first row must name the columns, id among them")?;
        let cid = cid.ok_or(
            "no cid column: the PATCH body needs each asset's customer id (MSSP: the member CID)",
        )?;
        if fields.is_empty() {
            return Err(format!(
                "no column to set: give one or more of {}",
                Field::ALL.map(Field::column).join(", ")
            ));
        }
        Ok(Columns {
            id,
            cid,
            fields,
            len: names.len(),
        })
    }
}

fn unknown_column(name: &str) -> String {
    let columns = header();
    let closest = columns
        .iter()
        .max_by(|a, b| strsim::jaro_winkler(name, a).total_cmp(&strsim::jaro_winkler(name, b)))
        .copied()
        .unwrap_or(ID);
    format!(
        "unknown column \"{}\" (did you mean {closest}?); the columns are {}",
        terminal(name),
        columns.join(", ")
    )
}

/// Reads the CSV at `path`.
pub fn read(path: &Path) -> Result<Input, Failure> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(Failure::io(format!("cannot read {shown}")))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(std::io::BufReader::new(file));
    let mut records = reader.byte_records();
    let bad = |why: String| Failure::usage(format!("{shown}: {why}"));
    let names = match records.next() {
        None => {
            return Err(bad(
                "the file is empty: the first row must name the columns".into(),
            ));
        }
        Some(Err(e)) => return Err(bad(format!("the header row cannot be read: {e}"))),
        Some(Ok(r)) => r
            .iter()
            .map(|c| {
                String::from_utf8_lossy(c)
                    .trim_start_matches('\u{feff}')
                    .to_owned()
            })
            .collect::<Vec<_>>(),
    };
    let columns = Columns::new(&names).map_err(bad)?;
    let mut input = Input::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                input
                    .failures
                    .push(RowFailure::new(line, None, format!("malformed row: {e}")));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        match row(&columns, &record, line) {
            Ok(r) => match seen.get(&r.id) {
                Some(first) => input.failures.push(RowFailure::new(
                    line,
                    Some(&r.id),
                    format!("the id is on row {first} already: one row per asset"),
                )),
                None => {
                    seen.insert(r.id.clone(), line);
                    input.rows.push(r);
                }
            },
            Err((id, reason, skip)) => {
                let f = RowFailure::new(line, id.as_deref(), reason);
                if skip {
                    input.skipped.push(f);
                } else {
                    input.failures.push(f);
                }
            }
        }
    }
    Ok(input)
}

/// Why a row does not go: its id if it has one, the reason, and whether
/// it merely sets nothing (skipped, not failed).
type Refusal = (Option<String>, String, bool);

/// One record as a row.
fn row(columns: &Columns, record: &csv::ByteRecord, line: u64) -> Result<Row, Refusal> {
    let cells: Vec<&str> = record
        .iter()
        .map(std::str::from_utf8)
        .collect::<Result<_, _>>()
        .map_err(|_| {
            (
                None,
                "malformed row: not UTF-8 text (save the file as UTF-8)".into(),
                false,
            )
        })?;
    if cells.iter().all(|c| c.trim().is_empty()) {
        return Err((None, "empty row".into(), false));
    }
    if cells.len() != columns.len {
        return Err((
            None,
            format!(
                "malformed row: {} cells, the header has {} (a comma in a value needs the value in double quotes)",
                cells.len(),
                columns.len
            ),
            false,
        ));
    }
    let id = cells[columns.id].trim();
    if id.is_empty() {
        return Err((None, "no id".into(), false));
    }
    let id = id.to_owned();
    let refuse = |reason: String| (Some(id.clone()), reason, false);
    let cid = cells[columns.cid].trim();
    if cid.is_empty() {
        return Err(refuse(
            "no cid: the PATCH body needs the asset's customer id (32 hex digits)".into(),
        ));
    }
    if !is_cid(cid) {
        return Err(refuse(format!(
            "cid \"{}\" is not a customer id (32 hex digits, optionally followed by -XX)",
            terminal(cid)
        )));
    }
    let mut values = BTreeMap::new();
    let mut markers = 0;
    for &(i, field) in &columns.fields {
        let cell = cells[i];
        if cell.trim().is_empty() {
            continue;
        }
        if cell == UNSET {
            markers += 1;
            continue;
        }
        let value = decode(cell);
        if field == Field::Criticality {
            check_criticality(value.trim()).map_err(refuse)?;
            values.insert(field, value.trim().to_owned());
        } else {
            values.insert(field, value.to_owned());
        }
    }
    if values.is_empty() {
        let why = if markers > 0 {
            "nothing to restore: every value was unset before".to_owned()
        } else {
            "nothing to set: every cell but id and cid is empty".to_owned()
        };
        return Err((Some(id), why, true));
    }
    Ok(Row {
        line,
        id,
        cid: cid.to_owned(),
        values,
    })
}

/// 32 hex digits, optionally `-` and a two-character checksum (the form
/// PSFalcon validates).
pub fn is_cid(s: &str) -> bool {
    let (hex, suffix) = match s.split_once('-') {
        Some((hex, suffix)) => (hex, Some(suffix)),
        None => (s, None),
    };
    hex.len() == 32
        && hex.chars().all(|c| c.is_ascii_hexdigit())
        && suffix.is_none_or(|x| x.len() == 2 && x.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

/// The customer id without its checksum, in lower case, to compare.
pub fn cid_key(s: &str) -> String {
    s.split('-').next().unwrap_or(s).to_ascii_lowercase()
}

/// A criticality level as the API spells it, else why not and the
/// closest level.
fn check_criticality(value: &str) -> Result<(), String> {
    if !Criticality::parse(value).is_unknown() {
        return Ok(());
    }
    let lower = value.to_lowercase();
    let closest = Criticality::ALL
        .iter()
        .map(Criticality::as_str)
        .max_by(|a, b| {
            let score = |s: &str| strsim::jaro_winkler(&lower, &s.to_lowercase());
            score(a).total_cmp(&score(b))
        })
        .unwrap_or("Unassigned");
    let levels: Vec<&str> = Criticality::ALL.iter().map(Criticality::as_str).collect();
    Err(format!(
        "criticality \"{}\" is not one of {} (case matters): did you mean {closest}?",
        terminal(value),
        levels.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cids_are_32_hex_digits_with_an_optional_checksum() {
        assert!(is_cid("0123456789abcdef0123456789ABCDEF"));
        assert!(is_cid("0123456789abcdef0123456789abcdef-1a"));
        assert!(!is_cid("0123456789abcdef0123456789abcde"));
        assert!(!is_cid("0123456789abcdef0123456789abcdeg"));
        assert!(!is_cid("0123456789abcdef0123456789abcdef-123"));
        assert_eq!(
            cid_key("0123456789ABCDEF0123456789abcdef-1a"),
            "0123456789abcdef0123456789abcdef"
        );
    }

    #[test]
    fn a_bad_criticality_names_the_closest_level() {
        assert!(check_criticality("High").is_ok());
        let e = check_criticality("high").expect_err("case matters");
        assert!(e.ends_with("did you mean High?"), "{e}");
        let e = check_criticality("Non-critical").expect_err("not a level");
        assert!(e.ends_with("did you mean Noncritical?"), "{e}");
    }

    #[test]
    fn a_header_without_cid_or_with_an_unknown_column_is_refused() {
        let names = |s: &str| s.split(',').map(str::to_owned).collect::<Vec<_>>();
        assert!(Columns::new(&names("id,criticality")).is_err());
        let e = Columns::new(&names("id,cid,statuss"))
            .err()
            .expect("unknown");
        assert!(e.contains("did you mean status?"), "{e}");
        assert!(Columns::new(&names("ID, cid ,Status")).is_ok());
    }
}
