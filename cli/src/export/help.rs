//! The `--help` text of `export` after its flags: formats, columns,
//! metadata and state.

use crate::export::columns;

/// The `--help` text after the flags.
pub fn long_help() -> String {
    format!(
        "\
Formats:
  jsonl  One JSON object per line. With --rows assets and no --fields, the
         whole asset as the API sent it (members the tool does not know
         included); with --cid, its `cid` is filled in if the API left it
         out. Otherwise an object of the columns, keyed by their
         names; a column whose path crosses a list is a JSON list.
  csv    A header row, then one row per asset or service, quoted as RFC 4180
         (commas, quotes, newlines). A list (e.g. ip.services.port of an
         asset, or the FQDNs) is written as its values joined with `;`.
         A cell that a spreadsheet would run as a formula (starting with
         =, +, -, @, tab or CR) is prefixed with '.
  parquet  Typed columns: times as UTC timestamps (microseconds),
         integers as 64-bit integers, true/false as booleans, the rest as
         text; a column whose path crosses a list is a list. Requires
         --out; --state is refused (a Parquet file cut short cannot be
         continued). Its default columns add what `diff` compares:
         {}.

Default columns:
  {}
  with --rows services, also:
  {}
  With --cid, a `cid` column is added first if --fields has none.

Columns (--fields), as named by the filter fields, plus cid, status,
triage.description and ip.services.id; with --rows services, service.NAME is
the row's service's NAME and service.parent says where it is (ip or
dns_domain):
{}

Metadata: with --out, OUT.meta.json beside it records the format, rows,
filter, CIDs, fields, start and end times, whether the export finished,
the number of assets, and `incomplete` ({{\"expected\": n, \"received\": n}})
when the API announced more assets than it sent (a warning, exit 3). A
sidecar file keeps OUT itself pure JSON Lines or CSV. `diff` reads it. OUT,
its metadata and the state file are readable by their owner only.

State (--state PATH): the output is written in place and PATH records, per
account, the point the export reached and the output's length there (saved
every second, after the output is synced), and the export's parameters.
Run the same command after an interruption (Ctrl-C, a kill, a lost network)
and it cuts OUT back to that length and goes on: each asset is written
exactly once. Other parameters are refused. Once finished, running it again
says so and exits 0; delete PATH to export again. A failed --cid is tried
again on the next run.

Rows that could not be fetched: an asset listed and then not found (deleted
meanwhile) is skipped with a warning. Any other API failure fails the
account: without --state, its rows are removed (the whole file when it is
the only account); with --state, the next run fetches them again.",
        columns::parquet_facts().join(","),
        columns::DEFAULT_ASSET.join(","),
        columns::DEFAULT_SERVICE.join(","),
        columns::help_list(),
    )
}
