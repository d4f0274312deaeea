//! An export under way: the output (stdout, a temporary file, or in place
//! with a state), the accounts exported into it one after the other, the
//! state saved as it goes, and the output completed at the end.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use falcon_exposure::{Client, Error, ResumePoint};
use futures::StreamExt;
use tempfile::TempPath;

use crate::exit::Failure;
use crate::export::atomic;
use crate::export::encode::Encoder;
use crate::export::interrupt::Interrupt;
use crate::export::meta::{self, Incomplete};
use crate::export::plan::Plan;
use crate::export::progress::Bar;
use crate::export::sink::Sink;
use crate::export::state::{self, Account, State};
use crate::export::summary::Report;
use crate::output::terminal;

/// How often the state is saved (each save flushes and syncs the output):
/// at most a second of work is fetched again after a kill, for one sync a
/// second.
const SAVE_EVERY: Duration = Duration::from_secs(1);

/// Where the output goes.
pub enum Target {
    Stdout,
    /// A temporary file renamed over `out` at the end.
    Replace {
        out: PathBuf,
        temp: TempPath,
    },
    /// `out` itself, with the state at `path`, as last saved.
    InPlace {
        out: PathBuf,
        path: PathBuf,
        saved: State,
    },
}

/// An export under way.
pub struct Job {
    plan: Plan,
    encoder: Encoder,
    /// Where the output goes.
    pub target: Target,
    /// Every account's progress, live.
    pub accounts: Vec<Account>,
    started_at: String,
    last_save: Instant,
}

/// How one account's export ended.
pub enum End {
    Done,
    Failed(Error),
    Interrupted,
    /// Stdout's reader went away.
    Closed,
}

/// How opening an in-place export went.
pub enum Opened {
    Job(Box<Job>),
    /// The state says the export finished before.
    Finished(State),
}

impl Job {
    fn new(
        plan: Plan,
        sink: Sink,
        target: Target,
        accounts: Vec<Account>,
        started: String,
    ) -> std::io::Result<Job> {
        let encoder = Encoder::new(plan.format, plan.layout.clone(), sink)?;
        Ok(Job {
            plan,
            encoder,
            target,
            accounts,
            started_at: started,
            last_save: Instant::now(),
        })
    }

    /// To stdout.
    pub fn stdout(plan: Plan) -> Result<Job, Failure> {
        let accounts = state::accounts(&plan.cids);
        let sink = Sink::stdout();
        let mut job = Job::new(plan, sink, Target::Stdout, accounts, meta::now())
            .map_err(write_error(Path::new("-")))?;
        // A header lost to a closed stdout is no error.
        let _ = job.encoder.header();
        Ok(job)
    }

    /// To a temporary file beside `out`.
    pub fn replacing(out: &Path, plan: Plan) -> Result<Job, Failure> {
        let (file, temp) = atomic::temporary_beside(out)?.into_parts();
        let write = write_error(out);
        let sink = Sink::file(file, 0).map_err(&write)?;
        let accounts = state::accounts(&plan.cids);
        let target = Target::Replace {
            out: out.to_owned(),
            temp,
        };
        let mut job = Job::new(plan, sink, target, accounts, meta::now()).map_err(&write)?;
        job.encoder.header().map_err(write)?;
        Ok(job)
    }

    /// A job writing `out` in place, its state `saved` kept at `path`.
    fn with_state(
        plan: Plan,
        sink: Sink,
        out: &Path,
        path: &Path,
        saved: State,
    ) -> Result<Job, Failure> {
        let accounts = saved.accounts.clone();
        let started = saved.started_at.clone();
        let target = Target::InPlace {
            out: out.to_owned(),
            path: path.to_owned(),
            saved,
        };
        Job::new(plan, sink, target, accounts, started).map_err(write_error(out))
    }

