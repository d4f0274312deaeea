//! `falcon-emulator`: runs the emulator on a fixed port until interrupted.

use clap::{Parser, ValueEnum};
use falcon_emulator::{
    ApiClient, Emulator, EmulatorConfig, Fault, FaultConfig, LimitRefusal, Paging, SCOPE_READ,
    SCOPE_WRITE,
};
use std::time::Duration;

/// Loopback emulator of the CrowdStrike Falcon Exposure Management API.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Number of generated assets.
    #[arg(long, default_value_t = 2_000)]
    assets: usize,
    /// Seed of the generated inventory.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Send `ip.fqdns` and `dns_domain.fqdn` only in the schema's forms (a
    /// list; one string). By default about a quarter of the assets carry
    /// the other form too, as real tenants send them.
    #[arg(long)]
    spec_fqdn_forms: bool,
    /// Anchor of the inventory's timestamps, Unix seconds (default: start of today, UTC).
    #[arg(long)]
    anchor: Option<i64>,
    /// Extra API client as ID:SECRET (both scopes); repeatable.
    #[arg(long = "client", value_name = "ID:SECRET")]
    clients: Vec<String>,
    /// Extra read-only API client as ID:SECRET; repeatable.
    #[arg(long = "read-only-client", value_name = "ID:SECRET")]
    read_only_clients: Vec<String>,
    /// Token lifetime in seconds (expires_in).
    #[arg(long, default_value_t = 1799)]
    token_ttl: u64,
    /// Region to report in X-Cs-Region on token responses (e.g. us-2).
    #[arg(long)]
    region: Option<String>,
    /// Requests per minute before 429.
    #[arg(long)]
    rate_limit: Option<u32>,
    /// Size in bytes of every downloadable blob.
    #[arg(long, default_value_t = 4096)]
    blob_size: u64,
    /// Probability (0-1) of a random fault (429/500/502/503) per API request.
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Constant latency added to every API request, in milliseconds.
    #[arg(long)]
    latency_ms: Option<u64>,
    /// Median of a log-normal latency added to every API request, in
    /// milliseconds (on top of --latency-ms).
    #[arg(long)]
    latency_median_ms: Option<u64>,
    /// 99th percentile of that latency, in milliseconds (default: the
    /// median, i.e. no spread).
    #[arg(long, requires = "latency_median_ms")]
    latency_p99_ms: Option<u64>,
    /// Member CID with its own inventory and budget, as CID:ASSETS; every
    /// API client may ask tokens for it. Repeatable.
    #[arg(long = "member", value_name = "CID:ASSETS")]
    members: Vec<String>,
    /// Background consumer spending a fraction of a CID's budget, as
    /// FRACTION (the parent CID) or CID:FRACTION. Repeatable, once per CID.
    #[arg(long = "background-load", value_name = "[CID:]FRACTION")]
    background: Vec<String>,
    /// Seconds a client may take to send a request header (0: no limit).
    #[arg(long, default_value_t = falcon_emulator::DEFAULT_HEADER_READ_TIMEOUT.as_secs())]
    header_read_timeout: u64,
    /// Seconds after which a connection with no request and no traffic is closed (0: never).
    #[arg(long, default_value_t = falcon_emulator::DEFAULT_IDLE_TIMEOUT.as_secs())]
    idle_timeout: u64,
    /// Largest `limit` of every query operation (default 100).
    #[arg(long, value_name = "N")]
    page_limit: Option<usize>,
    /// Largest `limit` of the v1 (offset) asset query, overriding --page-limit.
    #[arg(long, value_name = "N")]
    page_limit_assets_v1: Option<usize>,
    /// Largest `limit` of the v2 (cursor) asset query, overriding --page-limit.
    #[arg(long, value_name = "N")]
    page_limit_assets_v2: Option<usize>,
    /// Largest `limit` of the subsidiaries query and combined listing,
    /// overriding --page-limit.
    #[arg(long, value_name = "N")]
    page_limit_subsidiaries: Option<usize>,
    /// How a `limit` above the largest page is answered.
    #[arg(long, value_enum, default_value_t = Refusal::Named)]
    limit_refusal: Refusal,
    /// v2: the last page of a cursor walk comes twice (a fresh cursor, then the same ids).
    #[arg(long)]
    repeat_last_page: bool,
    /// v2: page N (2 or more) of every cursor walk hands back page N-1's ids
    /// with a fresh cursor to the real page N.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..))]
    repeat_page: Option<u32>,
}

/// `--limit-refusal`: the library's [`LimitRefusal`], as a command-line value.
#[derive(ValueEnum, Clone, Copy, Debug)]
enum Refusal {
    /// 400 naming the largest page.
    Named,
    /// 400 naming no number.
    Unnamed,
    /// 200 with at most the largest page.
    SilentCap,
    /// 200 with no ids and no next cursor.
    Empty,
}

