//! The story of a user of the Exposure Management API, end to end.
//!
//! ```sh
//! cargo run --example quickstart            # built-in emulator, no credentials
//! FALCON_CLIENT_ID=... FALCON_CLIENT_SECRET=... cargo run --example quickstart           # your tenant, read-only
//! FALCON_CLIENT_ID=... FALCON_CLIENT_SECRET=... cargo run --example quickstart -- --write # also triage, add and delete
//! ```
//!
//! Without `FALCON_CLIENT_ID` the example starts the emulator in-process
//! with a generated inventory and says so. With credentials it talks to your
//! cloud (`FALCON_CLOUD`, default us-1 with autodiscovery) and only reads,
//! unless `--write` is given.

use std::collections::BTreeMap;

use clap::Parser;
use falcon_exposure::fields::external_assets as f;
use falcon_exposure::fql::RelativeTime;
use falcon_exposure::models::{AggregationResult, FemExternalAsset, UserExternalAsset};
use falcon_exposure::{Client, Error};
use futures::StreamExt;
use support::{Session, bar, fmt_count, heading, or_dash};

type BoxError = Box<dyn std::error::Error>;

/// The story of a user of the Exposure Management API, end to end.
#[derive(Parser)]
struct Args {
    /// Against a real tenant, also triage, add and delete assets (the
    /// emulator is always changed).
    #[arg(long)]
    write: bool,
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), BoxError> {
    let write_flag = Args::parse().write;
    let session = Session::open(5_000).await?;
    // Against the emulator everything may be changed; a real tenant only
    // with --write.
    let may_write = !session.is_real() || write_flag;
    let client = session.client.clone();

    heading(1, "Authenticate");
    client.authenticate().await?;
    println!(
        "  token obtained for client {} at {}",
        client.client_id(),
        client.base_url()
    );
    if session.is_real() && !may_write {
        println!("  read-only run: pass --write to also triage, add and delete assets");
    }

    heading(2, "Inventory at a glance (aggregates)");
    count_by(&client, "asset_type", "Asset type").await?;
    count_by(&client, "criticality", "Criticality").await?;
    count_by(&client, "perimeter", "Perimeter").await?;
    new_per_week(&client).await?;

    heading(3, "Internet-exposed services seen in the last 7 days");
    let exposed = export_exposed(&client).await?;
    list_services(&exposed);

    let Some(asset) = pick_asset(&exposed) else {
        println!("\nNo exposed asset seen in the last 7 days: nothing to show in detail.");
        session.close().await;
        return Ok(());
    };
    let id = asset.id.clone().unwrap_or_default();

    heading(4, "One asset in detail");
    show_asset(asset);

    heading(
        5,
        "Rate its criticality, assign it and read the change back",
    );
    if may_write {
        assess(&client, &id).await?;
    } else {
        println!("  skipped (read-only; pass --write)");
    }

    heading(6, "Preview and download a blob");
    blobs(&client, &exposed).await?;

    heading(7, "Add a test asset, then delete it");
    if may_write {
        add_and_delete(&client).await?;
    } else {
        println!("  skipped (read-only; pass --write)");
    }

    println!();
    let rl = client.last_rate_limit();
    if let (Some(remaining), Some(limit)) = (rl.remaining, rl.limit) {
        println!("Done. Rate limit: {remaining} of {limit} requests left this minute.");
    } else {
        println!("Done.");
    }
    session.close().await;
    Ok(())
}

/// Terms aggregate on `field`: a table of values and counts.
async fn count_by(client: &Client, field: &str, title: &str) -> Result<(), BoxError> {
    let reply = client
        .aggregate_assets()
        .name(format!("by_{field}"))
        .aggregation_type("terms")
        .field(field)
        .missing("(not set)")
        .size(10)
        .sort("_count|desc")
        .send()
        .await?;
    let buckets = buckets(reply.resources.first());
    let max = buckets.iter().map(|b| b.1).max().unwrap_or(0);
    let total: u64 = buckets.iter().map(|b| b.1).sum();
    let mut table = support::table(&[title, ">Assets", ">Share", ""]);
    for (label, count) in &buckets {
        table.add_row([
            label.clone(),
            fmt_count(*count),
            format!("{:.1}%", 100.0 * *count as f64 / total.max(1) as f64),
            bar(*count, max, 30),
        ]);
    }
    println!();
    support::print_table(&table);
    Ok(())
}

