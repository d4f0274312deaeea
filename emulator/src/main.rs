//! `falcon-emulator`: runs the emulator on a fixed port until interrupted.

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use falcon_emulator::{
    ApiClient, Emulator, EmulatorConfig, Fault, FaultConfig, SCOPE_READ, SCOPE_WRITE,
};
use std::time::Duration;

/// The command line: every flag with its help text and default.
fn command() -> Command {
    let header_read_timeout = falcon_emulator::DEFAULT_HEADER_READ_TIMEOUT.as_secs();
    let idle_timeout = falcon_emulator::DEFAULT_IDLE_TIMEOUT.as_secs();
    Command::new(env!("CARGO_PKG_NAME"))
        .version(env!("CARGO_PKG_VERSION"))
        .about(env!("CARGO_PKG_DESCRIPTION"))
        .args([
            option("port", "PORT", "Port on 127.0.0.1 (0 picks a free one)")
                .value_parser(value_parser!(u16))
                .default_value("8080"),
            option("assets", "ASSETS", "Number of generated assets")
                .value_parser(value_parser!(usize))
                .default_value("2000"),
            option("seed", "SEED", "Seed of the generated inventory")
                .value_parser(value_parser!(u64))
                .default_value("42"),
            option(
                "anchor",
                "ANCHOR",
                "Anchor of the inventory's timestamps, Unix seconds (default: start of today, UTC)",
            )
            .value_parser(value_parser!(i64)),
            repeated(
                "client",
                "ID:SECRET",
                "Extra API client as ID:SECRET (both scopes); repeatable",
            ),
            repeated(
                "read-only-client",
                "ID:SECRET",
                "Extra read-only API client as ID:SECRET; repeatable",
            ),
            option("token-ttl", "TOKEN_TTL", "Token lifetime in seconds (expires_in)")
                .value_parser(value_parser!(u64))
                .default_value("1799"),
            option(
                "region",
                "REGION",
                "Region to report in X-Cs-Region on token responses (e.g. us-2)",
            ),
            option("rate-limit", "RATE_LIMIT", "Requests per minute before 429")
                .value_parser(value_parser!(u32)),
            option(
                "blob-size",
                "BLOB_SIZE",
                "Size in bytes of every downloadable blob",
            )
            .value_parser(value_parser!(u64))
            .default_value("4096"),
            option(
                "fault-rate",
                "FAULT_RATE",
                "Probability (0-1) of a random fault (429/500/502/503) per API request",
            )
            .value_parser(value_parser!(f64))
            .default_value("0"),
            option(
                "latency-ms",
                "LATENCY_MS",
                "Constant latency added to every API request, in milliseconds",
            )
            .value_parser(value_parser!(u64)),
            option(
                "latency-median-ms",
                "LATENCY_MEDIAN_MS",
                "Median of a log-normal latency added to every API request, in \
                 milliseconds (on top of --latency-ms)",
            )
            .value_parser(value_parser!(u64)),
            option(
                "latency-p99-ms",
                "LATENCY_P99_MS",
                "99th percentile of that latency, in milliseconds (default: the \
                 median, i.e. no spread)",
            )
            .value_parser(value_parser!(u64))
            .requires("latency-median-ms"),
            repeated(
                "member",
                "CID:ASSETS",
                "Member CID with its own inventory and budget, as CID:ASSETS; every \
                 API client may ask tokens for it. Repeatable",
            ),
            repeated(
                "background-load",
                "[CID:]FRACTION",
                "Background consumer spending a fraction of a CID's budget, as \
                 FRACTION (the parent CID) or CID:FRACTION. Repeatable, once per CID",
            ),
            option(
                "header-read-timeout",
                "HEADER_READ_TIMEOUT",
                "Seconds a client may take to send a request header (0: no limit)",
            )
            .value_parser(value_parser!(u64))
            .default_value(header_read_timeout.to_string()),
            option(
                "idle-timeout",
                "IDLE_TIMEOUT",
                "Seconds after which a connection with no request and no traffic is closed (0: never)",
            )
            .value_parser(value_parser!(u64))
            .default_value(idle_timeout.to_string()),
        ])
}

