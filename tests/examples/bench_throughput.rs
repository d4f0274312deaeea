//! Throughput at the account's rate limit: one export of every asset
//! against an emulator with a round-trip latency distribution and the
//! API's budget of 6,000 requests a minute, each case alone and beside a
//! background consumer (another integration of the same customer) taking
//! 30 % of that budget; then the MSSP fan-out. BENCHMARKS.md, "Throughput
//! at the rate limit"; `benches/throughput/run.sh` runs it.
//!
//! ```sh
//! cargo run --release -p falcon-exposure-tests --example bench_throughput -- --help
//! ```
//!
//! Every case gets a fresh emulator in a child process (this program,
//! `serve` mode), so that each starts with an empty rate window and the
//! client's process does no server work. Each client runs in a child
//! process of its own (`client` mode for falcon-exposure,
//! `benches/throughput/falconpy_export.py` for FalconPy) and reports the
//! CPU time it spent during the export. The emulator child reports its
//! per-CID counts (`falcon_emulator::Stats`) when its stdin closes.
//!
//! Cases:
//! - `fixedN`: `.budget_share(1.0)` and `.concurrency(N)` on the export, so
//!   that only the concurrency decides (the budget paces only at the whole
//!   limit);
//! - `adaptiveF`: `.budget_share(F)` and no `.concurrency()`: the client
//!   chooses its requests in flight;
//! - `falconpy`, `falconpy-session`: FalconPy's loop, without and with a
//!   `requests.Session`.

#[path = "bench_common/mod.rs"]
mod bench_common;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use falcon_emulator::{
    ApiClient, CidStats, DEFAULT_CID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator,
    EmulatorConfig, LimitRefusal, SCOPE_READ,
};
use falcon_exposure::{Client, ClientBuilder, DEFAULT_BUDGET_SHARE, Export, models};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use bench_common::cpu_seconds;

/// A budget this large (requests a minute) stands for none: the table
/// then shows no allowed rate.
const OUT_OF_REACH: u32 = 1_000_000;

/// The cases run by default, in this order.
const ALL_CASES: &str = "fixed1,fixed4,fixed8,adaptive0.5,adaptive0.9,falconpy,falconpy-session";

#[derive(Parser)]
#[command(about = "Export throughput at the API's rate limit (see BENCHMARKS.md)")]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum Mode {
    /// Child: serve an emulator, print its URL, and print its counts as
    /// JSON when stdin closes.
    Serve(ServeArgs),
    /// Child: one falcon-exposure export; prints its outcome as JSON.
    Client(ClientArgs),
}

/// The emulator every case runs against.
#[derive(Args, Clone)]
struct EmulatorArgs {
    /// Assets of the exported account.
    #[arg(long, default_value_t = 100_000)]
    assets: usize,
    /// Median of the latency added to every API request, ms (0: none).
    #[arg(long, default_value_t = 150)]
    median_ms: u64,
    /// 99th percentile of that latency (log-normal), ms.
    #[arg(long, default_value_t = 400)]
    p99_ms: u64,
    /// Requests per minute per CID (the API's budget; from 1,000,000 up,
    /// out of reach: the loopback measurement).
    #[arg(long, default_value_t = 6_000)]
    limit: u32,
    /// Largest page of every query (the emulator's default is 100; 10,000
    /// keeps the figures of the earlier runs comparable).
    #[arg(long, default_value_t = 10_000)]
    page_limit: usize,
    /// How a larger page is refused: named, unnamed, silent-cap or empty.
    #[arg(long, default_value = "named", value_parser = refusal)]
    limit_refusal: LimitRefusal,
}

fn refusal(s: &str) -> Result<LimitRefusal, String> {
    match s {
        "named" => Ok(LimitRefusal::Named),
        "unnamed" => Ok(LimitRefusal::Unnamed),
        "silent-cap" => Ok(LimitRefusal::SilentCap),
        "empty" => Ok(LimitRefusal::Empty),
        _ => Err(format!(
            "unknown refusal '{s}': named, unnamed, silent-cap or empty"
        )),
    }
}

