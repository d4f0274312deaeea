//! A read-only check against a real tenant, run by anyone with API
//! credentials:
//!
//! ```text
//! FALCON_CLIENT_ID=... FALCON_CLIENT_SECRET=... [FALCON_CLOUD=eu-1] \
//!     cargo test -p falcon-exposure-tests --test live -- --nocapture
//! ```
//!
//! Without the two variables it prints that it skipped and passes. It only
//! reads (every operation it calls is checked to have a `:read` scope) and
//! prints an anonymised shape report of what the tenant sent that the
//! client did not expect: key paths and value kinds, never values, ready to
//! paste into a bug report. Then it runs the probe
//! ([`falcon_exposure::probe`]: at most a few dozen reads) and prints its
//! anonymised report of what the API's documents leave open: the page
//! sizes each query accepts, how the v2 cursor ends, whether aggregates add
//! up, the header names and compression. The same check runs offline
//! against the emulator.

mod common;

use falcon_emulator::EmulatorConfig;
use falcon_exposure::fields::external_assets::ExternalAssetField;
use falcon_exposure::models::{AggregationResult, FemEcosystemSubsidiary, FemExternalAsset};
use falcon_exposure::shape::{Shape, ShapeReport};
use falcon_exposure::vocabularies::{AggregationType, Criticality, Interval};
use falcon_exposure::{Client, Error, RawResponse};
use futures::StreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Ids read from each query: enough for a second page of [`PAGE`].
const IDS: usize = 250;
const PAGE: u32 = 100;

/// What the check did, and the shape report.
#[derive(Default)]
struct Outcome {
    /// One line per step: what ran and whether the API accepted it.
    steps: Vec<String>,
    report: ShapeReport,
}

/// A command for a read-only operation; anything else is refused here.
fn read(client: &Client, operation: &str) -> falcon_exposure::Command {
    let command = client.command(operation).expect("the operation exists");
    assert!(
        command.operation().scope().ends_with(":read"),
        "the live check never writes, and `{operation}` does"
    );
    command
}

