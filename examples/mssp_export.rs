//! Exports every asset of several member CIDs (MSSP child accounts) at once
//! into one JSON Lines file, one line per asset tagged with its CID
//! (`{"cid": "...", "asset": {...}}`), with a progress bar per member.
//!
//! ```sh
//! cargo run --example mssp_export                         # emulator, 4 members
//! cargo run --example mssp_export -- --members 5 --assets 5000 --out members.jsonl
//! FALCON_CLIENT_ID=... FALCON_CLIENT_SECRET=... cargo run --example mssp_export -- \
//!     --cid <member CID> --cid <member CID> --out members.jsonl
//! ```
//!
//! Without `FALCON_CLIENT_ID` the example starts the emulator in-process
//! with `--members` member CIDs of `--assets` generated assets each. With
//! credentials of the parent (MSSP) account it exports the members given
//! with `--cid`. `Client::for_member` gives each member a client that
//! shares the connection pool and has its own token and rate budget. A
//! member that fails stops alone; the summary says which and why.

use clap::Parser;
use indicatif::MultiProgress;
use support::mssp::{self, MemberExport};
use support::{Session, fmt_count};

type BoxError = Box<dyn std::error::Error>;

/// Exports every asset of several member CIDs into one JSON Lines file,
/// tagged by CID.
#[derive(Parser)]
struct Args {
    /// The JSON Lines file to write.
    #[arg(long, default_value = "members.jsonl")]
    out: String,
    /// A member CID to export; repeatable. Required against a real tenant;
    /// against the emulator, the CIDs of its members.
    #[arg(long = "cid", value_name = "CID")]
    cids: Vec<String>,
    /// Number of member CIDs of the emulator, when no --cid is given.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=100))]
    members: u16,
    /// Assets of each member of the emulator.
    #[arg(long, default_value_t = 3_000)]
    assets: usize,
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), BoxError> {
    let Args {
        out,
        cids: named_cids,
        members,
        assets,
    } = Args::parse();
    // Each member once, in the order given: a repeat would write its
    // assets twice.
    let mut given: Vec<String> = Vec::new();
    for cid in named_cids {
        if !given.iter().any(|g| g.eq_ignore_ascii_case(&cid)) {
            given.push(cid);
        }
    }
    let named = !given.is_empty();
    // Demo member CIDs for the emulator, 32 hex digits like real ones.
    let cids = if !named {
        (1..=u64::from(members))
            .map(|i| format!("{:032x}", 0xc1d0_0000_u64 + i))
            .collect()
    } else {
        given
    };
    let inventories: Vec<(String, usize)> = cids.iter().map(|c| (c.clone(), assets)).collect();
    let session = Session::open_with(mssp::emulator_config(100, &inventories)).await?;
    if session.is_real() && !named {
        return Err("against a real tenant, name the member CIDs with --cid".into());
    }
    if !session.is_real() {
        println!(
            "The emulator serves {} member CIDs of {} assets each.",
            cids.len(),
            fmt_count(assets as u64)
        );
    }

    println!("Exporting every asset of {} members to {out}", cids.len());
    let started = std::time::Instant::now();
    let file = std::fs::File::create(&out).map_err(|e| format!("cannot create {out}: {e}"))?;
    let exports = mssp::export_members(&session.client, &cids, file, &MultiProgress::new()).await?;
    let seconds = started.elapsed().as_secs_f64();
    session.close().await;

    print_summary(&exports);
    let total: u64 = exports.iter().map(|e| e.written).sum();
    println!(
        "Wrote {} assets of {} members to {out} in {seconds:.1} s",
        fmt_count(total),
        exports.len()
    );
    let failed = exports.iter().filter(|e| e.error.is_some()).count();
    if failed > 0 {
        return Err(format!(
            "{failed} of {} member exports failed or are incomplete; the lines of the others are in {out}",
            exports.len()
        )
        .into());
    }
    Ok(())
}

/// One row per member: what was written and what went wrong.
fn print_summary(exports: &[MemberExport]) {
    let mut table = support::table(&["Member CID", ">Written", ">Not found", ">Failed", "Error"]);
    for e in exports {
        table.add_row([
            e.cid.clone(),
            fmt_count(e.written),
            fmt_count(e.missing),
            fmt_count(e.failed),
            support::or_dash(e.error.as_deref()).to_owned(),
        ]);
    }
    support::print_table(&table);
}
