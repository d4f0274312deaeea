//! Calls operations by their operation ID, with raw query parameters and
//! JSON bodies, the way FalconPy's Uber class does: for scripts that take
//! the operation from configuration, or for parameters newer than this
//! crate.
//!
//! ```sh
//! cargo run --example call_by_operation_id
//! cargo run --example call_by_operation_id -- query_external_assets limit=3 "filter=asset_type:'ip'"
//! ```
//!
//! Runs against the built-in emulator unless `FALCON_CLIENT_ID` is set.

use clap::Parser;
use falcon_exposure::{Error, OPERATIONS};
use serde_json::{Value, json};
use support::Session;

type BoxError = Box<dyn std::error::Error>;

/// Calls operations by operation ID. Without arguments, a tour of the
/// operation table and of a few calls.
#[derive(Parser)]
struct Args {
    /// Operation ID (or method name) to call.
    operation: Option<String>,
    /// Query parameters of that call, as key=value.
    #[arg(requires = "operation")]
    params: Vec<String>,
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), BoxError> {
    let args = Args::parse();
    let session = Session::open(500).await?;
    let client = &session.client;

    if let Some(op) = &args.operation {
        // An operation and key=value query parameters from the command line.
        let mut command = client.command(op)?;
        for kv in &args.params {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| format!("expected key=value, got {kv}"))?;
            command = command.query(k, v);
        }
        let reply = command.send().await?;
        println!("{op} -> HTTP {}", reply.status.as_u16());
        println!(
            "{}",
            serde_json::to_string_pretty(&reply.body["resources"])?
        );
        session.close().await;
        return Ok(());
    }

    println!("\nThe operation table:");
    let mut table = support::table(&["Operation ID", "Method", "HTTP", "Route"]);
    for op in OPERATIONS {
        table.add_row([
            op.id(),
            op.method_name(),
            op.http_method().as_str(),
            op.route(),
        ]);
    }
    support::print_table(&table);

    // Query ids, then get them, by operation ID.
    println!("\nquery_external_assets, then get_external_assets with its ids:");
    let ids = client
        .command("query_external_assets")?
        .query_object(
            json!({"filter": "asset_type:'dns_domain'", "limit": 3, "sort": "last_seen|desc"}),
        )
        .send()
        .await?;
    let ids: Vec<String> = ids.body["resources"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let assets = client
        .command("get_external_assets")?
        .query_values("ids", &ids)
        .send()
        .await?;
    let mut table = support::table(&["id", "fqdn", "last_seen"]);
    for a in assets.body["resources"].as_array().into_iter().flatten() {
        table.add_row([
            a["id"].as_str().unwrap_or("-"),
            a["dns_domain"]["fqdn"].as_str().unwrap_or("-"),
            a["last_seen"].as_str().unwrap_or("-"),
        ]);
    }
    support::print_table(&table);
    println!("  trace id: {}", assets.trace_id.as_deref().unwrap_or("-"));

    // A JSON body: an aggregate.
    println!("\naggregate_external_assets with a raw JSON body:");
    let agg = client
        .command("aggregate_external_assets")?
        .body(
            json!([{"name": "exposure", "type": "terms", "field": "internet_exposure", "size": 5}]),
        )
        .send()
        .await?;
    for b in agg.body["resources"][0]["buckets"]
        .as_array()
        .into_iter()
        .flatten()
    {
        println!(
            "  {:<12} {:>6}",
            b["label"].as_str().unwrap_or("-"),
            b["count"]
        );
    }

    // The PEP8 method name works too, and a misspelt name gets suggestions.
    println!("\nNames are matched by operation ID or method name:");
    match client.command("get_external_asset") {
        Err(e @ Error::UnknownOperation { .. }) => println!("  {e}"),
        Err(e) => return Err(e.into()),
        Ok(_) => println!("  (found)"),
    }
    let by_method = client.command("query_assets")?;
    println!("  query_assets is {}", by_method.operation().id());

    session.close().await;
    Ok(())
}
