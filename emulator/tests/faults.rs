use crate::common::*;
use falcon_emulator::{Fault, FaultConfig, ScheduledFault};
use serde_json::json;
use std::time::Duration;

const QUERY: &str = "/fem/queries/external-assets/v1";
const ENTITIES: &str = "/fem/entities/external-assets/v1";

#[tokio::test]
async fn each_status_fault() {
    let api = start(small()).await;
    for (fault, status) in [
        (Fault::TooManyRequests, 429),
        (Fault::InternalServerError, 500),
        (Fault::BadGateway, 502),
        (Fault::ServiceUnavailable, 503),
    ] {
        api.emu.set_faults(FaultConfig::scheduled(&[2], fault));
        let (s, _, _) = api.get(QUERY, &[]).await;
        assert_eq!(s, 200);
        let (s, h, v) = api.get(QUERY, &[]).await;
        assert_eq!(s, status, "{fault:?}");
        assert_envelope(&v);
        assert_eq!(first_error(&v).0, status as i64);
        assert!(h.contains_key("x-cs-traceid"));
        if status == 429 {
            assert!(
                h["x-ratelimit-retryafter"]
                    .to_str()
                    .unwrap()
                    .parse::<i64>()
                    .is_ok()
            );
        }
        let (s, _, _) = api.get(QUERY, &[]).await;
        assert_eq!(s, 200);
    }
}

#[tokio::test]
async fn dropped_connection_and_malformed_json() {
    let api = start(small()).await;
    api.emu
        .set_faults(FaultConfig::scheduled(&[1], Fault::DropConnection));
    let err = api
        .http
        .get(api.url(QUERY))
        .bearer_auth(&api.token)
        .send()
        .await;
    assert!(err.is_err(), "the connection is dropped");
    let (s, _, _) = api.get(QUERY, &[]).await;
    assert_eq!(s, 200, "later requests work");

    api.emu
        .set_faults(FaultConfig::scheduled(&[1], Fault::MalformedJson));
    let r = api
        .http
        .get(api.url(QUERY))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_err(),
        "{text}"
    );
}

#[tokio::test]
async fn latency_and_every_nth() {
    let api = start(small()).await;
    let mut cfg = FaultConfig::scheduled(&[1], Fault::Latency(Duration::from_millis(20)));
    cfg.latency = Some(Duration::from_millis(1));
    api.emu.set_faults(cfg);
    let (s, _, _) = api.get(QUERY, &[]).await;
    assert_eq!(s, 200, "latency only delays");
    api.emu.set_faults(FaultConfig {
        every: Some(3),
        kinds: vec![Fault::ServiceUnavailable, Fault::BadGateway],
        ..FaultConfig::default()
    });
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(api.get(QUERY, &[]).await.0);
    }
    assert_eq!(statuses, vec![200, 200, 503, 200, 200, 502]);
}

#[tokio::test]
async fn random_faults_are_seeded_and_bounded() {
    let api = start(small().faults(FaultConfig::random(0.5, &[Fault::InternalServerError]))).await;
    let mut failures = 0;
    for _ in 0..40 {
        let s = api.get(QUERY, &[]).await.0;
        assert!(s == 200 || s == 500);
        failures += (s == 500) as u32;
    }
    assert!(failures > 5 && failures < 35, "{failures}");
}

#[tokio::test]
async fn failed_writes_change_nothing() {
    let api = start(small()).await;
    let (_, _, v) = api.get(QUERY, &[("limit", "1")]).await;
    let id = ids(&v)[0].clone();
    let before = api.assets(std::slice::from_ref(&id)).await[0].clone();
    for fault in [
        Fault::InternalServerError,
        Fault::DropConnection,
        Fault::MalformedJson,
        Fault::TooManyRequests,
    ] {
        api.emu.set_faults(FaultConfig {
            schedule: vec![
                ScheduledFault { request: 1, fault },
                ScheduledFault { request: 2, fault },
            ],
            ..FaultConfig::default()
        });
        let patch = api
            .http
            .patch(api.url(ENTITIES))
            .bearer_auth(&api.token)
            .json(&json!({"assets": [{"id": id, "criticality": "Critical", "triage": {"status": "resolved"}}]}))
            .send()
            .await;
        if let Ok(r) = patch {
            if fault != Fault::MalformedJson {
                assert_ne!(r.status(), 200, "{fault:?}");
            }
        }
        let del = api
            .http
            .delete(api.url(ENTITIES))
            .query(&[("ids", id.as_str())])
            .bearer_auth(&api.token)
            .json(&json!({"description": "x"}))
            .send()
            .await;
        drop(del);
        api.emu.set_faults(FaultConfig::none());
        let after = api.assets(std::slice::from_ref(&id)).await;
        assert_eq!(after.len(), 1, "{fault:?}: not deleted");
        assert_eq!(after[0], before, "{fault:?}: not modified");
    }
}

#[tokio::test]
async fn token_lifetime_fault() {
    let api = start(small()).await;
    api.emu.set_faults(FaultConfig {
        token_lifetime: Some(Duration::from_millis(200)),
        ..FaultConfig::default()
    });
    let (s, _, _) = api.get(QUERY, &[]).await;
    assert_eq!(s, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (s, _, v) = api.get(QUERY, &[]).await;
    assert_eq!(s, 401);
    assert_eq!(first_error(&v).0, 401);
    // A fresh token works again, and expire_tokens() kills it.
    let tok = token_for(
        &api.http,
        &api.emu.base_url(),
        falcon_emulator::DEFAULT_CLIENT_ID,
        falcon_emulator::DEFAULT_CLIENT_SECRET,
    )
    .await;
    let r = api
        .http
        .get(api.url(QUERY))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    api.emu.expire_tokens();
    let r = api
        .http
        .get(api.url(QUERY))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn oauth_faults_are_opt_in() {
    let api = start(small()).await;
    api.emu
        .set_faults(FaultConfig::random(1.0, &[Fault::ServiceUnavailable]));
    let base = api.emu.base_url();
    let r = api
        .http
        .post(format!("{base}/oauth2/token"))
        .form(&[
            ("client_id", falcon_emulator::DEFAULT_CLIENT_ID),
            ("client_secret", falcon_emulator::DEFAULT_CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let mut cfg = FaultConfig::random(1.0, &[Fault::ServiceUnavailable]);
    cfg.include_oauth = true;
    api.emu.set_faults(cfg);
    let r = api
        .http
        .post(format!("{base}/oauth2/token"))
        .form(&[
            ("client_id", falcon_emulator::DEFAULT_CLIENT_ID),
            ("client_secret", falcon_emulator::DEFAULT_CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
}
