//! What an export did, on stderr: a row per CID, warnings, a last line.

use std::path::PathBuf;

use crate::export::meta::Incomplete;
use crate::export::state::Account;
use crate::output::terminal;

/// What the export did, for the summary and the exit code.
pub struct Report {
    pub out: Option<PathBuf>,
    pub members: usize,
    pub failed: usize,
    pub incomplete: Option<Incomplete>,
    /// `--state` kept an unfinished output to go on with.
    pub resumable: bool,
    pub accounts: Vec<Account>,
}

impl Report {
    /// The summary on stderr: a row per CID for member exports, a line
    /// otherwise; warnings for assets missing.
    pub fn print(&self, quiet: bool) {
        let total: u64 = self.accounts.iter().map(|a| a.assets).sum();
        if self.members > 0 && (!quiet || self.failed > 0) {
            eprintln!("{}", self.table());
        }
        if quiet {
            return;
        }
        for a in &self.accounts {
            let whose = a
                .cid
                .as_deref()
                .map(|c| format!(" of {}", terminal(c)))
                .unwrap_or_default();
            if a.missing > 0 {
                eprintln!(
                    "warning: {} asset(s){whose} were listed and then not found (deleted meanwhile)",
                    a.missing
                );
            }
            if let Some(i) = a.incomplete {
                eprintln!(
                    "warning: the API announced {} assets{whose} but sent {}: the output is \
                     incomplete (recorded in its metadata); export again later",
                    i.expected, i.received
                );
            }
        }
        if self.failed < self.accounts.len() {
            let to = match &self.out {
                Some(out) => out.display().to_string(),
                None => "stdout".into(),
            };
            eprintln!("Exported {total} assets to {}.", terminal(&to));
        }
        if self.resumable && self.members > 0 {
            eprintln!(
                "The output and --state are kept: run the same command again to retry the \
                 CIDs that failed."
            );
        }
    }

    fn table(&self) -> String {
        let rows: Vec<(String, String, String)> = self
            .accounts
            .iter()
            .map(|a| {
                let status = match (&a.error, a.incomplete) {
                    (Some(e), _) => format!("failed: {e}"),
                    (None, Some(i)) => {
                        format!("incomplete: {} of {} announced", i.received, i.expected)
                    }
                    (None, None) => "ok".into(),
                };
                let cid = terminal(a.cid.as_deref().unwrap_or_default()).into_owned();
                (cid, a.assets.to_string(), status)
            })
            .collect();
        let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(3);
        let count = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max(6);
        let mut out = format!("{:<width$}  {:>count$}  STATUS", "CID", "ASSETS");
        for (cid, assets, status) in rows {
            out.push_str(&format!("\n{cid:<width$}  {assets:>count$}  {status}"));
        }
        out
    }
}
