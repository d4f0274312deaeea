//! Parquet: an export's columns as typed Parquet columns ([`write`](mod@write)), the
//! schema they get from the models ([`schema`]), and the rows read back as
//! JSON objects for `diff` ([`read`]).

pub mod read;
pub mod schema;
pub mod write;

use crate::exit::Failure;

/// Refuses the export flags Parquet cannot honour: stdout, and `--state`.
pub fn check_export_flags(has_out: bool, has_state: bool) -> Result<(), Failure> {
    if !has_out {
        return Err(Failure::usage(
            "--format parquet writes a binary file: give --out PATH \
             (stdout takes --format jsonl or csv)",
        ));
    }
    if has_state {
        // A Parquet file is readable only once its footer (the index of
        // its row groups), written last, is there: a file cut short by a
        // kill cannot be continued in place.
        return Err(Failure::usage(
            "--state cannot resume a Parquet export: a Parquet file is readable only once \
             its footer, written at the very end, is there, so one cut short cannot be \
             continued. Export without --state (the file is then written whole or not at \
             all), or resume with --format jsonl --state and convert the finished file",
        ));
    }
    Ok(())
}
