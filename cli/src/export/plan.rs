//! The export's plan: the flags checked (nothing sent yet) and what they
//! make of the output.

use std::path::{Path, PathBuf};

use crate::exit::Failure;
use crate::export::encode::Layout;
use crate::export::meta::{self, Format, Incomplete, Meta, Rows};
use crate::export::state::{Account, Params};
use crate::export::{ExportArgs, columns};
use crate::output::terminal;

/// What is exported, and how, once the flags are checked.
pub struct Plan {
    pub filter: Option<String>,
    pub format: Format,
    pub rows: Rows,
    /// `--fields` as resolved (with the `cid` column added for members).
    pub fields: Option<Vec<String>>,
    pub layout: Layout,
    pub cids: Vec<String>,
}

impl Plan {
    /// Checks every flag; nothing is sent.
    pub fn new(args: &ExportArgs) -> Result<Plan, Failure> {
        let filter = match args.filter.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => {
                crate::filter_check::check(text, args.strict)?;
                Some(text.to_owned())
            }
        };
        let mut cids: Vec<String> = Vec::with_capacity(args.cids.len());
        for cid in args.cids.iter().map(|c| c.trim()) {
            if cid.is_empty() {
                return Err(Failure::usage("--cid: empty CID; give a member CID"));
            }
            if cids.iter().any(|c| c.eq_ignore_ascii_case(cid)) {
                return Err(Failure::usage(format!(
                    "--cid {} is given twice; give each member CID once",
                    terminal(cid)
                )));
            }
            cids.push(cid.to_owned());
        }
        if args.format == Format::Parquet {
            crate::parquet::check_export_flags(args.out.is_some(), args.state.is_some())?;
        }
        let whole = args.format == Format::Jsonl && args.rows == Rows::Assets;
        let parquet_defaults = (args.format == Format::Parquet && args.rows == Rows::Assets)
            .then(columns::parquet_defaults);
        let (layout, fields) = match (&args.fields, whole) {
            (None, true) => (Layout::WholeAsset, None),
            (fields, _) => {
                let names = fields.as_deref().or(parquet_defaults.as_deref());
                let mut columns = columns::resolve(names, args.rows)?;
                if !cids.is_empty() {
                    columns = columns::with_cid(columns);
                }
                let names = fields
                    .as_ref()
                    .map(|_| columns.iter().map(|c| c.name.clone()).collect());
                (Layout::Columns(columns, args.rows), names)
            }
        };
        let plan = Plan {
            filter,
            format: args.format,
            rows: args.rows,
            fields,
            layout,
            cids,
        };
        plan.check_paths(args)?;
        Ok(plan)
    }

    /// The flags that name files must not name the same file twice, and
    /// `--since` must name an export `diff` can compare with this one.
    fn check_paths(&self, args: &ExportArgs) -> Result<(), Failure> {
        let Some(out) = &args.out else {
            return Ok(());
        };
        if out.is_dir() {
            return Err(Failure::usage(format!(
                "--out {} is a directory; give a file path",
                out.display()
            )));
        }
        let same = |a: &Path, b: &Path| absolute(a).ok() == absolute(b).ok();
        if let Some(state) = &args.state
            && (same(state, out) || same(state, &meta::path_for(out)))
        {
            return Err(Failure::usage(format!(
                "--state {} would overwrite the output or its metadata; give another path",
                state.display()
            )));
        }
        if let Some(since) = &args.since {
            if self.format != Format::Jsonl || self.rows != Rows::Assets || self.fields.is_some() {
                return Err(Failure::usage(
                    "--since compares whole assets: use it with --format jsonl --rows assets \
                     and no --fields",
                ));
            }
            if same(since, out) {
                return Err(Failure::usage(
                    "--since must name an earlier export, not --out (which this export replaces)",
                ));
            }
            if !since.is_file() {
                return Err(Failure::usage(format!(
                    "--since {}: no such file; give an earlier export's path",
                    since.display()
                )));
            }
            let since_meta = meta::path_for(since);
            if since_meta.exists() {
                let earlier = meta::read(&since_meta)?;
                if earlier.format != Format::Jsonl
                    || earlier.rows != Rows::Assets
                    || earlier.fields.is_some()
                {
                    return Err(Failure::usage(format!(
                        "--since {} is not an export of whole assets in JSON Lines \
                         (see its metadata); give such an export",
                        since.display()
                    )));
                }
            }
        }
        Ok(())
    }

    pub fn params(&self, out: &Path) -> Result<Params, Failure> {
        Ok(Params {
            out: absolute(out)?,
            format: self.format,
            rows: self.rows,
            filter: self.filter.clone(),
            fields: self.fields.clone(),
            cids: self.cids.clone(),
        })
    }

    pub fn meta(&self, started_at: String, accounts: &[Account], finished: bool) -> Meta {
        Meta {
            schema_version: meta::SCHEMA_VERSION,
            tool: meta::tool(),
            format: self.format,
            rows: self.rows,
            filter: self.filter.clone(),
            cids: self.cids.clone(),
            fields: self.fields.clone(),
            started_at,
            finished_at: finished.then(meta::now),
            finished,
            assets: accounts.iter().map(|a| a.assets).sum(),
            incomplete: incomplete(accounts),
        }
    }
}

fn absolute(path: &Path) -> Result<PathBuf, Failure> {
    std::path::absolute(path).map_err(Failure::io(format!("resolving {}", path.display())))
}

/// The shortfalls of the accounts, added up.
fn incomplete(accounts: &[Account]) -> Option<Incomplete> {
    accounts
        .iter()
        .filter_map(|a| a.incomplete)
        .reduce(|a, b| Incomplete {
            expected: a.expected + b.expected,
            received: a.received + b.received,
        })
}