fn refusal_name(r: LimitRefusal) -> &'static str {
    match r {
        LimitRefusal::Named => "named",
        LimitRefusal::Unnamed => "unnamed",
        LimitRefusal::SilentCap => "silent-cap",
        _ => "empty",
    }
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    emulator: EmulatorArgs,
    /// Fraction of the parent CID's budget the background consumer takes
    /// (0: none).
    #[arg(long, default_value_t = 0.0)]
    background: f64,
    /// Member CIDs, each with `member_assets` assets and its own budget.
    #[arg(long, default_value_t = 0)]
    members: usize,
    #[arg(long, default_value_t = 0)]
    member_assets: usize,
}

#[derive(Args)]
struct ClientArgs {
    #[arg(long)]
    url: String,
    /// `fixedN`, `adaptiveF`, `mssp-concurrent` or `mssp-sequential`.
    #[arg(long)]
    job: String,
    /// Member CIDs (for the MSSP jobs).
    #[arg(long, default_value_t = 0)]
    members: usize,
    /// Exports, one after another with the same client.
    #[arg(long, default_value_t = 1)]
    exports: usize,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    emulator: EmulatorArgs,
    /// Exports per case, one after another with the same client: above
    /// one minute of requests at the case's rate, the rate window reaches
    /// its steady state.
    #[arg(long, default_value_t = 1)]
    exports: usize,
    /// Cases, comma-separated: fixedN, adaptiveF, falconpy, falconpy-session.
    #[arg(long, value_delimiter = ',', default_value = ALL_CASES)]
    cases: Vec<Case>,
    /// Share of the budget the background consumer takes in the second run
    /// of each case (0: run each case alone only).
    #[arg(long, default_value_t = 0.30)]
    background: f64,
    /// Member CIDs of the MSSP run (0: no MSSP run).
    #[arg(long, default_value_t = 10)]
    mssp_members: usize,
    /// Assets per member CID.
    #[arg(long, default_value_t = 10_000)]
    mssp_assets: usize,
    /// Python with FalconPy installed (FalconPy cases are skipped without).
    #[arg(long)]
    python: Option<PathBuf>,
    /// The FalconPy export script.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../benches/throughput/falconpy_export.py"))]
    falconpy_script: PathBuf,
    /// Ids per query page in the FalconPy loop (the Rust export's first
    /// page size, so that both send the same requests).
    #[arg(long, default_value_t = 10_000)]
    falconpy_page_size: u32,
}

/// One row of the benchmark.
#[derive(Clone, Copy, PartialEq)]
enum Case {
    Fixed(usize),
    Adaptive(f64),
    FalconPy { session: bool },
}

impl FromStr for Case {
    type Err = String;

    fn from_str(s: &str) -> Result<Case, String> {
        let bad = || {
            format!(
                "unknown case '{s}': fixedN, adaptiveF (0 < F <= 1), falconpy or falconpy-session"
            )
        };
        if let Some(n) = s.strip_prefix("fixed") {
            return n
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .map(Case::Fixed)
                .ok_or_else(bad);
        }
        if let Some(f) = s.strip_prefix("adaptive") {
            return f
                .parse()
                .ok()
                .filter(|f| *f > 0.0 && *f <= 1.0)
                .map(Case::Adaptive)
                .ok_or_else(bad);
        }
        match s {
            "falconpy" => Ok(Case::FalconPy { session: false }),
            "falconpy-session" => Ok(Case::FalconPy { session: true }),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Case::Fixed(n) => write!(f, "fixed{n}"),
            Case::Adaptive(s) => write!(f, "adaptive{s}"),
            Case::FalconPy { session: false } => write!(f, "falconpy"),
            Case::FalconPy { session: true } => write!(f, "falconpy-session"),
        }
    }
}