/// Date histogram of `first_seen`: assets discovered per week over the last
/// eight weeks.
async fn new_per_week(client: &Client) -> Result<(), BoxError> {
    let reply = client
        .aggregate_assets()
        .name("new_per_week")
        .aggregation_type("date_histogram")
        .field("first_seen")
        .interval("week")
        .filter(f::FIRST_SEEN.greater_or_equal(RelativeTime::days_ago(56)))
        .send()
        .await?;
    let buckets = buckets(reply.resources.first());
    let max = buckets.iter().map(|b| b.1).max().unwrap_or(0);
    let mut table = support::table(&["Week of", ">New assets", ""]);
    for (label, count) in &buckets {
        table.add_row([
            label.get(..10).unwrap_or(label).to_owned(),
            fmt_count(*count),
            bar(*count, max, 30),
        ]);
    }
    println!();
    support::print_table(&table);
    Ok(())
}

/// (label, count) of an aggregate's buckets.
fn buckets(result: Option<&AggregationResult>) -> Vec<(String, u64)> {
    let Some(items) = result.and_then(|r| r.buckets.as_ref()) else {
        return Vec::new();
    };
    items
        .iter()
        .map(|b| {
            let label = b.key_as_string.as_deref().map_or_else(
                || match &b.label {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => "-".into(),
                },
                str::to_owned,
            );
            (label, b.count.unwrap_or(0).max(0) as u64)
        })
        .collect()
}

/// Every internet-exposed asset seen in the last 7 days, with details, most
/// recently seen first. `Client::export_assets` pages the ids and fetches their
/// details in batches of 100, a few requests at a time, while it reports
/// its progress to the bar.
async fn export_exposed(client: &Client) -> Result<Vec<FemExternalAsset>, BoxError> {
    // `Yes` is the value a CrowdStrike sample tests for exposed assets.
    let filter = f::INTERNET_EXPOSURE
        .equals("Yes")
        .and(f::LAST_SEEN.greater_or_equal(RelativeTime::days_ago(7)));
    println!("  filter: {filter}");
    let bar = support::progress("  exporting");
    let shown = bar.clone();
    let mut stream = client
        .export_assets(&filter)
        .on_progress(move |p| support::update(&shown, p))
        .items();
    let mut assets = Vec::new();
    let mut missing = 0;
    while let Some(item) = stream.next().await {
        match item {
            Ok(asset) => assets.push(asset),
            // An id the query listed whose details are gone (deleted
            // meanwhile): reported, and the export goes on.
            Err(Error::NotFound { .. }) => missing += 1,
            Err(e) => return Err(e.into()),
        }
    }
    support::finish(&bar);
    if missing > 0 {
        println!("  {missing} ids listed by the query were not found any more");
    }
    assets.sort_by(|a, b| b.last_seen.cmp(&a.last_seen));
    Ok(assets)
}

