//! A one-page exposure report from aggregates alone: no asset is
//! downloaded. Terms with a nested aggregate, a filtered terms, the
//! applications of every service, ranges, a date range and a cardinality,
//! each one request.
//!
//! ```sh
//! cargo run --example aggregate_report
//! ```
//!
//! Runs against the built-in emulator unless `FALCON_CLIENT_ID` is set.

use falcon_exposure::Client;
use falcon_exposure::fields::external_assets as f;
use falcon_exposure::models::{AggregateQueryRequest, AggregationResult, DateRangeSpec, RangeSpec};
use support::{Session, bar, fmt_count};

type BoxError = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn count(b: &falcon_exposure::models::AggregationResultItem) -> u64 {
    b.count.unwrap_or(0).max(0) as u64
}

fn label(b: &falcon_exposure::models::AggregationResultItem) -> String {
    match (&b.key_as_string, &b.label) {
        (Some(k), _) => k.to_string(),
        (None, Some(serde_json::Value::String(s))) => s.clone(),
        (None, Some(v)) => v.to_string(),
        (None, None) => "-".into(),
    }
}

fn first(reply: Vec<AggregationResult>) -> AggregationResult {
    reply.into_iter().next().unwrap_or_default()
}

async fn run() -> Result<(), BoxError> {
    let session = Session::open(10_000).await?;
    let client = &session.client;

    subsidiaries(client).await?;
    exposed_ports(client).await?;
    applications(client).await?;
    confidence(client).await?;
    last_seen(client).await?;

    let asns = client
        .aggregate_assets()
        .name("asns")
        .aggregation_type("cardinality")
        .field("ip.asn")
        .send()
        .await?;
    let distinct = first(asns.resources)
        .buckets
        .and_then(|b| b.first().and_then(|b| b.value))
        .unwrap_or(0.0);
    println!("\nDistinct autonomous systems hosting IP assets: {distinct:.0}");

    session.close().await;
    Ok(())
}

/// Assets per subsidiary, split by internet exposure (a nested terms).
async fn subsidiaries(client: &Client) -> Result<(), BoxError> {
    let nested = AggregateQueryRequest {
        name: Some("exposure".into()),
        r#type: Some("terms".into()),
        field: Some("internet_exposure".into()),
        ..AggregateQueryRequest::default()
    };
    let reply = client
        .aggregate_assets()
        .name("by_subsidiary")
        .aggregation_type("terms")
        .field("subsidiaries.name")
        .size(10)
        .sub_aggregates(vec![nested])
        .send()
        .await?;
    let mut table = support::table(&["Subsidiary", ">Assets", ">Exposed", ">Share exposed"]);
    for b in first(reply.resources).buckets.unwrap_or_default() {
        let exposed = b
            .sub_aggregates
            .as_ref()
            .and_then(|s| s.first())
            .and_then(|r| r.buckets.as_ref())
            // `Yes` marks an internet-exposed asset.
            .and_then(|bs| bs.iter().find(|x| label(x) == "Yes").map(count))
            .unwrap_or(0);
        let total = count(&b);
        table.add_row([
            label(&b),
            fmt_count(total),
            fmt_count(exposed),
            format!("{:.0}%", 100.0 * exposed as f64 / total.max(1) as f64),
        ]);
    }
    println!("\nAssets by subsidiary");
    support::print_table(&table);
    Ok(())
}

/// The most common ports among exposed IP assets (a filtered terms).
async fn exposed_ports(client: &Client) -> Result<(), BoxError> {
    let reply = client
        .aggregate_assets()
        .name("ports")
        .aggregation_type("terms")
        .field("ip.services.port")
        .filter(
            f::INTERNET_EXPOSURE
                .equals("Yes")
                .and(f::ASSET_TYPE.equals("ip")),
        )
        .size(10)
        .send()
        .await?;
    let buckets = first(reply.resources).buckets.unwrap_or_default();
    let max = buckets.iter().map(count).max().unwrap_or(0);
    let mut table = support::table(&[">Port", ">Exposed IPs", ""]);
    for b in &buckets {
        table.add_row([label(b), fmt_count(count(b)), bar(count(b), max, 25)]);
    }
    println!("\nTop ports on exposed IP assets");
    support::print_table(&table);
    Ok(())
}

/// The most common applications on the services of IP and DNS-domain
/// assets alike: a terms on `applications.name`, as CrowdStrike's own
/// exposure management sample lists them.
async fn applications(client: &Client) -> Result<(), BoxError> {
    let reply = client
        .aggregate_assets()
        .name("applications")
        .aggregation_type("terms")
        .field("applications.name")
        .size(10)
        .send()
        .await?;
    let buckets = first(reply.resources).buckets.unwrap_or_default();
    let max = buckets.iter().map(count).max().unwrap_or(0);
    let mut table = support::table(&["Application", ">Assets", ""]);
    for b in &buckets {
        table.add_row([label(b), fmt_count(count(b)), bar(count(b), max, 25)]);
    }
    println!("\nTop applications");
    support::print_table(&table);
    Ok(())
}

/// Assets by discovery confidence (a numeric range).
async fn confidence(client: &Client) -> Result<(), BoxError> {
    let range = |from: f64, to: f64| RangeSpec {
        from: Some(from),
        to: Some(to),
    };
    let reply = client
        .aggregate_assets()
        .name("confidence")
        .aggregation_type("range")
        .field("confidence")
        .ranges(vec![
            range(0.0, 50.0),
            range(50.0, 80.0),
            range(80.0, 101.0),
        ])
        .send()
        .await?;
    let mut table = support::table(&["Confidence", ">Assets"]);
    for b in first(reply.resources).buckets.unwrap_or_default() {
        let lo = b.from.unwrap_or(0.0);
        let hi = b.to.unwrap_or(100.0).min(100.0);
        table.add_row([format!("{lo:.0}-{hi:.0}"), fmt_count(count(&b))]);
    }
    println!("\nAssets by discovery confidence");
    support::print_table(&table);
    Ok(())
}

/// How recently assets were seen (a date range with relative dates).
async fn last_seen(client: &Client) -> Result<(), BoxError> {
    let span = |from: &str, to: &str| DateRangeSpec {
        from: Some(from.into()),
        to: Some(to.into()),
    };
    let reply = client
        .aggregate_assets()
        .name("recency")
        .aggregation_type("date_range")
        .field("last_seen")
        .date_ranges(vec![
            span("now-1d", "now"),
            span("now-7d", "now-1d"),
            span("now-30d", "now-7d"),
            span("now-365d", "now-30d"),
        ])
        .send()
        .await?;
    let names = ["last day", "last week", "last month", "older"];
    let mut table = support::table(&["Last seen", ">Assets"]);
    for (i, b) in first(reply.resources)
        .buckets
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        table.add_row([
            names.get(i).copied().unwrap_or("-").to_owned(),
            fmt_count(count(b)),
        ]);
    }
    println!("\nAssets by last seen");
    support::print_table(&table);
    Ok(())
}