impl Case {
    /// The row's name in the table.
    fn label(self) -> String {
        match self {
            Case::Fixed(n) => format!("falcon-exposure, fixed concurrency {n}"),
            Case::Adaptive(s) => format!("falcon-exposure, adaptive, budget_share {s}"),
            Case::FalconPy { session: false } => "FalconPy, no session".into(),
            Case::FalconPy { session: true } => "FalconPy, `requests.Session`".into(),
        }
    }

    /// The share of the budget the case may use.
    fn share(self) -> f64 {
        match self {
            Case::Adaptive(s) => s,
            Case::Fixed(_) | Case::FalconPy { .. } => 1.0,
        }
    }
}

/// What a client child reports.
#[derive(Serialize, Deserialize, Default)]
struct Outcome {
    assets: u64,
    errors: u64,
    wall_s: f64,
    cpu_s: f64,
}

/// One CID's counts, as the emulator child prints them.
#[derive(Serialize, Deserialize, Default, Clone, Copy)]
struct Counts {
    requests: u64,
    throttled: u64,
    background_requests: u64,
    background_throttled: u64,
}

impl From<CidStats> for Counts {
    fn from(c: CidStats) -> Counts {
        Counts {
            requests: c.requests,
            throttled: c.throttled,
            background_requests: c.background_requests,
            background_throttled: c.background_throttled,
        }
    }
}

/// What the emulator child prints when its stdin closes.
#[derive(Serialize, Deserialize, Default)]
struct ServerReport {
    cids: BTreeMap<String, Counts>,
    /// CPU time the emulator process spent serving (after generating its
    /// inventory).
    cpu_s: f64,
}

