//! Exit codes, one table for every command, and the error that carries one.

use std::process::ExitCode;

/// The exit codes of every command (also in `--help` and the README).
pub const TABLE: &str = "\
Exit codes:
  0  success
  1  diff: changes of the kinds selected with --fail-on (default: any)
  2  usage or input error (bad flag, filter, file, profile or credentials setting)
  3  partial failure: some rows or CIDs failed, the rest were done
  4  the API or the network failed (authentication, a refused request, a lost connection)
  130  interrupted (Ctrl-C, SIGTERM): an export with --state goes on when run again";

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// 0.
    Success = 0,
    /// 1: `diff` found changes of the kinds selected.
    Changes = 1,
    /// 2: usage or input error.
    Usage = 2,
    /// 3: some rows or CIDs failed, the rest were done.
    Partial = 3,
    /// 4: the API or the network failed.
    Failed = 4,
    /// 130 (128 + SIGINT, the shells' convention): stopped by Ctrl-C or
    /// SIGTERM.
    Interrupted = 130,
}

impl From<Code> for ExitCode {
    fn from(code: Code) -> ExitCode {
        ExitCode::from(code as u8)
    }
}

/// Why a command stopped: one line that names what was wrong and how to
/// fix it.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Bad flags, input files, filters or configuration (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written (exit 2).
    #[error("{what}: {source}")]
    Io {
        /// What was being done, with the path.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The API or the network failed (exit 4).
    #[error(transparent)]
    Api(#[from] falcon_exposure::Error),
}

impl Failure {
    /// The exit code.
    pub fn code(&self) -> Code {
        match self {
            Failure::Usage(_) | Failure::Io { .. } => Code::Usage,
            Failure::Api(_) => Code::Failed,
        }
    }

    /// A usage or input error.
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::Usage(message.into())
    }

    /// An I/O error while doing `what`.
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Failure {
        let what = what.into();
        move |source| Failure::Io { what, source }
    }
}
