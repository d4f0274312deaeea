//! CSV cells of triage files: written with the tool's formula
//! neutralisation, read back to the value they hold, and the marker of a
//! value that an undo file cannot restore.

use std::borrow::Cow;

use crate::output::csv_cell;

/// In an undo file: the field was unset before, and a PATCH can set a
/// field but not unset it.
pub const UNSET: &str = "was unset, cannot restore";

/// The characters that make a spreadsheet read a cell as a formula.
fn starts_formula(s: &str) -> bool {
    matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'))
}

/// Whether `s` is quotes then a formula character: the form [`csv_cell`]
/// gives, which [`decode`] reads back without one quote.
fn quoted_formula(s: &str) -> bool {
    s.starts_with('\'') && starts_formula(s.trim_start_matches('\''))
}

/// A value as a cell: [`csv_cell`], plus one more quote when the value
/// itself looks neutralised, so that [`decode`] gives it back exactly.
pub fn encode(value: &str) -> Cow<'_, str> {
    if quoted_formula(value) {
        Cow::Owned(format!("'{value}"))
    } else {
        csv_cell(value)
    }
}

/// The value a cell holds: the quote that [`encode`] (or a spreadsheet
/// user) put before a formula character is dropped.
pub fn decode(cell: &str) -> &str {
    if quoted_formula(cell) {
        &cell[1..]
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_back_exactly_and_are_never_formulas() {
        for v in [
            "=HYPERLINK(\"http://x\")",
            "'=already",
            "''-two",
            "+1",
            "-",
            "@SUM(A1)",
            "\tx",
            "'plain",
            "plain",
            "",
        ] {
            let cell = encode(v);
            assert!(!starts_formula(&cell), "{v:?} as {cell:?}");
            assert_eq!(decode(&cell), v, "{v:?} as {cell:?}");
        }
    }
}