impl From<Refusal> for LimitRefusal {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Named => LimitRefusal::Named,
            Refusal::Unnamed => LimitRefusal::Unnamed,
            Refusal::SilentCap => LimitRefusal::SilentCap,
            Refusal::Empty => LimitRefusal::Empty,
        }
    }
}

/// The page limits and page faults the flags ask for.
fn paging(args: &Args) -> Paging {
    let all = args.page_limit.unwrap_or(Paging::default().assets_v1);
    Paging {
        assets_v1: args.page_limit_assets_v1.unwrap_or(all),
        assets_v2: args.page_limit_assets_v2.unwrap_or(all),
        subsidiaries: args.page_limit_subsidiaries.unwrap_or(all),
        repeat_last_page: args.repeat_last_page,
        repeat_page: args.repeat_page,
        ..Paging::max(all, args.limit_refusal.into())
    }
}

fn secs(n: u64) -> Option<Duration> {
    (n > 0).then(|| Duration::from_secs(n))
}

fn split(s: &str) -> Result<(&str, &str), String> {
    s.split_once(':')
        .ok_or_else(|| format!("expected ID:SECRET, got '{s}'"))
}

/// The configuration the flags ask for.
fn config(args: &Args) -> Result<EmulatorConfig, String> {
    let mut cfg = EmulatorConfig::default()
        .assets(args.assets)
        .seed(args.seed)
        .mixed_fqdn_forms(!args.spec_fqdn_forms)
        .port(args.port)
        .token_ttl(Duration::from_secs(args.token_ttl))
        .blob_size(args.blob_size)
        .paging(paging(args));
    cfg.anchor = args.anchor;
    cfg.region = args.region.clone();
    cfg.rate_limit_per_minute = args.rate_limit;
    cfg.header_read_timeout = secs(args.header_read_timeout);
    cfg.idle_timeout = secs(args.idle_timeout);
    for c in &args.clients {
        let (id, secret) = split(c)?;
        cfg = cfg.client(ApiClient::new(id, secret, &[SCOPE_READ, SCOPE_WRITE]));
    }
    for c in &args.read_only_clients {
        let (id, secret) = split(c)?;
        cfg = cfg.client(ApiClient::new(id, secret, &[SCOPE_READ]));
    }
    let mut faults = FaultConfig::random(
        args.fault_rate,
        &[
            Fault::TooManyRequests,
            Fault::InternalServerError,
            Fault::BadGateway,
            Fault::ServiceUnavailable,
        ],
    );
    faults.latency = args.latency_ms.map(Duration::from_millis);
    cfg.faults = faults;
    if let Some(median) = args.latency_median_ms {
        let p99 = args.latency_p99_ms.unwrap_or(median);
        cfg = cfg.latency_distribution(Duration::from_millis(median), Duration::from_millis(p99));
    }
    let mut member_cids = Vec::new();
    for m in &args.members {
        let (cid, n) = m
            .rsplit_once(':')
            .ok_or_else(|| format!("expected CID:ASSETS, got '{m}'"))?;
        let n = n
            .parse()
            .map_err(|_| format!("invalid asset count in '{m}'"))?;
        cfg = cfg.member(cid, n);
        member_cids.push(cid.to_string());
    }
    let members: Vec<&str> = member_cids.iter().map(String::as_str).collect();
    for c in &mut cfg.clients {
        c.member_cids.extend(members.iter().map(|m| m.to_string()));
    }
    for b in &args.background {
        let (cid, fraction) = b
            .rsplit_once(':')
            .unwrap_or((falcon_emulator::DEFAULT_CID, b));
        let fraction = fraction
            .parse()
            .map_err(|_| format!("invalid fraction in '{b}'"))?;
        cfg = cfg.background_load(cid, fraction);
    }
    Ok(cfg)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let emu = Emulator::start(config(&args)?).await?;
    println!("falcon-emulator listening on {}", emu.base_url());
    println!("assets: {} (seed {})", emu.asset_count(), args.seed);
    for m in &emu.config().members {
        println!("member cid={} assets={}", m.cid, m.assets);
    }
    for c in &emu.config().clients {
        println!(
            "client_id={} client_secret={} scopes={}",
            c.client_id,
            c.client_secret,
            c.scopes.join(",")
        );
    }
    tokio::signal::ctrl_c().await?;
    emu.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn config_of(flags: &[&str]) -> EmulatorConfig {
        let args =
            Args::try_parse_from(std::iter::once("falcon-emulator").chain(flags.iter().copied()));
        config(&args.expect("valid flags")).expect("a configuration")
    }

    #[test]
    fn the_flags_are_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn fqdn_forms_are_mixed_unless_the_spec_forms_are_asked_for() {
        assert!(config_of(&[]).mixed_fqdn_forms);
        assert!(!config_of(&["--spec-fqdn-forms"]).mixed_fqdn_forms);
    }
}
