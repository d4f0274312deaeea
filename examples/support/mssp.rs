//! The core of the `mssp_export` example: every asset of several member
//! CIDs (MSSP child accounts), exported concurrently into one JSON Lines
//! file, one line per asset tagged with its member's CID.
//!
//! Each member gets a task of its own with a client from
//! [`Client::for_member`]: the same connection pool, its own token and its
//! own rate budget. The tasks hand finished lines to one writer, so lines
//! never interleave, and a member whose export fails stops alone: the lines
//! of the others are written all the same.

use std::io::{self, BufWriter, Write};

use falcon_emulator::EmulatorConfig;
use falcon_exposure::models::FemExternalAsset;
use falcon_exposure::{Client, Error};
use futures::StreamExt;
use indicatif::{MultiProgress, ProgressBar};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// Lines waiting for the writer; a full queue makes the exports wait, so
/// memory stays bounded when the disk is slower than the API.
const QUEUE: usize = 1024;

/// One line of the output file.
#[derive(Serialize)]
struct Line<'a> {
    cid: &'a str,
    asset: &'a FemExternalAsset,
}

/// How one member's export ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberExport {
    /// The member CID.
    pub cid: String,
    /// Lines written to the file for this member.
    pub written: u64,
    /// Ids listed whose details were then not found (deleted meanwhile).
    pub missing: u64,
    /// Ids whose detail request failed: not in the file.
    pub failed: u64,
    /// The first error, when the export stopped early or lost assets.
    pub error: Option<String>,
}

/// An emulator configuration serving `members` as (CID, number of assets),
/// each with its own generated inventory and budget, and letting the
/// default API client ask tokens for all of them. The parent CID keeps
/// `parent_assets` assets of its own, which an export of the members must
/// not contain.
pub fn emulator_config(parent_assets: usize, members: &[(String, usize)]) -> EmulatorConfig {
    let mut config = EmulatorConfig::default().assets(parent_assets);
    for (cid, assets) in members {
        config = config.member(cid, *assets);
    }
    for client in &mut config.clients {
        client
            .member_cids
            .extend(members.iter().map(|(cid, _)| cid.clone()));
    }
    config
}

/// Exports every asset of each CID in `cids` through `parent`'s member
/// clients, all at once, into `out`, with one bar per member in `bars`.
///
/// Returns one [`MemberExport`] per CID, in the order given. Fails only when
/// writing to `out` fails; a member's own failure is in its
/// [`MemberExport::error`].
pub async fn export_members<W>(
    parent: &Client,
    cids: &[String],
    out: W,
    bars: &MultiProgress,
) -> io::Result<Vec<MemberExport>>
where
    W: Write + Send + 'static,
{
    let (lines, queue) = mpsc::channel(QUEUE);
    let members = cids.len();
    let writer = tokio::task::spawn_blocking(move || write_lines(queue, out, members));

    let mut exports = cids
        .iter()
        .map(|cid| MemberExport {
            cid: cid.clone(),
            ..MemberExport::default()
        })
        .collect::<Vec<_>>();
    let mut tasks = JoinSet::new();
    let mut index_of = std::collections::HashMap::new();
    for (index, cid) in cids.iter().enumerate() {
        let bar = bars.add(crate::progress(cid));
        let task = tasks.spawn(export_member(
            parent.clone(),
            index,
            cid.clone(),
            lines.clone(),
            bar,
        ));
        index_of.insert(task.id(), index);
    }
    // The writer stops once every member has dropped its sender.
    drop(lines);
    while let Some(joined) = tasks.join_next_with_id().await {
        match joined {
            Ok((id, outcome)) => {
                if let Some(export) = index_of.get(&id).and_then(|&i| exports.get_mut(i)) {
                    *export = outcome;
                }
            }
            Err(e) => {
                if let Some(export) = index_of.get(&e.id()).and_then(|&i| exports.get_mut(i)) {
                    export.error = Some(format!("the export task ended abnormally: {e}"));
                }
            }
        }
    }

    let written = writer.await.map_err(io::Error::other)??;
    for (export, n) in exports.iter_mut().zip(written) {
        export.written = n;
    }
    Ok(exports)
}

/// One member's export: its lines go to `lines`, tagged with `index`.
/// Returns the counts and the first error; `written` is left to the
/// writer, which counts what reached the file.
async fn export_member(
    parent: Client,
    index: usize,
    cid: String,
    lines: mpsc::Sender<(usize, Vec<u8>)>,
    bar: ProgressBar,
) -> MemberExport {
    let mut outcome = MemberExport {
        cid: cid.clone(),
        ..MemberExport::default()
    };
    let client = match parent.for_member(&cid) {
        Ok(client) => client,
        Err(e) => {
            outcome.error = Some(e.to_string());
            bar.abandon();
            return outcome;
        }
    };
    let shown = bar.clone();
    let mut assets = client
        .export_assets("")
        .on_progress(move |p| crate::update(&shown, p))
        .items();
    while let Some(item) = assets.next().await {
        match item {
            Ok(asset) => {
                let mut line = match serde_json::to_vec(&Line {
                    cid: &cid,
                    asset: &asset,
                }) {
                    Ok(line) => line,
                    Err(e) => {
                        outcome.failed += 1;
                        outcome.error.get_or_insert_with(|| e.to_string());
                        continue;
                    }
                };
                line.push(b'\n');
                if lines.send((index, line)).await.is_err() {
                    outcome
                        .error
                        .get_or_insert_with(|| "the output file stopped accepting lines".into());
                    break;
                }
            }
            Err(Error::NotFound { .. }) => outcome.missing += 1,
            // A failed detail request: the export goes on without its ids.
            Err(Error::Batch { ids, source, .. }) => {
                outcome.failed += ids.len() as u64;
                outcome.error.get_or_insert_with(|| source.to_string());
            }
            // Anything else (the id pages, the token) ends the stream.
            Err(e) => {
                outcome.error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    if outcome.error.is_some() {
        bar.abandon();
    } else {
        bar.finish();
    }
    outcome
}

/// Writes the lines as they come, counting them per member; stops when
/// every sender is gone. Runs on a blocking thread: file writes block.
fn write_lines<W: Write>(
    mut queue: mpsc::Receiver<(usize, Vec<u8>)>,
    out: W,
    members: usize,
) -> io::Result<Vec<u64>> {
    let mut out = BufWriter::new(out);
    let mut written = vec![0u64; members];
    while let Some((index, line)) = queue.blocking_recv() {
        out.write_all(&line)?;
        if let Some(n) = written.get_mut(index) {
            *n += 1;
        }
    }
    out.flush()?;
    Ok(written)
}