/// The member CIDs of the MSSP run (32 hex digits, like real CIDs).
fn member_cids(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{:032x}", 0xc1d0_0000 + i))
        .collect()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// ---------------------------------------------------------------- serve

async fn serve(a: ServeArgs) {
    let e = &a.emulator;
    let mut config = EmulatorConfig::default()
        .assets(e.assets)
        .anchor(1_760_000_000)
        .rate_limit_per_minute(e.limit)
        .page_limit(e.page_limit, e.limit_refusal);
    if e.median_ms > 0 {
        config = config.latency_distribution(ms(e.median_ms), ms(e.p99_ms.max(e.median_ms)));
    }
    if a.background > 0.0 {
        config = config.background_load(DEFAULT_CID, a.background);
    }
    let cids = member_cids(a.members);
    for cid in &cids {
        config = config.member(cid, a.member_assets);
    }
    if !cids.is_empty() {
        let refs: Vec<&str> = cids.iter().map(String::as_str).collect();
        config.clients = vec![
            ApiClient::new(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, &[SCOPE_READ])
                .with_member_cids(&refs),
        ];
    }
    let emu = Emulator::start(config).await.expect("emulator starts");
    // From here: serving only, not generating the inventory.
    let cpu = cpu_seconds();
    println!("{}", emu.base_url());
    std::io::stdout().flush().ok();
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await
    .ok();
    let stats = emu.stats();
    let report = ServerReport {
        cids: stats
            .cids
            .into_iter()
            .map(|(cid, c)| (cid, c.into()))
            .collect(),
        cpu_s: cpu_seconds() - cpu,
    };
    println!("{}", serde_json::to_string(&report).expect("report"));
    emu.shutdown().await;
}

/// An emulator child process.
struct Server {
    child: Child,
    stdout: BufReader<ChildStdout>,
    url: String,
}

impl Server {
    fn spawn(e: &EmulatorArgs, background: f64, members: usize, member_assets: usize) -> Server {
        let exe = std::env::current_exe().expect("own path");
        let mut child = Command::new(exe)
            .arg("serve")
            .args(["--assets", &e.assets.to_string()])
            .args(["--median-ms", &e.median_ms.to_string()])
            .args(["--p99-ms", &e.p99_ms.to_string()])
            .args(["--limit", &e.limit.to_string()])
            .args(["--page-limit", &e.page_limit.to_string()])
            .args(["--limit-refusal", refusal_name(e.limit_refusal)])
            .args(["--background", &background.to_string()])
            .args(["--members", &members.to_string()])
            .args(["--member-assets", &member_assets.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn the emulator");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut url = String::new();
        stdout.read_line(&mut url).expect("emulator URL");
        Server {
            child,
            stdout,
            url: url.trim().to_owned(),
        }
    }

    /// Closes the emulator's stdin and reads its counts.
    fn finish(mut self) -> ServerReport {
        drop(self.child.stdin.take());
        let mut line = String::new();
        let _ = self.stdout.read_line(&mut line);
        let _ = self.child.wait();
        serde_json::from_str(&line).unwrap_or_default()
    }
}

// ---------------------------------------------------------------- client

fn builder(url: &str) -> ClientBuilder {
    Client::builder()
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .base_url(url)
}

/// Consumes an export: (assets, errors).
async fn drain(export: Export<models::FemExternalAsset>) -> (u64, u64) {
    let (mut assets, mut errors) = (0, 0);
    let mut items = export.items();
    while let Some(item) = items.next().await {
        match item {
            Ok(_) => assets += 1,
            Err(e) => {
                errors += 1;
                eprintln!("export error: {e}");
            }
        }
    }
    (assets, errors)
}

async fn client_job(a: ClientArgs) -> Outcome {
    match a.job.as_str() {
        "mssp-concurrent" | "mssp-sequential" => {
            return mssp(&a.url, a.members, a.job == "mssp-concurrent").await;
        }
        _ => {}
    }
    let case: Case = a.job.parse().unwrap_or_else(|e| panic!("{e}"));
    let (client, concurrency) = match case {
        Case::Fixed(n) => (builder(&a.url).budget_share(1.0), Some(n)),
        Case::Adaptive(s) => (builder(&a.url).budget_share(s), None),
        Case::FalconPy { .. } => panic!("FalconPy runs in Python"),
    };
    let client = client.build().expect("client builds");
    client.authenticate().await.expect("token");
    let (cpu, started) = (cpu_seconds(), Instant::now());
    let mut out = Outcome::default();
    for _ in 0..a.exports {
        let mut export = client.export_assets("");
        if let Some(n) = concurrency {
            export = export.concurrency(n);
        }
        let (assets, errors) = drain(export).await;
        out.assets += assets;
        out.errors += errors;
    }
    out.wall_s = started.elapsed().as_secs_f64();
    out.cpu_s = cpu_seconds() - cpu;
    out
}

/// Exports every member CID with `for_member` clients of one parent (the
/// client's defaults: no `budget_share`, no `concurrency`), all at once or
/// one after another. One after another, the wall time is the sum of the
/// exports' (each member's token is fetched before its clock starts).
async fn mssp(url: &str, members: usize, concurrent: bool) -> Outcome {
    let parent = builder(url).build().expect("client builds");
    let mut clients = Vec::new();
    for cid in member_cids(members) {
        clients.push(parent.for_member(cid).expect("member client"));
    }
    let mut out = Outcome::default();
    if concurrent {
        for c in &clients {
            c.authenticate().await.expect("member token");
        }
        let (cpu, started) = (cpu_seconds(), Instant::now());
        let tasks: Vec<_> = clients
            .into_iter()
            .map(|c| tokio::spawn(async move { drain(c.export_assets("")).await }))
            .collect();
        for t in tasks {
            let (assets, errors) = t.await.expect("export task");
            out.assets += assets;
            out.errors += errors;
        }
        out.wall_s = started.elapsed().as_secs_f64();
        out.cpu_s = cpu_seconds() - cpu;
    } else {
        for c in clients {
            c.authenticate().await.expect("member token");
            let (cpu, started) = (cpu_seconds(), Instant::now());
            let (assets, errors) = drain(c.export_assets("")).await;
            out.wall_s += started.elapsed().as_secs_f64();
            out.cpu_s += cpu_seconds() - cpu;
            out.assets += assets;
            out.errors += errors;
        }
    }
    out
}

// ---------------------------------------------------------------- run

/// Runs a client child to its end and reads its outcome (its last line).
fn run_child(cmd: &mut Command) -> Result<Outcome, String> {
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or_default();
    match (out.status.success(), serde_json::from_str(last)) {
        (true, Ok(outcome)) => Ok(outcome),
        _ => Err(format!("{}: {}", out.status, last)),
    }
}

fn rust_client(url: &str, job: &str, members: usize, exports: usize) -> Result<Outcome, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    run_child(Command::new(exe).args([
        "client",
        "--url",
        url,
        "--job",
        job,
        "--members",
        &members.to_string(),
        "--exports",
        &exports.to_string(),
    ]))
}

fn run_case(r: &RunArgs, case: Case, url: &str) -> Result<Outcome, String> {
    match case {
        Case::FalconPy { session } => {
            let python = r.python.as_ref().ok_or("no --python given")?;
            run_child(
                Command::new(python)
                    .arg(&r.falconpy_script)
                    .arg(url)
                    .arg(if session { "session" } else { "plain" })
                    .arg(r.falconpy_page_size.to_string())
                    .arg(r.exports.to_string()),
            )
        }
        _ => rust_client(url, &case.to_string(), 0, r.exports),
    }
}

/// One measured case with its emulator's counts.
struct Row {
    label: String,
    background: f64,
    share: f64,
    expected: u64,
    outcome: Result<Outcome, String>,
    counts: Counts,
    emulator_cpu_s: f64,
}

/// A wall time, with two decimals below 10 s.
fn seconds(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.1} s")
    }
}