/// `--long <VALUE>`: an option taking one value.
fn option(long: &'static str, value_name: &'static str, help: &'static str) -> Arg {
    Arg::new(long).long(long).value_name(value_name).help(help)
}

/// `--long <VALUE>`, repeatable: every value is kept.
fn repeated(long: &'static str, value_name: &'static str, help: &'static str) -> Arg {
    option(long, value_name, help).action(ArgAction::Append)
}

/// The value of an option that has one (given or by default).
fn value<T: Clone + Send + Sync + 'static>(m: &ArgMatches, id: &str) -> Option<T> {
    m.get_one::<T>(id).cloned()
}

/// The value of an option that has a default.
fn defaulted<T: Clone + Send + Sync + 'static>(m: &ArgMatches, id: &str) -> Result<T, String> {
    value(m, id).ok_or_else(|| format!("--{id} has no value"))
}

/// Every value given to a repeatable option.
fn values(m: &ArgMatches, id: &str) -> Vec<String> {
    m.get_many::<String>(id)
        .map(|v| v.cloned().collect())
        .unwrap_or_default()
}

fn secs(n: u64) -> Option<Duration> {
    (n > 0).then(|| Duration::from_secs(n))
}

fn split(s: &str) -> Result<(&str, &str), String> {
    s.split_once(':')
        .ok_or_else(|| format!("expected ID:SECRET, got '{s}'"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = command().get_matches();
    let seed: u64 = defaulted(&args, "seed")?;
    let mut cfg = EmulatorConfig::default()
        .assets(defaulted(&args, "assets")?)
        .seed(seed)
        .port(defaulted(&args, "port")?)
        .token_ttl(Duration::from_secs(defaulted(&args, "token-ttl")?))
        .blob_size(defaulted(&args, "blob-size")?);
    cfg.anchor = value(&args, "anchor");
    cfg.region = value(&args, "region");
    cfg.rate_limit_per_minute = value(&args, "rate-limit");
    cfg.header_read_timeout = secs(defaulted(&args, "header-read-timeout")?);
    cfg.idle_timeout = secs(defaulted(&args, "idle-timeout")?);
    for c in &values(&args, "client") {
        let (id, secret) = split(c)?;
        cfg = cfg.client(ApiClient::new(id, secret, &[SCOPE_READ, SCOPE_WRITE]));
    }
    for c in &values(&args, "read-only-client") {
        let (id, secret) = split(c)?;
        cfg = cfg.client(ApiClient::new(id, secret, &[SCOPE_READ]));
    }
    let mut faults = FaultConfig::random(
        defaulted(&args, "fault-rate")?,
        &[
            Fault::TooManyRequests,
            Fault::InternalServerError,
            Fault::BadGateway,
            Fault::ServiceUnavailable,
        ],
    );
    faults.latency = value(&args, "latency-ms").map(Duration::from_millis);
    cfg.faults = faults;
    if let Some(median) = value(&args, "latency-median-ms") {
        let p99 = value(&args, "latency-p99-ms").unwrap_or(median);
        cfg = cfg.latency_distribution(Duration::from_millis(median), Duration::from_millis(p99));
    }
    let mut member_cids = Vec::new();
    for m in &values(&args, "member") {
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
    for b in &values(&args, "background-load") {
        let (cid, fraction) = b
            .rsplit_once(':')
            .unwrap_or((falcon_emulator::DEFAULT_CID, b));
        let fraction = fraction
            .parse()
            .map_err(|_| format!("invalid fraction in '{b}'"))?;
        cfg = cfg.background_load(cid, fraction);
    }
    let emu = Emulator::start(cfg).await?;
    println!("falcon-emulator listening on {}", emu.base_url());
    println!("assets: {} (seed {})", emu.asset_count(), seed);
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
