//! The runtime end to end against the loopback emulator: real envelopes,
//! headers, token expiry, faults and rate limits.

use crate::common;

use falcon_emulator::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig, EmulatorHandle, Fault,
    FaultConfig,
};
use falcon_exposure::{Client, Cloud, Error};
use serde_json::Value;

use common::fast_retry;

async fn start(config: EmulatorConfig) -> (EmulatorHandle, Client) {
    common::start(config.assets(200)).await
}
/// The first string in `v` that contains `needle`.
fn find_str<'a>(v: &'a Value, needle: &str) -> Option<&'a str> {
    match v {
        Value::String(s) if s.contains(needle) => Some(s),
        Value::Array(a) => a.iter().find_map(|x| find_str(x, needle)),
        Value::Object(o) => o.values().find_map(|x| find_str(x, needle)),
        _ => None,
    }
}

#[tokio::test]
async fn the_seven_operations_work_end_to_end() {
    let (emu, client) = start(EmulatorConfig::default()).await;

    let ids = client
        .query_assets()
        .filter("asset_type:'ip'")
        .limit(5)
        .send()
        .await
        .unwrap();
    assert_eq!(ids.resources.len(), 5);
    assert!(ids.rate_limit.limit.is_some() && ids.rate_limit.remaining.is_some());
    assert!(ids.trace_id.is_some());
    let total = ids.meta.pagination.as_ref().and_then(|p| p.total).unwrap();
    assert!(total >= 5);

    let assets = client
        .get_assets()
        .ids(ids.resources.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(assets.resources.len(), 5);

    let first = ids.resources[0].clone();
    client
        .update_assets()
        .id(first.as_str())
        .action("acknowledge")
        .status("in_progress")
        .description("checked by the runtime tests")
        .send()
        .await
        .unwrap();
    let after = client
        .get_assets()
        .ids([first.as_str()])
        .send()
        .await
        .unwrap();
    let raw = serde_json::to_value(&after.resources[0]).unwrap();
    assert!(
        raw.to_string().contains("checked by the runtime tests"),
        "{raw}"
    );

    let agg = client
        .aggregate_assets()
        .field("asset_type")
        .name("by_type")
        .aggregation_type("terms")
        .size(5)
        .send()
        .await
        .unwrap();
    assert_eq!(agg.resources.len(), 1);

    // A blob link from an asset's services gives the asset ID and hash.
    let all = client.query_assets().limit(100).send().await.unwrap();
    let raw = client
        .command("get_external_assets")
        .unwrap()
        .query_values("ids", &all.resources)
        .send()
        .await
        .unwrap();
    let link = find_str(&raw.body, "blobs-download").expect("an asset with a blob link");
    let url = url::Url::parse(&format!("http://x{}", &link[link.find('/').unwrap()..])).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    let (asset, hash) = (q["assetId"].clone(), q["hash"].clone());

    let preview = client
        .preview_assets()
        .asset_id(&asset)
        .hash(&hash)
        .send()
        .await
        .unwrap();
    assert!(!preview.resources.is_empty());
    let dl = client
        .download_assets()
        .asset_id(&asset)
        .hash(&hash)
        .send()
        .await
        .unwrap();
    let mut out = Vec::new();
    let n = dl.write_to(&mut out).await.unwrap();
    assert_eq!(n, 4096);

    let deleted = client
        .delete_assets()
        .ids([first.as_str()])
        .description("gone")
        .send()
        .await
        .unwrap();
    assert!(deleted.errors.is_empty(), "{:?}", deleted.errors);
    let stats = emu.stats();
    assert_eq!(stats.token_requests, 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn expired_tokens_are_renewed_after_a_401() {
    let (emu, client) = start(EmulatorConfig::default()).await;
    client.query_assets().limit(1).send().await.unwrap();
    emu.expire_tokens();
    client.query_assets().limit(1).send().await.unwrap();
    let stats = emu.stats();
    assert_eq!(stats.token_requests, 2);
    assert_eq!(stats.operation("query_external_assets"), 3);
    emu.shutdown().await;
}

#[tokio::test]
async fn server_faults_and_dropped_connections_are_retried_for_reads() {
    let (emu, client) = start(EmulatorConfig::default()).await;
    emu.set_faults(FaultConfig {
        schedule: vec![
            falcon_emulator::ScheduledFault {
                request: 1,
                fault: Fault::ServiceUnavailable,
            },
            falcon_emulator::ScheduledFault {
                request: 2,
                fault: Fault::DropConnection,
            },
            falcon_emulator::ScheduledFault {
                request: 3,
                fault: Fault::BadGateway,
            },
        ],
        ..FaultConfig::none()
    });
    let r = client.query_assets().limit(2).send().await.unwrap();
    assert_eq!(r.resources.len(), 2);
    assert_eq!(emu.stats().operation("query_external_assets"), 4);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_patch_is_not_resent_after_a_dropped_connection() {
    let (emu, client) = start(EmulatorConfig::default()).await;
    let ids = client
        .query_assets()
        .limit(1)
        .send()
        .await
        .unwrap()
        .resources;
    emu.set_faults(FaultConfig::scheduled(&[1], Fault::DropConnection));
    let e = client
        .update_assets()
        .id(ids[0].as_str())
        .status("open")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport { attempts: 1, .. }), "{e:?}");
    assert_eq!(emu.stats().operation("patch_external_assets"), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn malformed_json_is_a_decode_error() {
    let (emu, client) = start(EmulatorConfig::default()).await;
    emu.set_faults(FaultConfig::scheduled(&[1], Fault::MalformedJson));
    let e = client.query_assets().limit(1).send().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Decode {
                status: falcon_exposure::StatusCode::OK,
                ..
            }
        ),
        "{e:?}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_429_from_the_emulator_is_waited_out() {
    let (emu, client) = start(EmulatorConfig::default()).await;
    emu.set_faults(FaultConfig::scheduled(&[1], Fault::TooManyRequests));
    let r = client.query_assets().limit(1).send().await.unwrap();
    assert_eq!(r.resources.len(), 1);
    assert_eq!(emu.stats().operation("query_external_assets"), 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn autodiscovery_between_two_emulators() {
    let us1 = Emulator::start(EmulatorConfig::default().assets(10).region("us-2"))
        .await
        .unwrap();
    let us2 = Emulator::start(EmulatorConfig::default().assets(10).region("us-2"))
        .await
        .unwrap();
    let client = Client::builder()
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .cloud_url(Cloud::Us1, us1.base_url())
        .cloud_url(Cloud::Us2, us2.base_url())
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    client.query_assets().limit(1).send().await.unwrap();
    let (s1, s2) = (us1.stats(), us2.stats());
    assert_eq!(
        (
            s1.token_requests,
            s1.revoke_requests,
            s1.operation("query_external_assets")
        ),
        // The first token is revoked where it was issued.
        (1, 1, 0)
    );
    assert_eq!(
        (
            s2.token_requests,
            s2.revoke_requests,
            s2.operation("query_external_assets")
        ),
        (1, 0, 1)
    );
    us1.shutdown().await;
    us2.shutdown().await;
}