/// Adds the envelope's members and every `resources` item to the report.
fn check_items<T: DeserializeOwned + Serialize + Shape>(
    out: &mut Outcome,
    at: &str,
    raw: &RawResponse,
) -> usize {
    if let Value::Object(members) = &raw.body {
        for (key, value) in members {
            if !["meta", "errors", "resources"].contains(&key.as_str()) {
                out.report.unknown_member(&format!("{at}.{key}"), value);
            }
        }
    }
    let items = raw.body["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for item in &items {
        let path = format!("{at}.resources[]");
        match serde_json::from_value::<T>(item.clone()) {
            Ok(typed) => out.report.check(&path, item, &typed),
            Err(e) => out.steps.push(format!(
                "DOES NOT DECODE {path}: {:?} error at line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            )),
        }
    }
    items.len()
}

/// A step's outcome: a refusal by the API is recorded and the check goes
/// on; any other error (transport, decoding) ends it.
fn refused<T>(out: &mut Outcome, step: &str, r: Result<T, Error>) -> Result<Option<T>, Error> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e @ Error::Api { .. }) => {
            out.steps
                .push(format!("{step}: refused (HTTP {:?})", e.status()));
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The body of one aggregate of each documented type.
fn aggregate(t: &AggregationType) -> Value {
    let name = format!("live_{t}");
    let field = |f: ExternalAssetField| f.as_str();
    match t {
        AggregationType::Terms => {
            json!({"name": name, "type": t, "field": field(ExternalAssetField::Criticality), "size": 10})
        }
        AggregationType::DateHistogram => {
            json!({"name": name, "type": t, "field": field(ExternalAssetField::FirstSeen), "interval": Interval::Week})
        }
        AggregationType::DateRange => json!({"name": name, "type": t,
            "field": field(ExternalAssetField::FirstSeen),
            "date_ranges": [{"from": "now-30d", "to": "now"}, {"from": "now-365d", "to": "now-30d"}]}),
        AggregationType::Range => json!({"name": name, "type": t,
            "field": field(ExternalAssetField::Confidence),
            "ranges": [{"From": 0, "To": 50}, {"From": 50, "To": 101}]}),
        AggregationType::Cardinality => {
            json!({"name": name, "type": t, "field": field(ExternalAssetField::IpServicesPort)})
        }
        _ => json!({"name": name, "type": t, "field": field(ExternalAssetField::Confidence)}),
    }
}

async fn run(client: &Client) -> Result<Outcome, Error> {
    let mut out = Outcome::default();
    client.authenticate().await?;
    out.steps.push(format!(
        "authenticated against {}",
        client.base_url().host_str().unwrap_or("?")
    ));

    // Both queries, past their first page. The v1 pages are read one by
    // one: its stream refuses a tenant with more than 10,000 assets.
    let mut v1: Vec<String> = Vec::new();
    for page in 0..IDS.div_ceil(PAGE as usize) {
        let reply = client
            .query_assets()
            .limit(i64::from(PAGE))
            .offset((page * PAGE as usize).to_string())
            .send()
            .await?;
        let last = reply.resources.len() < PAGE as usize;
        v1.extend(reply.resources);
        if last {
            break;
        }
    }
    v1.truncate(IDS);
    out.steps
        .push(format!("query_assets (v1, offset): {} ids", v1.len()));
    let v2: Vec<String> = client
        .query_assets_v2()
        .paginate()
        .page_size(PAGE)
        .items()
        .take(IDS)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    out.steps
        .push(format!("query_assets_v2 (cursor): {} ids", v2.len()));

    // A get of 100 ids, read raw so that it can be compared with the models.
    let ids: Vec<&String> = v2.iter().chain(&v1).take(100).collect();
    let mut assets = Vec::new();
    if !ids.is_empty() {
        let raw = read(client, "get_external_assets")
            .query_values("ids", &ids)
            .send()
            .await?;
        let n = check_items::<FemExternalAsset>(&mut out, "get_external_assets", &raw);
        out.steps
            .push(format!("get_assets: {n} of {} ids", ids.len()));
        assets = raw.body["resources"]
            .as_array()
            .cloned()
            .unwrap_or_default();
    }

    // Each documented aggregate type.
    for t in AggregationType::ALL {
        let step = format!("aggregate_assets type {t}");
        let r = read(client, "aggregate_external_assets")
            .body(json!([aggregate(t)]))
            .send()
            .await;
        if let Some(raw) = refused(&mut out, &step, r)? {
            check_items::<AggregationResult>(&mut out, &format!("aggregate({t})"), &raw);
            if *t == AggregationType::Terms {
                let results: Vec<AggregationResult> =
                    serde_json::from_value(raw.body["resources"].clone()).unwrap_or_default();
                for b in results.iter().flat_map(|r| r.buckets.iter().flatten()) {
                    if b.label_as::<Criticality>().is_some_and(|c| c.is_unknown()) {
                        out.report.unknown_value(
                            "aggregate(terms criticality).resources[].buckets[].label",
                        );
                    }
                }
            }
            out.steps.push(format!("{step}: ok"));
        }
    }

    // A preview of one blob, found through an asset's blob links.
    let link = assets.iter().find_map(|a| {
        let asset: FemExternalAsset = serde_json::from_value(a.clone()).ok()?;
        let services = [
            asset.ip.and_then(|i| i.services),
            asset.dns_domain.and_then(|d| d.services),
        ];
        services.into_iter().flatten().flatten().find_map(|s| {
            let links = s.blob_links?;
            links.preview_banner.or(links.preview_attributes)
        })
    });
    match link.and_then(|l| url::Url::parse("https://link.invalid").ok()?.join(&l).ok()) {
        Some(url) => {
            let params: Value = url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), Value::from(v.into_owned())))
                .collect::<serde_json::Map<_, _>>()
                .into();
            let r = read(client, "blob_preview_external_assets")
                .query_object(params)
                .send()
                .await;
            if refused(&mut out, "preview_assets", r)?.is_some() {
                out.steps.push("preview_assets: ok".into());
            }
        }
        None => out
            .steps
            .push("preview_assets: no blob link in the assets read".into()),
    }

    // The subsidiaries operations.
    let raw = read(client, "query_ecosystem_subsidiaries")
        .query("limit", 100)
        .send()
        .await;
    let sub_ids: Vec<String> = match refused(&mut out, "query_ecosystem_subsidiaries", raw)? {
        Some(raw) => serde_json::from_value(raw.body["resources"].clone()).unwrap_or_default(),
        None => Vec::new(),
    };
    out.steps.push(format!(
        "query_ecosystem_subsidiaries: {} ids",
        sub_ids.len()
    ));
    if !sub_ids.is_empty() {
        let raw = read(client, "get_ecosystem_subsidiaries")
            .query_values("ids", &sub_ids)
            .send()
            .await;
        if let Some(raw) = refused(&mut out, "get_ecosystem_subsidiaries", raw)? {
            let n =
                check_items::<FemEcosystemSubsidiary>(&mut out, "get_ecosystem_subsidiaries", &raw);
            out.steps.push(format!("get_ecosystem_subsidiaries: {n}"));
        }
    }
    let raw = read(client, "combined_ecosystem_subsidiaries")
        .query("limit", 100)
        .send()
        .await;
    if let Some(raw) = refused(&mut out, "query_combined_ecosystem_subsidiaries", raw)? {
        let n = check_items::<FemEcosystemSubsidiary>(
            &mut out,
            "combined_ecosystem_subsidiaries",
            &raw,
        );
        out.steps
            .push(format!("query_combined_ecosystem_subsidiaries: {n}"));
    }
    Ok(out)
}