/// The exposed services of the exported assets: counts by port and protocol,
/// then the first rows.
fn list_services(assets: &[FemExternalAsset]) {
    let mut by_port: BTreeMap<(i64, String), u64> = BTreeMap::new();
    let mut rows = support::table(&["Asset", ">Port", "Protocol", "Application", "Last seen"]);
    let mut services = 0u64;
    for asset in assets {
        for s in asset_services(asset) {
            services += 1;
            let key = (
                s.port.unwrap_or(0),
                or_dash(s.protocol.as_deref()).to_owned(),
            );
            *by_port.entry(key).or_default() += 1;
            if rows.row_count() < 10 {
                let app = s
                    .applications
                    .as_ref()
                    .and_then(|a| a.first())
                    .map(|a| {
                        let name = or_dash(a.name.as_deref());
                        match a.version.as_deref() {
                            Some(v) if !v.is_empty() => format!("{name} {v}"),
                            _ => name.to_owned(),
                        }
                    })
                    .unwrap_or_else(|| "-".into());
                rows.add_row([
                    asset_value(asset),
                    s.port.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
                    or_dash(s.protocol.as_deref()).to_owned(),
                    app,
                    short_time(s.last_seen.as_deref().or(asset.last_seen.as_deref())),
                ]);
            }
        }
    }
    println!(
        "  {} assets, {} services",
        fmt_count(assets.len() as u64),
        fmt_count(services)
    );
    let mut top: Vec<_> = by_port.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut table = support::table(&[">Port", "Protocol", ">Services"]);
    for ((port, proto), n) in top.iter().take(8) {
        table.add_row([port.to_string(), proto.clone(), fmt_count(*n)]);
    }
    println!();
    support::print_table(&table);
    println!();
    support::print_table(&rows);
}

fn asset_services(asset: &FemExternalAsset) -> &[falcon_exposure::models::ExternalAssetService] {
    asset
        .ip
        .as_ref()
        .and_then(|ip| ip.services.as_deref())
        .or_else(|| {
            asset
                .dns_domain
                .as_ref()
                .and_then(|d| d.services.as_deref())
        })
        .unwrap_or_default()
}

/// The IP address or the domain name of an asset.
fn asset_value(asset: &FemExternalAsset) -> String {
    asset
        .ip
        .as_ref()
        .and_then(|ip| ip.ip_address.as_deref())
        .or_else(|| Some(asset.dns_domain.as_ref()?.fqdn.as_ref()?.first()?.as_str()))
        .unwrap_or_else(|| or_dash(asset.id.as_deref()))
        .to_owned()
}

fn short_time(t: Option<&str>) -> String {
    match t {
        Some(t) if t.len() >= 16 => t[..16].replace('T', " "),
        Some(t) => t.to_owned(),
        None => "-".into(),
    }
}

/// The asset with the most services, for the detailed view.
fn pick_asset(assets: &[FemExternalAsset]) -> Option<&FemExternalAsset> {
    assets.iter().max_by_key(|a| asset_services(a).len())
}

fn show_asset(a: &FemExternalAsset) {
    let mut rows: Vec<(&str, String)> = vec![
        ("id", or_dash(a.id.as_deref()).into()),
        ("value", asset_value(a)),
        ("type", or_dash(a.asset_type.as_deref()).into()),
        ("status", or_dash(a.status.as_deref()).into()),
        (
            "internet exposure",
            or_dash(a.internet_exposure.as_deref()).into(),
        ),
        ("perimeter", or_dash(a.perimeter.as_deref()).into()),
        ("discovered by", or_dash(a.discovered_by.as_deref()).into()),
        ("criticality", criticality_text(a)),
        ("first seen", short_time(a.first_seen.as_deref())),
        ("last seen", short_time(a.last_seen.as_deref())),
    ];
    if let Some(subs) = &a.subsidiaries {
        let names: Vec<&str> = subs.iter().filter_map(|s| s.name.as_deref()).collect();
        rows.push((
            "subsidiaries",
            if names.is_empty() {
                "-".into()
            } else {
                names.join(", ")
            },
        ));
    }
    if let Some(ip) = &a.ip {
        rows.push(("ISP", or_dash(ip.isp.as_deref()).into()));
        rows.push((
            "ASN",
            ip.asn.map(|n| n.to_string()).unwrap_or_else(|| "-".into()),
        ));
        if let Some(loc) = &ip.location {
            rows.push((
                "location",
                format!(
                    "{}, {}",
                    or_dash(loc.city.as_deref()),
                    or_dash(loc.country_name.as_deref())
                ),
            ));
        }
        if let Some(cloud) = ip.cloud_provider.as_deref() {
            rows.push(("cloud", cloud.into()));
        }
    }
    if let Some(d) = &a.dns_domain
        && let Some(ips) = &d.resolved_ips
    {
        rows.push(("resolves to", ips.join(", ")));
    }
    rows.push(("discovery path", discovery_text(a)));
    if let Some(triage) = triage_text(a) {
        rows.push(("triage", triage));
    }
    for (k, v) in rows {
        println!("  {k:<18} {v}");
    }
    let mut table = support::table(&[
        ">Port",
        "Protocol",
        "Transport",
        ">HTTP",
        "Application",
        "TLS",
    ]);
    for s in asset_services(a) {
        let app = s
            .applications
            .as_ref()
            .map(|apps| {
                apps.iter()
                    .filter_map(|a| a.name.as_deref())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "-".into());
        table.add_row([
            s.port.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
            or_dash(s.protocol.as_deref()).into(),
            or_dash(s.transport.as_deref()).into(),
            s.status_code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into()),
            app,
            or_dash(s.tls.as_ref().and_then(|t| t.version.as_deref())).into(),
        ]);
    }
    println!();
    support::print_table(&table);
}

