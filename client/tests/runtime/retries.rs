//! Rate limits, retries, timeouts and pacing.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use falcon_exposure::{Error, RetryPolicy, StatusCode};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::common::*;

const QUERY: &str = "/fem/queries/external-assets/v1";

fn epoch_secs(offset: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    (now + offset).to_string()
}

fn throttled(retry_after: Option<String>) -> ResponseTemplate {
    let mut r = ResponseTemplate::new(429)
        .insert_header("X-Ratelimit-Limit", "6000")
        .insert_header("X-Ratelimit-Remaining", "0")
        .insert_header("X-Cs-Traceid", "throttled-trace")
        .set_body_json(json!({"meta": {"trace_id": "throttled-trace"}, "errors": [{"code": 429, "message": "API rate limit exceeded."}]}));
    if let Some(v) = retry_after {
        r = r.insert_header("X-Ratelimit-Retryafter", v.as_str());
    }
    r
}

#[tokio::test]
async fn a_429_waits_for_retry_after_then_retries() {
    let (server, _t, client) = setup().await;
    // RetryAfter already reached (epoch seconds): retried without waiting long.
    Mock::given(method("GET"))
        .and(path(QUERY))
        .respond_with(throttled(Some(epoch_secs(-1))))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(QUERY))
        .respond_with(ok_json(envelope(json!(["a"]))))
        .mount(&server)
        .await;
    let reply = client.query_assets().send().await.unwrap();
    assert_eq!(reply.resources, ["a"]);
    assert_eq!(reply.rate_limit.limit, Some(6000));
    assert_eq!(reply.rate_limit.remaining, Some(5999));
    assert_eq!(reply.trace_id.as_deref(), Some("trace-123"));
    assert_eq!(api_requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_429_retry_after_beyond_the_budget_fails_at_once_with_the_time() {
    let (server, _t, client) = setup().await;
    // An hour ahead, in milliseconds as the specification describes it.
    let in_an_hour_ms = (SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 3_600_000)
        .to_string();
    Mock::given(method("GET"))
        .and(path(QUERY))
        .respond_with(throttled(Some(in_an_hour_ms)))
        .mount(&server)
        .await;
    let e = client.query_assets().send().await.unwrap_err();
    match &e {
        Error::RateLimited {
            retry_after,
            trace_id,
            attempts,
            ..
        } => {
            let at = retry_after.expect("retry_after read");
            let ahead = at.duration_since(SystemTime::now()).unwrap();
            assert!(
                ahead > Duration::from_secs(3500) && ahead <= Duration::from_secs(3600),
                "{ahead:?}"
            );
            assert_eq!(trace_id.as_deref(), Some("throttled-trace"));
            assert_eq!(*attempts, 1);
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(e.is_retryable());
    assert_eq!(e.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(api_requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_429_without_retry_after_backs_off_until_attempts_run_out() {
    let server = MockServer::start().await;
    Tokens::new().mount(&server).await;
    Mock::given(method("GET"))
        .and(path(QUERY))
        .respond_with(throttled(None))
        .mount(&server)
        .await;
    let client = builder(&server)
        .retry_policy(fast_retry().max_attempts(3))
        .build()
        .unwrap();
    let e = client.query_assets().send().await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { attempts: 3, .. }), "{e:?}");
    assert!(e.to_string().contains("after 3 attempts"), "{e}");
    assert_eq!(api_requests(&server).await.len(), 3);
}

#[tokio::test]
async fn a_503_then_success_is_retried_for_reads() {
    let (server, _t, client) = setup().await;
    Mock::given(method("GET"))
        .and(path(QUERY))
        .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(QUERY))
        .respond_with(ok_json(envelope(json!(["a"]))))
        .mount(&server)
        .await;
    assert_eq!(client.query_assets().send().await.unwrap().resources, ["a"]);
    assert_eq!(api_requests(&server).await.len(), 2);
}

#[tokio::test]
async fn the_read_only_aggregate_post_is_retried() {
    let (server, _t, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/fem/aggregates/external-assets/v1"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/fem/aggregates/external-assets/v1"))
        .respond_with(ok_json(envelope(json!([]))))
        .mount(&server)
        .await;
    client
        .aggregate_assets()
        .field("asset_type")
        .aggregation_type("terms")
        .send()
        .await
        .unwrap();
    assert_eq!(api_requests(&server).await.len(), 2);
}

#[tokio::test]
async fn retries_exhausted_report_the_attempts() {
    let server = MockServer::start().await;
    Tokens::new().mount(&server).await;
    Mock::given(method("GET"))
        .and(path(QUERY))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "meta": {"trace_id": "t500"},
            "errors": [{"code": 500, "message": "Internal Server Error: Please provide trace-id='t500' to support"}]
        })))
        .mount(&server)
        .await;
    let client = builder(&server)
        .retry_policy(fast_retry().max_attempts(4))
        .build()
        .unwrap();
    let e = client.query_assets().send().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Api {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                attempts: 4,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.trace_id(), Some("t500"));
    assert_eq!(e.attempts(), Some(4));
    assert!(e.to_string().contains("after 4 attempts"), "{e}");
    assert!(e.is_retryable());
    assert_eq!(api_requests(&server).await.len(), 4);
}

