//! The `--state` file: where an export stands, so that the same command
//! goes on after an interruption and writes each asset exactly once.
//!
//! It is saved (atomically) only after the output was flushed and synced,
//! so the output on disk always holds at least `bytes` bytes, and those
//! bytes are exactly the rows of the assets the saved resume points cover.
//! An older state is as good as the last one: a resume cuts the output back
//! to the state's `bytes` and fetches again what came after.

use std::io::Read;
use std::path::{Path, PathBuf};

use falcon_exposure::ResumePoint;
use serde::{Deserialize, Serialize};

use crate::exit::Failure;
use crate::export::atomic;
use crate::export::meta::{Format, Incomplete, Rows};
use crate::output::terminal;

/// The version of the state format written; others are refused.
const VERSION: u32 = 1;

/// Largest state file read. A resume point lists at most the ids of the
/// id pages in flight (tens of thousands), well under this.
const MAX_LEN: u64 = 256 << 20;

/// What an export was asked for: a resume with other parameters is
/// refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// The output file, as an absolute path.
    pub out: PathBuf,
    /// `--format`.
    pub format: Format,
    /// `--rows`.
    pub rows: Rows,
    /// `--filter`.
    pub filter: Option<String>,
    /// `--fields`.
    pub fields: Option<Vec<String>>,
    /// `--cid`, in order.
    pub cids: Vec<String>,
}

/// One account's progress: the credentials' own, or a member CID's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The member CID, `None` for the credentials' own account.
    pub cid: Option<String>,
    /// Assets written.
    pub assets: u64,
    /// Ids listed whose details were then not found (deleted meanwhile).
    #[serde(default)]
    pub missing: u64,
    /// Where its export stands; `None` before the first save.
    pub point: Option<ResumePoint>,
    /// Exported to its end.
    pub finished: bool,
    /// The API announced more assets than it sent.
    pub incomplete: Option<Incomplete>,
    /// Why its last run failed (one line); it is tried again on resume.
    pub error: Option<String>,
}

/// The state file's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// [`VERSION`].
    pub version: u32,
    /// The tool that wrote it.
    pub tool: String,
    /// The export's parameters.
    pub params: Params,
    /// When its first run started (RFC 3339).
    pub started_at: String,
    /// The output's length that the points cover.
    pub bytes: u64,
    /// One per account, in export order.
    pub accounts: Vec<Account>,
}

impl State {
    /// Whether every account was exported to its end.
    pub fn finished(&self) -> bool {
        self.accounts.iter().all(|a| a.finished)
    }

    /// Refuses a resume with other parameters, naming the first that
    /// differs.
    pub fn check(&self, params: &Params, path: &Path) -> Result<(), Failure> {
        let saved = &self.params;
        // As the state file spells them: `"csv"`, `null`, `["a","b"]`.
        fn show<T: Serialize>(v: &T) -> String {
            terminal(&serde_json::to_string(v).unwrap_or_default()).into_owned()
        }
        let differs = if saved.out != params.out {
            Some(("--out", show(&saved.out), show(&params.out)))
        } else if saved.format != params.format {
            Some(("--format", show(&saved.format), show(&params.format)))
        } else if saved.rows != params.rows {
            Some(("--rows", show(&saved.rows), show(&params.rows)))
        } else if saved.filter != params.filter {
            Some(("--filter", show(&saved.filter), show(&params.filter)))
        } else if saved.fields != params.fields {
            Some(("--fields", show(&saved.fields), show(&params.fields)))
        } else if saved.cids != params.cids {
            Some(("--cid", show(&saved.cids), show(&params.cids)))
        } else {
            None
        };
        match differs {
            None => Ok(()),
            Some((flag, was, now)) => Err(Failure::usage(format!(
                "--state {}: it belongs to another export ({flag} was {was}, now {now}); \
                 run the same command again, or delete the state file to start over",
                path.display()
            ))),
        }
    }
}

/// Reads the state at `path`; `None` when there is none.
pub fn load(path: &Path) -> Result<Option<State>, Failure> {
    let shown = path.display();
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Failure::io(format!("reading --state {shown}"))(e)),
    };
    let mut text = Vec::new();
    file.take(MAX_LEN + 1)
        .read_to_end(&mut text)
        .map_err(Failure::io(format!("reading --state {shown}")))?;
    let state: State = match serde_json::from_slice(&text) {
        Ok(state) if text.len() as u64 <= MAX_LEN => state,
        Ok(_) => return Err(not_a_state(path, "it is too large")),
        Err(e) => return Err(not_a_state(path, &e.to_string())),
    };
    if state.version != VERSION {
        return Err(not_a_state(
            path,
            &format!(
                "its version is {}, this tool reads {VERSION}",
                state.version
            ),
        ));
    }
    Ok(Some(state))
}

fn not_a_state(path: &Path, why: &str) -> Failure {
    Failure::usage(format!(
        "--state {} is not an export state file of this tool ({}); \
         give another path, or delete it to start over",
        path.display(),
        terminal(why)
    ))
}

/// Saves `state` to `path` atomically. Call it only once the output is
/// flushed and synced up to `state.bytes`.
pub fn save(path: &Path, state: &State) -> Result<(), Failure> {
    let text = serde_json::to_vec(state)
        .map_err(|e| Failure::usage(format!("cannot encode the state {}: {e}", path.display())))?;
    atomic::write(path, &text)
}

/// The accounts of an export of `cids` (the credentials' own when none),
/// before anything is written.
pub fn accounts(cids: &[String]) -> Vec<Account> {
    if cids.is_empty() {
        return vec![Account::default()];
    }
    cids.iter()
        .map(|cid| Account {
            cid: Some(cid.clone()),
            ..Account::default()
        })
        .collect()
}

/// A new state for `params`, before anything is written.
pub fn new(params: Params, started_at: String) -> State {
    let accounts = accounts(&params.cids);
    State {
        version: VERSION,
        tool: crate::export::meta::tool(),
        params,
        started_at,
        bytes: 0,
        accounts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Params {
        Params {
            out: PathBuf::from("/x/out.jsonl"),
            format: Format::Jsonl,
            rows: Rows::Assets,
            filter: None,
            fields: None,
            cids: vec![],
        }
    }

    #[test]
    fn a_state_round_trips_and_refuses_other_parameters() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        assert_eq!(load(&path).unwrap(), None);
        let state = new(params(), "2026-01-01T00:00:00Z".into());
        save(&path, &state).unwrap();
        let back = load(&path).unwrap().unwrap();
        assert_eq!(back, state);
        assert!(!back.finished());
        assert!(back.check(&params(), &path).is_ok());
        let mut other = params();
        other.filter = Some("asset_type:'ip'".into());
        let err = back.check(&other, &path).unwrap_err().to_string();
        assert!(
            err.contains("--filter was null, now \"asset_type:'ip'\""),
            "{err}"
        );
    }

    #[test]
    fn a_foreign_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, b"{\"hello\": 1}").unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("not an export state file"), "{err}");
    }
}
