//! Filters are checked before anything is sent, and so are their values:
//! `criticality:'high'` and `asset_type:'ipp'` are valid FQL that export 0
//! assets without a word (the API compares values as spelt, `High`).

use falcon_exposure::fields::external_assets::TABLE;
use falcon_exposure::fql::Filter;

use crate::exit::Failure;
use crate::output::terminal;

/// Parses `text` against the external-asset filter table: a syntax error
/// or an unknown field is a usage error (exit 2). A value outside its
/// field's known values is a warning on stderr naming the closest known
/// value, or with `strict` a usage error.
pub fn check(text: &str, strict: bool) -> Result<Filter, Failure> {
    let filter = Filter::parse_with(text, Some(&TABLE))
        .map_err(|e| Failure::usage(format!("--filter: {}", terminal(&e.to_string()))))?;
    let unknown = filter.unknown_values(&TABLE);
    if strict && !unknown.is_empty() {
        let all: Vec<String> = unknown.iter().map(|u| u.to_string()).collect();
        return Err(Failure::usage(format!(
            "--filter: {} (--strict refuses values outside a field's known values)",
            terminal(&all.join("; "))
        )));
    }
    for u in &unknown {
        eprintln!("warning: --filter: {}", terminal(&u.to_string()));
    }
    Ok(filter)
}
