//! The code samples of the README, compiled with the examples (the test
//! `readme_samples` in the tests crate checks that each README sample is
//! found here, line for line). `main` is the README's first sample:
//!
//! ```sh
//! cargo run -p falcon-emulator -- --port 8080     # in another terminal
//! FALCON_CLIENT_ID=emulator-client-id FALCON_CLIENT_SECRET=emulator-client-secret \
//!   FALCON_CLOUD=http://127.0.0.1:8080 cargo run --example readme
//! ```
#![allow(dead_code)]

use falcon_exposure::Client;
use falcon_exposure::fields::external_assets as f;
use falcon_exposure::fql::RelativeTime;
use falcon_exposure::vocabularies::internet_exposure;
use futures::StreamExt;

#[tokio::main]
async fn main() -> falcon_exposure::Result<()> {
    // FALCON_CLIENT_ID, FALCON_CLIENT_SECRET, optional FALCON_CLOUD and FALCON_MEMBER_CID
    let client = Client::from_env()?;
    let exposed = f::INTERNET_EXPOSURE
        .equals(internet_exposure::YES)
        .and(f::LAST_SEEN.greater_or_equal(RelativeTime::days_ago(7)));
    // Every matching asset with its details: id pages and batches of 100, streamed.
    let mut assets = client.export_assets(exposed).items();
    while let Some(asset) = assets.next().await {
        let asset = asset?;
        let id = asset.id.unwrap_or_default();
        println!("{id} {}", asset.asset_type.unwrap_or_default());
    }
    Ok(())
}

fn configuration() -> falcon_exposure::Result<Client> {
    use std::time::Duration;

    use falcon_exposure::{Cloud, RetryPolicy};

    let client = Client::builder()
        .client_id("CLIENT_ID")
        .client_secret("CLIENT_SECRET")
        .cloud(Cloud::Eu1) // or .base_url("https://gateway.example.com")
        .member_cid("CHILD_CID") // MSSP: act for a child CID
        .timeout(Duration::from_secs(60)) // whole request; default 120 s
        .connect_timeout(Duration::from_secs(5)) // default 10 s
        .retry_policy(RetryPolicy::default().max_attempts(3))
        .user_agent("my-tool/1.2")
        .build()?;
    Ok(client)
}

async fn fql(client: &Client) -> Result<(), Box<dyn std::error::Error>> {
    use falcon_exposure::fql::{Filter, Sort};
    use falcon_exposure::vocabularies::Criticality;

    // Typed: a field only offers the operations the API supports on it.
    let rdp_or_ssh = f::IP_SERVICES_PORT.any_of([3389, 22]);
    assert_eq!(rdp_or_ssh.to_string(), "ip.services.port:[3389,22]");
    let critical = f::CRITICALITY
        .equals(Criticality::Critical)
        .and(f::TRIAGE_ASSIGNED_TO.is_null());
    // Text: parsed and checked against the field table before sending.
    let parsed = Filter::parse("asset_type:'ip'+ip.services.port:443")?;
    let ids = client
        .query_assets()
        .filter(critical.or(parsed))
        .sort(Sort::desc(f::LAST_SEEN))
        .limit(100)
        .send()
        .await?;
    println!("{} ids", ids.resources.len());
    Ok(())
}

async fn pagination(client: &Client) -> falcon_exposure::Result<()> {
    use falcon_exposure::WriteOutcome;
    use futures::TryStreamExt;

    // Every id across pages (offset pagination, stops at the end, refuses to loop).
    let ids: Vec<String> = client
        .query_assets()
        .filter(f::ASSET_TYPE.equals("ip"))
        .items()
        .try_collect()
        .await?;
    // Details of any number of ids: requests of 100, a few in flight.
    let mut details = client.get_assets().ids(&ids).items();
    while let Some(asset) = details.next().await {
        let _asset = asset?;
    }
    // The same criticality for all of them, with a result per id.
    let mut results = client
        .update_assets()
        .ids(&ids)
        .criticality("High")
        .send_all();
    while let Some(r) = results.next().await {
        if !matches!(r.outcome, WriteOutcome::Applied(_)) {
            eprintln!("{}: {:?}", r.id, r.outcome);
        }
    }
    Ok(())
}

async fn errors(client: &Client) {
    use falcon_exposure::Error;

    match client.get_assets().ids(["no-such-id"]).send().await {
        Ok(reply) => println!(
            "{} found, {} errors",
            reply.resources.len(),
            reply.errors.len()
        ),
        Err(Error::RateLimited { retry_after, .. }) => eprintln!("throttled until {retry_after:?}"),
        Err(e) => eprintln!(
            "{e} (HTTP {:?}, trace id {:?}, retryable: {})",
            e.status(),
            e.trace_id(),
            e.is_retryable()
        ),
    }
}