    /// In `out` itself, from where the state at `path` stands.
    pub fn in_place(out: &Path, path: &Path, plan: Plan) -> Result<Opened, Failure> {
        let params = plan.params(out)?;
        let write = write_error(out);
        let shown = out.display();
        let job = match state::load(path)? {
            Some(saved) => {
                saved.check(&params, path)?;
                if saved.finished() {
                    return Ok(Opened::Finished(saved));
                }
                let file = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(out)
                    .map_err(|e| match e.kind() {
                        std::io::ErrorKind::NotFound => Failure::usage(format!(
                            "--out {shown} is missing, but --state {} says {} bytes were \
                             written to it; delete the state file to start over",
                            path.display(),
                            saved.bytes
                        )),
                        _ => write(e),
                    })?;
                let len = file.metadata().map_err(&write)?.len();
                if len < saved.bytes {
                    return Err(Failure::usage(format!(
                        "--out {shown} is shorter ({len} bytes) than --state {} says \
                         ({} bytes): it was changed since; delete the state file to start over",
                        path.display(),
                        saved.bytes
                    )));
                }
                // Rows written after the last save are fetched again.
                file.set_len(saved.bytes).map_err(&write)?;
                let sink = Sink::file(file, saved.bytes).map_err(&write)?;
                Job::with_state(plan, sink, out, path, saved)?
            }
            None => {
                let mut options = std::fs::OpenOptions::new();
                options.read(true).write(true).create(true).truncate(true);
                // Readable by its owner only, as the temporary files that
                // become outputs without --state.
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let file = options.open(out).map_err(&write)?;
                let sink = Sink::file(file, 0).map_err(&write)?;
                let saved = state::new(params, meta::now());
                let mut job = Job::with_state(plan, sink, out, path, saved)?;
                job.encoder.header().map_err(write)?;
                job.save()?;
                job
            }
        };
        meta::write(
            &meta::path_for(out),
            &job.plan.meta(job.started_at.clone(), &job.accounts, false),
        )?;
        Ok(Opened::Job(Box::new(job)))
    }

    /// Exports account `index` into the output.
    pub async fn account(
        &mut self,
        client: &Client,
        index: usize,
        bar: &mut Bar,
        interrupt: &mut Interrupt,
    ) -> Result<End, Failure> {
        self.flush()?;
        let start = self.encoder.sink().bytes();
        let cid = self.accounts[index].cid.clone();
        let client = match &cid {
            None => client.clone(),
            Some(cid) => match client.for_member(cid.clone()) {
                Ok(client) => client,
                Err(e) => return Ok(End::Failed(e)),
            },
        };
        let mut export = client.export_assets(self.plan.filter.clone().unwrap_or_default());
        if let Some(point) = &self.accounts[index].point {
            export = export.resume_from(point).map_err(|e| {
                Failure::usage(format!(
                    "--state cannot be resumed ({}); delete it to start over",
                    terminal(&e.to_string())
                ))
            })?;
        }
        let label = cid.as_deref().unwrap_or("export");
        if let Some(show) = bar.start(label, self.accounts[index].assets) {
            export = export.on_progress(show);
        }
        let mut export = export.items();
        loop {
            let item = tokio::select! {
                item = export.next() => item,
                () = interrupt.as_mut() => {
                    // Every asset yielded is written: the point covers them.
                    self.checkpoint(index, Some(export.resume_point()))?;
                    return Ok(End::Interrupted);
                }
            };
            match item {
                None => break,
                Some(Ok(mut asset)) => {
                    let written = self.encoder.asset(&mut asset, cid.as_deref());
                    written.map_err(self.write_error())?;
                    self.accounts[index].assets += 1;
                    if self.encoder.sink().closed() {
                        return Ok(End::Closed);
                    }
                    // Taking the point copies the ids in flight: only when
                    // a state file is due a save.
                    if self.saves_state() && self.last_save.elapsed() >= SAVE_EVERY {
                        self.checkpoint(index, Some(export.resume_point()))?;
                    }
                }
                Some(Err(Error::NotFound { .. })) => self.accounts[index].missing += 1,
                Some(Err(Error::Incomplete {
                    expected, received, ..
                })) => {
                    self.accounts[index].incomplete = Some(Incomplete { expected, received });
                }
                Some(Err(e)) => {
                    self.rollback(index, start)?;
                    return Ok(End::Failed(e));
                }
            }
        }
        let account = &mut self.accounts[index];
        account.finished = true;
        account.error = None;
        self.checkpoint(index, Some(export.resume_point()))?;
        Ok(End::Done)
    }