/// The entities of the asset's discovery path, from its subsidiary to the
/// asset itself.
fn discovery_text(a: &FemExternalAsset) -> String {
    let steps = a
        .discovery
        .as_ref()
        .and_then(|d| d.path.as_ref())
        .and_then(|p| p.steps.as_ref());
    match steps {
        Some(steps) if !steps.is_empty() => steps
            .iter()
            .map(|s| or_dash(s.entity.as_deref()))
            .collect::<Vec<_>>()
            .join(" > "),
        _ => "-".into(),
    }
}

/// The criticality, and who set it when someone did.
fn criticality_text(a: &FemExternalAsset) -> String {
    let level = or_dash(a.criticality.as_deref());
    match a.criticality_username.as_deref() {
        Some(who) => format!("{level} (set by {who})"),
        None => level.into(),
    }
}

/// The triage members the asset has (status, action, assignee), or `None`
/// when it has none: most assets carry no triage at all.
fn triage_text(a: &FemExternalAsset) -> Option<String> {
    let t = a.triage.as_ref()?;
    let parts: Vec<String> = [
        ("status", &t.status),
        ("action", &t.action),
        ("assigned to", &t.assigned_to),
    ]
    .into_iter()
    .filter_map(|(what, v)| match v.as_deref() {
        Some(v) if !v.is_empty() => Some(format!("{what} {v}")),
        _ => None,
    })
    .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// `criticality ...; triage ...`, without the triage when there is none.
fn assessment_text(a: &FemExternalAsset) -> String {
    let criticality = format!("criticality {}", criticality_text(a));
    match triage_text(a) {
        Some(triage) => format!("{criticality}; triage: {triage}"),
        None => criticality,
    }
}

/// Sets a documented criticality level (`Critical`, `High`, `Noncritical`
/// or `Unassigned`) and assigns the asset for triage. The triage status and
/// action are left alone: no public source lists their values.
async fn assess(client: &Client, id: &str) -> Result<(), BoxError> {
    let before = get_one(client, id).await?;
    let reply = client
        .update_assets()
        .id(id)
        .criticality("High")
        .criticality_description("Internet-exposed service (falcon-exposure quickstart)")
        .assigned_to("quickstart@example.com")
        .description("Exposed service under review (falcon-exposure quickstart)")
        .send()
        .await?
        .error_for_errors()?;
    let affected = reply
        .meta
        .writes
        .as_ref()
        .and_then(|w| w.resources_affected)
        .unwrap_or(0);
    let after = get_one(client, id).await?;
    println!("  PATCH {id}: {affected} asset updated");
    println!("  before: {}", assessment_text(&before));
    println!("  after:  {}", assessment_text(&after));
    if let Some(t) = &after.triage {
        println!(
            "          updated by {} at {}",
            or_dash(t.updated_by.as_deref()),
            short_time(t.updated_timestamp.as_deref())
        );
    }
    Ok(())
}

async fn get_one(client: &Client, id: &str) -> Result<FemExternalAsset, BoxError> {
    let reply = client.get_assets().ids([id]).send().await?;
    reply
        .resources
        .into_iter()
        .next()
        .ok_or_else(|| format!("asset {id} not found").into())
}

/// The first service blob link (`assetId` and `hash`) among the assets.
fn blob_link(assets: &[FemExternalAsset]) -> Option<(String, String)> {
    for a in assets {
        for s in asset_services(a) {
            let Some(links) = &s.blob_links else { continue };
            for link in [&links.download_banner, &links.download_attributes]
                .into_iter()
                .flatten()
            {
                let Ok(url) = url::Url::parse("http://localhost/").and_then(|b| b.join(link))
                else {
                    continue;
                };
                let q: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
                if let (Some(id), Some(hash)) = (q.get("assetId"), q.get("hash")) {
                    return Some((id.clone(), hash.clone()));
                }
            }
        }
    }
    None
}

async fn blobs(client: &Client, assets: &[FemExternalAsset]) -> Result<(), BoxError> {
    let Some((asset_id, hash)) = blob_link(assets) else {
        println!("  no service of the exported assets links a blob");
        return Ok(());
    };
    println!("  asset {asset_id}, blob {}", &hash[..hash.len().min(16)]);
    let preview = client
        .preview_assets()
        .asset_id(&asset_id)
        .hash(&hash)
        .send()
        .await?;
    let text = match preview.resources.first() {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    println!("  preview ({} bytes), first lines:", text.len());
    for line in text.lines().take(4) {
        let clean: String = line
            .chars()
            .map(|c| if c.is_control() { '.' } else { c })
            .take(100)
            .collect();
        println!("    | {clean}");
    }
    let download = client
        .download_assets()
        .asset_id(&asset_id)
        .hash(&hash)
        .send()
        .await?;
    let path =
        std::env::temp_dir().join(format!("falcon-blob-{}.bin", &hash[..hash.len().min(12)]));
    let mut file = tokio::fs::File::create(&path).await?;
    let bytes = download.write_to(&mut file).await?;
    println!(
        "  downloaded {} bytes to {} (streamed, not held in memory)",
        fmt_count(bytes),
        path.display()
    );
    Ok(())
}

async fn add_and_delete(client: &Client) -> Result<(), BoxError> {
    let subsidiary = client
        .query_ecosystem_subsidiaries()
        .limit(1)
        .send()
        .await?
        .resources
        .into_iter()
        .next()
        .ok_or("no subsidiary to add a test asset to")?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let test_id = format!("quickstart-test-{stamp}");
    let added = client
        .add_assets()
        .subsidiary_id(&subsidiary)
        .assets(vec![UserExternalAsset {
            id: Some(test_id.clone()),
            value: Some("quickstart-test.example.com".into()),
        }])
        .send()
        .await?;
    let result = added
        .resources
        .first()
        .ok_or("the inventory endpoint returned no result")?;
    if let Some(e) = &result.error {
        return Err(format!(
            "could not add the test asset: {}",
            or_dash(e.message.as_deref())
        )
        .into());
    }
    let id = result.id.as_deref().map_or(test_id, str::to_owned);
    println!("  added {id} (quickstart-test.example.com) to subsidiary {subsidiary}");
    let deleted = client
        .delete_assets()
        .ids([id.as_str()])
        .description("created and removed by the falcon-exposure quickstart")
        .send()
        .await?
        .error_for_errors()?;
    let n = deleted
        .meta
        .writes
        .as_ref()
        .and_then(|w| w.resources_affected)
        .unwrap_or(0);
    println!("  deleted it ({n} asset affected)");
    let check = client.get_assets().ids([id.as_str()]).send().await;
    match check {
        Ok(r) if r.resources.is_empty() => println!("  a get of {id} now finds nothing: gone"),
        Ok(_) => println!("  {id} is still returned (deletion may take a moment)"),
        Err(Error::Api {
            status: falcon_exposure::StatusCode::NOT_FOUND,
            ..
        }) => println!("  a get of {id} now answers 404: gone"),
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