fn print(out: &Outcome) {
    println!("== steps");
    for s in &out.steps {
        println!("{s}");
    }
    println!("== shape report (key paths and value kinds only)");
    if out.report.is_empty() {
        println!("nothing unexpected");
    } else {
        print!("{}", out.report);
    }
}

#[tokio::test]
async fn live_tenant_read_only_check() {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    if !(set("FALCON_CLIENT_ID") && set("FALCON_CLIENT_SECRET")) {
        println!(
            "live check skipped: set FALCON_CLIENT_ID and FALCON_CLIENT_SECRET (and FALCON_CLOUD \
             for a cloud other than us-1, which autodiscovery otherwise finds) to run it"
        );
        return;
    }
    let client = Client::from_env().expect("the client builds from the environment");
    let out = run(&client)
        .await
        .unwrap_or_else(|e| panic!("the live check failed: {e}"));
    print(&out);
    let probe = falcon_exposure::probe::run(&client)
        .await
        .unwrap_or_else(|e| panic!("the probe failed: {e}"));
    println!("== probe (paste it into an issue)\n{probe}");
    assert!(
        !out.steps.iter().any(|s| s.starts_with("DOES NOT DECODE")),
        "a reply did not decode; the report above says where"
    );
}

#[tokio::test]
async fn the_live_check_runs_against_the_emulator() {
    let (_emu, client) = common::start(EmulatorConfig {
        assets: 600,
        ..EmulatorConfig::default()
    })
    .await;
    let out = run(&client).await.expect("the check runs");
    print(&out);
    let step = |prefix: &str| out.steps.iter().any(|s| s.starts_with(prefix));
    assert!(
        step(&format!("query_assets (v1, offset): {IDS} ids")),
        "{:?}",
        out.steps
    );
    assert!(
        step(&format!("query_assets_v2 (cursor): {IDS} ids")),
        "{:?}",
        out.steps
    );
    assert!(step("get_assets: 100 of 100 ids"), "{:?}", out.steps);
    for t in AggregationType::ALL {
        assert!(
            step(&format!("aggregate_assets type {t}")),
            "{t}: {:?}",
            out.steps
        );
    }
    assert!(
        step("query_combined_ecosystem_subsidiaries"),
        "{:?}",
        out.steps
    );
    assert!(!step("DOES NOT DECODE"), "{:?}", out.steps);
    let report = out.report.to_string();
    assert!(!report.contains("dropped"), "{report}");
    let probe = falcon_exposure::probe::run(&client)
        .await
        .expect("the probe runs");
    println!("== probe\n{probe}");
    let text = probe.to_string();
    for section in [
        "== page limits",
        "== v2 cursor",
        "== aggregates",
        "== headers",
    ] {
        assert!(text.contains(section), "{text}");
    }
    assert!(
        text.contains("query_external_assets_v2         limit    100: accepted"),
        "{text}"
    );
}
