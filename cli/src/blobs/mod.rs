//! `falcon-exposure blobs`: the evidence blobs (banners and attributes) of
//! the services of selected assets, downloaded into a folder as
//! `DIR/ASSET_ID/HASH.banner` and `DIR/ASSET_ID/HASH.attributes`.
//!
//! Each blob is streamed to a temporary name and renamed when complete
//! ([`fetch`]), so the same command run again skips what is done. Names
//! come from the API and are checked before use ([`names`]).

mod fetch;
mod names;
mod plan;

use std::path::PathBuf;

use clap::{ArgGroup, Args};
use falcon_exposure::models::FemExternalAsset;
use falcon_exposure::{Client, Error};
use futures::{Stream, StreamExt};

use crate::exit::{Code, Failure};
use crate::global::GlobalArgs;
use crate::output::terminal;
use fetch::Outcome;

/// Default of `--max-size`: far above a banner or attributes blob.
const DEFAULT_MAX_SIZE: u64 = 64 << 20;

/// Downloads at once (each within the client's rate control).
const IN_FLIGHT: usize = 4;

/// `blobs` flags.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("select").required(true).multiple(true).args(["filter", "ids"])))]
pub struct BlobsArgs {
    /// The assets whose blobs to download: those matching this FQL filter,
    /// e.g. "asset_type:'ip'+internet_exposure:'Yes'" ("" for every asset).
    #[arg(long, value_name = "FQL")]
    pub filter: Option<String>,
    /// The asset with this ID (repeatable).
    #[arg(long = "id", value_name = "ID")]
    pub ids: Vec<String>,
    /// The folder to download into (created if missing). Blobs already
    /// there are skipped, so the same command run again goes on.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The largest blob downloaded, in bytes; a larger one is not written
    /// (exit 3).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_SIZE)]
    pub max_size: u64,
}

/// What a run did.
#[derive(Debug, Default)]
struct Tally {
    downloaded: u64,
    bytes: u64,
    skipped: u64,
    failed: u64,
}

/// Runs `blobs`.
pub async fn run(global: &GlobalArgs, args: BlobsArgs) -> Result<Code, Failure> {
    // An empty filter selects every asset, as in `export`.
    let filter = args.filter.as_deref().map(str::trim);
    if let Some(filter) = filter.filter(|f| !f.is_empty()) {
        crate::filter_check::check(filter, false)?;
    }
    for id in &args.ids {
        names::checked(id).map_err(|why| {
            Failure::usage(format!(
                "--id `{}` cannot name a folder ({why}); give an asset ID as the API lists it",
                terminal(id)
            ))
        })?;
    }
    if args.out.exists() && !args.out.is_dir() {
        return Err(Failure::usage(format!(
            "--out {} is a file; give a folder",
            args.out.display()
        )));
    }
    std::fs::create_dir_all(&args.out)
        .map_err(Failure::io(format!("creating {}", args.out.display())))?;
    let client = crate::config::client(global)?;

    let mut tally = Tally::default();
    let mut assets = 0u64;
    let mut first_error = None;
    let mut selected = selection(&client, filter, &args.ids);
    let mut downloads = futures::stream::FuturesUnordered::new();
    let mut pending: Vec<plan::Blob> = Vec::new();
    let mut listed = true;
    // The assets are read while up to IN_FLIGHT blobs download.
    loop {
        while downloads.len() < IN_FLIGHT
            && let Some(blob) = pending.pop()
        {
            let client = &client;
            let dir = &args.out;
            downloads.push(async move {
                let outcome = fetch::fetch(client, &blob, dir, args.max_size).await;
                (blob, outcome)
            });
        }
        tokio::select! {
            Some((blob, outcome)) = downloads.next(), if !downloads.is_empty() => {
                tally.count(&blob, outcome);
            }
            item = selected.next(), if listed && pending.len() < IN_FLIGHT => match item {
                None => listed = false,
                Some(Ok(asset)) => {
                    assets += 1;
                    let (blobs, refused) = plan::blobs(&asset);
                    for why in refused {
                        tally.failed += 1;
                        eprintln!("falcon-exposure: {why}");
                    }
                    pending.extend(blobs.into_iter().rev());
                }
                Some(Err(Error::NotFound { .. })) => {
                    tally.failed += 1;
                    eprintln!("falcon-exposure: an asset given with --id was not found");
                }
                Some(Err(e)) => {
                    listed = false;
                    first_error = Some(e);
                }
            },
            else => break,
        }
    }

    if !global.quiet {
        eprintln!(
            "{assets} asset(s): {} blob(s) downloaded ({} bytes), {} already complete, {} failed, into {}",
            tally.downloaded,
            tally.bytes,
            tally.skipped,
            tally.failed,
            terminal(&args.out.display().to_string())
        );
    }
    match first_error {
        // Nothing done: the API or the network failed.
        Some(e) if tally.downloaded + tally.skipped == 0 => Err(Failure::Api(e)),
        Some(e) => {
            eprintln!(
                "falcon-exposure: listing the assets failed ({}); run the same command to go on",
                terminal(e.to_string().lines().next().unwrap_or_default())
            );
            Ok(Code::Partial)
        }
        None if tally.failed > 0 => Ok(Code::Partial),
        None => Ok(Code::Success),
    }
}

impl Tally {
    fn count(&mut self, blob: &plan::Blob, outcome: Outcome) {
        match outcome {
            Outcome::Downloaded(size) => {
                self.downloaded += 1;
                self.bytes += size;
            }
            Outcome::Skipped => self.skipped += 1,
            Outcome::Failed(why) => {
                self.failed += 1;
                eprintln!(
                    "falcon-exposure: blob {} of asset {}: {why}",
                    terminal(&blob.hash),
                    terminal(&blob.asset_id)
                );
            }
        }
    }
}

/// The assets selected: by filter, then by ID.
fn selection<'a>(
    client: &'a Client,
    filter: Option<&str>,
    ids: &[String],
) -> impl Stream<Item = Result<FemExternalAsset, Error>> + Unpin + 'a {
    let by_filter = filter.map(|f| client.export_assets(f.to_owned()).items());
    let by_id = (!ids.is_empty()).then(|| client.get_assets().ids(ids.to_vec()).items());
    futures::stream::iter(by_filter)
        .flatten()
        .chain(futures::stream::iter(by_id).flatten())
        .boxed_local()
}