fn per_thousand(secs: f64, assets: u64) -> String {
    if assets == 0 {
        return "–".into();
    }
    format!("{:.0} ms", secs * 1000.0 / (assets as f64 / 1000.0))
}

impl Row {
    /// Requests a second the case may send: its share of the limit, but
    /// no more than the background consumer leaves.
    fn allowed_per_s(&self, limit: u32) -> f64 {
        self.share.min(1.0 - self.background) * f64::from(limit) / 60.0
    }

    fn markdown(&self, limit: u32) -> String {
        let background = if self.background > 0.0 {
            format!("{:.0} %", self.background * 100.0)
        } else {
            "none".into()
        };
        let o = match &self.outcome {
            Ok(o) => o,
            Err(e) => return format!("| {} | {background} | failed: {e} |", self.label),
        };
        let mut wall = seconds(o.wall_s);
        if o.assets != self.expected || o.errors > 0 {
            wall += &format!(
                " ({} of {} assets, {} errors)",
                o.assets, self.expected, o.errors
            );
        }
        let rate = self.counts.requests as f64 / o.wall_s.max(1e-9);
        let (allowed, fraction) = if limit >= OUT_OF_REACH {
            ("–".to_owned(), "–".to_owned())
        } else {
            let allowed = self.allowed_per_s(limit);
            (
                format!("{allowed:.1}"),
                format!("{:.0} %", 100.0 * rate / allowed),
            )
        };
        format!(
            "| {} | {background} | {wall} | {:.0} | {} | {rate:.1} | {allowed} | {fraction} | {} | {} | {} | {} |",
            self.label,
            o.assets as f64 / o.wall_s.max(1e-9),
            self.counts.requests,
            self.counts.throttled,
            self.counts.background_throttled,
            per_thousand(o.cpu_s, o.assets),
            per_thousand(self.emulator_cpu_s, o.assets),
        )
    }
}