#[tokio::test]
async fn patch_is_not_retried_after_a_server_error_unless_opted_in() {
    let (server, _t, client) = setup().await;
    Mock::given(method("PATCH"))
        .and(path("/fem/entities/external-assets/v1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/fem/entities/external-assets/v1"))
        .respond_with(ok_json(envelope(json!([{"id": "x"}]))))
        .mount(&server)
        .await;
    let e = client
        .update_assets()
        .id("x")
        .status("open")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(e.attempts(), Some(1));
    assert_eq!(api_requests(&server).await.len(), 1, "PATCH sent once");

    // Opting in per request: the next 503 would be retried; the mock now
    // succeeds, and a 503-then-success sequence goes through.
    Mock::given(method("PATCH"))
        .and(path("/fem/entities/external-assets/v1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    client
        .update_assets()
        .id("x")
        .status("open")
        .retry_writes(true)
        .send()
        .await
        .unwrap();
    assert_eq!(api_requests(&server).await.len(), 3);
}

#[tokio::test]
async fn patch_is_retried_after_a_429() {
    let (server, _t, client) = setup().await;
    Mock::given(method("PATCH"))
        .and(path("/fem/entities/external-assets/v1"))
        .respond_with(throttled(Some(epoch_secs(-1))))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/fem/entities/external-assets/v1"))
        .respond_with(ok_json(envelope(json!([{"id": "x"}]))))
        .mount(&server)
        .await;
    client
        .update_assets()
        .id("x")
        .status("open")
        .send()
        .await
        .unwrap();
    assert_eq!(api_requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_slow_reply_times_out() {
    let server = MockServer::start().await;
    Tokens::new().mount(&server).await;
    Mock::given(method("GET"))
        .and(path(QUERY))
        .respond_with(ok_json(envelope(json!([]))).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    // Per-request timeout, no retries.
    let client = builder(&server)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let e = client
        .query_assets()
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout { attempts: 1, .. }), "{e:?}");
    assert!(e.is_retryable());

    // Client-wide timeout; reads are retried, then the attempts are reported.
    let client = builder(&server)
        .timeout(Duration::from_millis(100))
        .retry_policy(fast_retry().max_attempts(2))
        .build()
        .unwrap();
    let e = client.query_assets().send().await.unwrap_err();
    assert!(matches!(e, Error::Timeout { attempts: 2, .. }), "{e:?}");
    assert!(e.to_string().contains("timed out after 2 attempts"), "{e}");
}

#[tokio::test]
async fn a_patch_that_times_out_is_not_sent_again() {
    let server = MockServer::start().await;
    Tokens::new().mount(&server).await;
    Mock::given(method("PATCH"))
        .and(path("/fem/entities/external-assets/v1"))
        .respond_with(ok_json(envelope(json!([]))).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let client = builder(&server)
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let e = client
        .update_assets()
        .id("x")
        .status("open")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout { attempts: 1, .. }), "{e:?}");
    assert_eq!(api_requests(&server).await.len(), 1);
}

#[tokio::test]
async fn connection_errors_are_retried_and_reported() {
    // A port with nothing listening: the token request itself fails.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = falcon_exposure::Client::builder()
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .base_url(format!("http://{addr}"))
        .build()
        .unwrap();
    let e = client.query_assets().send().await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert!(e.is_retryable());
    assert!(!e.to_string().contains(SECRET));
}

#[tokio::test]
async fn rate_limit_headers_are_read_case_insensitively_and_kept() {
    let (server, _t, client) = setup().await;
    Mock::given(method("GET"))
        .and(path(QUERY))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(envelope(json!([])))
                .insert_header("x-ratelimit-limit", "300")
                .insert_header("X-RATELIMIT-REMAINING", "42")
                .insert_header("x-cs-traceid", "lower"),
        )
        .mount(&server)
        .await;
    let reply = client.query_assets().send().await.unwrap();
    assert_eq!(reply.rate_limit.limit, Some(300));
    assert_eq!(reply.rate_limit.remaining, Some(42));
    assert_eq!(reply.trace_id.as_deref(), Some("lower"));
    assert_eq!(client.last_rate_limit().remaining, Some(42));
}

#[tokio::test]
async fn the_client_slows_down_when_the_budget_runs_low() {
    let (server, _t, _) = setup().await;
    Mock::given(method("GET"))
        .and(path(QUERY))
        .respond_with(ok_json(envelope(json!([]))).insert_header("X-Ratelimit-Remaining", "3"))
        .mount(&server)
        .await;
    let client = builder(&server)
        .retry_policy(fast_retry().slow_down(10, Duration::from_millis(50)))
        .build()
        .unwrap();
    client.query_assets().send().await.unwrap();
    // The last reply said 3 requests remain: the next one waits first
    // (twice the delay, as 3 is at most half of 10). Only a lower bound is
    // checked: sleeping never takes less than asked.
    let start = std::time::Instant::now();
    client.query_assets().send().await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_millis(100),
        "{:?}",
        start.elapsed()
    );
}