    /// The error of a failed write to the output.
    fn write_error(&self) -> impl Fn(std::io::Error) -> Failure + use<> {
        match &self.target {
            Target::Stdout => write_error(Path::new("-")),
            Target::Replace { out, .. } | Target::InPlace { out, .. } => write_error(out),
        }
    }

    fn flush(&mut self) -> Result<(), Failure> {
        let write = self.write_error();
        self.encoder.flush().map_err(write)
    }

    /// Whether the export keeps a state file (`--state`).
    fn saves_state(&self) -> bool {
        matches!(self.target, Target::InPlace { .. })
    }

    /// With `--state`: records `point` (if any) for account `index`, makes
    /// the output durable, then saves the state.
    pub fn checkpoint(&mut self, index: usize, point: Option<ResumePoint>) -> Result<(), Failure> {
        if let Some(point) = point {
            self.accounts[index].point = Some(point);
        }
        match self.target {
            Target::InPlace { .. } => self.save(),
            _ => Ok(()),
        }
    }

    fn save(&mut self) -> Result<(), Failure> {
        self.flush()?;
        let write = self.write_error();
        self.encoder.sink().sync().map_err(&write)?;
        let bytes = self.encoder.sink().bytes();
        if let Target::InPlace { path, saved, .. } = &mut self.target {
            saved.accounts.clone_from(&self.accounts);
            saved.bytes = bytes;
            state::save(path, saved)?;
        }
        self.last_save = Instant::now();
        Ok(())
    }

    /// Takes back the rows of a failed account: to the last saved state
    /// with `--state` (the next run fetches the rest), else all of them.
    fn rollback(&mut self, index: usize, start: u64) -> Result<(), Failure> {
        self.flush()?;
        let write = self.write_error();
        let (len, account) = match &self.target {
            Target::InPlace { saved, .. } => (saved.bytes, saved.accounts[index].clone()),
            _ => (
                start,
                Account {
                    cid: self.accounts[index].cid.clone(),
                    ..Account::default()
                },
            ),
        };
        if self.encoder.cut(len).map_err(write)? {
            self.accounts[index] = account;
        }
        Ok(())
    }

    /// Completes the output: renamed into place or its state saved, and
    /// the metadata written.
    pub fn finish(mut self) -> Result<Report, Failure> {
        self.flush()?;
        let failed = self.accounts.iter().filter(|a| a.error.is_some()).count();
        let finished = failed == 0 && self.accounts.iter().all(|a| a.finished);
        let meta = self
            .plan
            .meta(self.started_at.clone(), &self.accounts, finished);
        let write = self.write_error();
        let Job {
            plan,
            encoder,
            target,
            accounts,
            ..
        } = self;
        let mut resumable = false;
        let out = match target {
            Target::Stdout => None,
            // Nothing to keep: dropping `temp` removes it.
            Target::Replace { .. } if failed == accounts.len() => None,
            Target::Replace { out, temp } => {
                let sink = encoder.finish().map_err(&write)?;
                sink.sync().map_err(&write)?;
                drop(sink);
                // The metadata is ready before the output is renamed, so
                // that the two renames follow each other.
                let meta_path = meta::path_for(&out);
                let meta_file = atomic::prepare(&meta_path, &meta::encode(&meta))?;
                temp.persist(&out)
                    .map_err(|e| Failure::io(format!("replacing {}", out.display()))(e.error))?;
                atomic::persist(meta_file, &meta_path)?;
                Some(out)
            }
            Target::InPlace { out, .. } => {
                resumable = !finished;
                meta::write(&meta::path_for(&out), &meta)?;
                Some(out)
            }
        };
        Ok(Report {
            out,
            members: plan.cids.len(),
            failed,
            incomplete: meta.incomplete,
            resumable,
            accounts,
        })
    }
}

/// The error of a failed write to `out` (`-`: stdout).
fn write_error(out: &Path) -> impl Fn(std::io::Error) -> Failure + use<> {
    let what = match out.to_str() {
        Some("-") => "writing to stdout".to_owned(),
        _ => format!("writing {}", out.display()),
    };
    move |e| Failure::io(what.clone())(e)
}

/// The first line of an error, safe for a terminal.
pub fn one_line(e: &Error) -> String {
    let text = e.to_string();
    terminal(text.lines().next().unwrap_or_default()).into_owned()
}