fn run(r: RunArgs) {
    let e = &r.emulator;
    let latency = if e.median_ms > 0 {
        format!(
            "log-normal latency, median {} ms, p99 {} ms",
            e.median_ms, e.p99_ms
        )
    } else {
        "no added latency".into()
    };
    let exports = if r.exports > 1 {
        format!("{} exports one after another", r.exports)
    } else {
        "one export".into()
    };
    println!(
        "{exports} of {} assets per case, {latency}, budget {} requests/min per CID, \
         pages of at most {} ids (a larger limit: {})\n",
        e.assets,
        e.limit,
        e.page_limit,
        refusal_name(e.limit_refusal)
    );
    println!(
        "| case | background | wall time | assets/s | requests | requests/s | allowed (req/s) | of allowed | client 429s | consumer 429s | client CPU / 1,000 assets | emulator CPU / 1,000 assets |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut backgrounds = vec![0.0];
    if r.background > 0.0 {
        backgrounds.push(r.background);
    }
    for &case in &r.cases {
        if matches!(case, Case::FalconPy { .. }) && r.python.is_none() {
            eprintln!("skipping {case}: no --python");
            continue;
        }
        for &background in &backgrounds {
            eprintln!("== {case}, background {background}");
            let server = Server::spawn(e, background, 0, 0);
            let outcome = run_case(&r, case, &server.url);
            let report = server.finish();
            let row = Row {
                label: case.label(),
                background,
                share: case.share(),
                expected: (e.assets * r.exports) as u64,
                outcome,
                counts: report.cids.get(DEFAULT_CID).copied().unwrap_or_default(),
                emulator_cpu_s: report.cpu_s,
            };
            println!("{}", row.markdown(e.limit));
        }
    }
    if r.mssp_members > 0 {
        mssp_table(&r);
    }
}

fn mssp_table(r: &RunArgs) {
    let (n, each) = (r.mssp_members, r.mssp_assets);
    println!(
        "\nMSSP: {n} member CIDs x {each} assets, each with its own budget; `for_member` clients of one parent with the client's defaults (budget_share {DEFAULT_BUDGET_SHARE}, no `.concurrency()`)\n"
    );
    println!(
        "| run | wall time | assets | requests | requests/s | client 429s | client CPU / 1,000 assets |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut walls = Vec::new();
    for (job, label) in [
        ("mssp-concurrent", "all members at once"),
        (
            "mssp-sequential",
            "one member after another (sum of the exports)",
        ),
    ] {
        eprintln!("== {job}");
        let emulator = EmulatorArgs {
            assets: 0,
            ..r.emulator.clone()
        };
        let server = Server::spawn(&emulator, 0.0, n, each);
        let outcome = rust_client(&server.url, job, n, 1);
        let report = server.finish();
        let counts = member_cids(n)
            .iter()
            .filter_map(|c| report.cids.get(c))
            .fold(Counts::default(), |a, c| Counts {
                requests: a.requests + c.requests,
                throttled: a.throttled + c.throttled,
                ..a
            });
        match outcome {
            Ok(o) => {
                let mut wall = seconds(o.wall_s);
                if o.assets != (n * each) as u64 || o.errors > 0 {
                    wall += &format!(" ({} errors)", o.errors);
                }
                println!(
                    "| {label} | {wall} | {} | {} | {:.1} | {} | {} |",
                    o.assets,
                    counts.requests,
                    counts.requests as f64 / o.wall_s.max(1e-9),
                    counts.throttled,
                    per_thousand(o.cpu_s, o.assets)
                );
                walls.push(o.wall_s);
            }
            Err(e) => println!("| {label} | failed: {e} |"),
        }
    }
    if let [together, apart] = walls[..] {
        println!(
            "\nAll at once: {:.1}x faster than one after another.",
            apart / together.max(1e-9)
        );
    }
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    match cli.mode {
        Some(Mode::Serve(a)) => serve(a).await,
        Some(Mode::Client(a)) => {
            let outcome = client_job(a).await;
            println!("{}", serde_json::to_string(&outcome).expect("outcome"));
        }
        None => tokio::task::spawn_blocking(move || run(cli.run))
            .await
            .expect("benchmark"),
    }
}
