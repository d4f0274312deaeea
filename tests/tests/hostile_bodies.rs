//! Hostile reply bodies and silent servers: size limits (after
//! decompression), bounded error bodies, timeouts, and body reads that fail
//! half-way following the retry rules of connection errors.

use crate::hostile;

use std::io::Write;
use std::time::{Duration, Instant};

use falcon_exposure::{Error, RetryPolicy};
use hostile::{Action, Hostile, builder, client, empty_page, reply, with_token};

const QUERY: &str = "/fem/queries/external-assets/v1";
const PATCH: &str = "/fem/entities/external-assets/v1";

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

/// A JSON page of `n` bytes.
fn page_of(n: usize) -> Vec<u8> {
    let head = br#"{"meta":{},"errors":[],"resources":[""#;
    let tail = br#""]}"#;
    let mut v = head.to_vec();
    v.resize(n - tail.len(), b'a');
    v.extend_from_slice(tail);
    v
}

#[tokio::test]
async fn replies_over_the_limit_fail_with_a_typed_error() {
    let body = page_of(4096);
    let server = Hostile::start(with_token(move |_, _| {
        reply(200, &[("Content-Type", "application/json")], &body)
    }))
    .await;
    let small = builder(&server.url())
        .max_response_bytes(4095)
        .build()
        .unwrap();
    let err = small.query_assets().send().await.unwrap_err();
    let Error::TooLarge {
        operation, limit, ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!((*operation, *limit), ("query_external_assets", 4095));
    let msg = err.to_string();
    assert!(
        msg.contains("4095 bytes") && msg.contains("max_response_bytes"),
        "{msg}"
    );
    // Not retried: the same reply would come again.
    assert_eq!(server.on(QUERY).len(), 1);
    // Exactly at the limit is fine.
    let exact = builder(&server.url())
        .max_response_bytes(4096)
        .build()
        .unwrap();
    assert_eq!(
        exact.query_assets().send().await.unwrap().resources.len(),
        1
    );
}

#[tokio::test]
async fn the_limit_counts_decompressed_bytes() {
    // 8 MiB of JSON compress to a few KiB.
    let bomb = gzip(&page_of(8 << 20));
    assert!(bomb.len() < 64 * 1024);
    let server = Hostile::start(with_token(move |_, _| {
        reply(
            200,
            &[
                ("Content-Type", "application/json"),
                ("Content-Encoding", "gzip"),
            ],
            &bomb,
        )
    }))
    .await;
    let c = builder(&server.url())
        .max_response_bytes(1 << 20)
        .build()
        .unwrap();
    let err = c.query_assets().send().await.unwrap_err();
    assert!(
        matches!(err, Error::TooLarge { limit: 1048576, .. }),
        "{err:?}"
    );
    // Under a larger limit the same reply decodes.
    let c = builder(&server.url())
        .max_response_bytes(16 << 20)
        .build()
        .unwrap();
    assert_eq!(c.query_assets().send().await.unwrap().resources.len(), 1);
}

#[tokio::test]
async fn an_announced_length_over_the_limit_is_refused_before_reading() {
    let server = Hostile::start(with_token(|_, _| Action::Stall {
        head: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
               Content-Length: 10000000000000\r\n\r\n"
            .into(),
        body_start: b"{".to_vec(),
    }))
    .await;
    let started = Instant::now();
    let err = client(&server).query_assets().send().await.unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn token_replies_are_bounded_too() {
    let server = Hostile::start(|_, _| Action::Chunked {
        head: "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n".into(),
        chunk: vec![b' '; 64 * 1024],
        total: None,
    })
    .await;
    let err = client(&server).authenticate().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth {
                status: falcon_exposure::StatusCode::CREATED,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn error_bodies_are_read_only_in_part() {
    // A 400 with an endless body: the error comes back with an excerpt.
    let server = Hostile::start(with_token(|_, _| Action::Chunked {
        head: "HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n".into(),
        chunk: b"<html>nope</html>".repeat(1000),
        total: None,
    }))
    .await;
    let err = client(&server).query_assets().send().await.unwrap_err();
    let Error::Api {
        status: falcon_exposure::StatusCode::BAD_REQUEST,
        body_start: Some(start),
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert!(start.starts_with("<html>nope</html>") && start.len() <= 256);
}

#[tokio::test]
async fn a_silent_server_times_out() {
    for token_too in [false, true] {
        let server = Hostile::start(move |r, _| match r.path() {
            "/oauth2/token" if !token_too => hostile::token("tok"),
            _ => Action::Silent,
        })
        .await;
        let c = builder(&server.url())
            .timeout(Duration::from_millis(300))
            .retry_policy(RetryPolicy::never())
            .build()
            .unwrap();
        let started = Instant::now();
        let err = c.query_assets().send().await.unwrap_err();
        let want = if token_too {
            "oauth2AccessToken"
        } else {
            "query_external_assets"
        };
        assert!(
            matches!(err, Error::Timeout { operation, .. } if operation == want),
            "{err:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

/// Headers, the first bytes of the body, then nothing.
fn stall() -> Action {
    Action::Stall {
        head: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            .into(),
        body_start: b"{\"meta\":".to_vec(),
    }
}

/// Headers, the first bytes of the body, then the connection closes.
fn cut() -> Action {
    Action::Raw(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"meta\":"
            .to_vec(),
    )
}

#[tokio::test]
async fn reads_cut_short_are_retried_like_connection_errors() {
    for (name, fault) in [("stall", stall as fn() -> Action), ("cut", cut)] {
        // The first two replies fail half-way, the third is whole.
        let server = Hostile::start(with_token(
            move |_, n| if n <= 2 { fault() } else { empty_page() },
        ))
        .await;
        let c = builder(&server.url())
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        c.query_assets()
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(server.on(QUERY).len(), 3, "{name}");
    }
}

#[tokio::test]
async fn writes_cut_short_are_not_sent_again_unless_allowed() {
    for (name, fault) in [("stall", stall as fn() -> Action), ("cut", cut)] {
        let server = Hostile::start(with_token(
            move |_, n| if n <= 2 { fault() } else { empty_page() },
        ))
        .await;
        let c = builder(&server.url())
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let err = c
            .update_assets()
            .id("a")
            .action("acknowledge")
            .send()
            .await
            .unwrap_err();
        assert!(err.may_have_applied(), "{name}: {err:?}");
        assert_eq!(err.attempts(), Some(1), "{name}");
        assert_eq!(server.on(PATCH).len(), 1, "{name}");
        // With the opt-in, the write is sent again and succeeds.
        c.update_assets()
            .id("a")
            .action("acknowledge")
            .retry_writes(true)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(server.on(PATCH).len(), 3, "{name}");
    }
}

#[tokio::test]
async fn downloads_stream_past_the_json_limit_and_honour_their_own_cap() {
    let blob: Vec<u8> = (0..(3 << 20)).map(|i| (i % 251) as u8).collect();
    let served = blob.clone();
    let server = Hostile::start(with_token(move |_, _| {
        reply(
            200,
            &[("Content-Type", "application/octet-stream")],
            &served,
        )
    }))
    .await;
    let c = builder(&server.url())
        .max_response_bytes(1 << 20)
        .build()
        .unwrap();
    let dl = c
        .download_assets()
        .asset_id("a")
        .hash("h")
        .send()
        .await
        .unwrap();
    let mut out = Vec::new();
    assert_eq!(dl.write_to(&mut out).await.unwrap(), blob.len() as u64);
    assert_eq!(out, blob);
    for cap in [1000u64, 3 << 20] {
        let dl = c
            .download_assets()
            .asset_id("a")
            .hash("h")
            .send()
            .await
            .unwrap();
        let got = dl.max_bytes(cap).bytes().await;
        if cap < blob.len() as u64 {
            let err = got.unwrap_err();
            assert!(
                matches!(err, Error::TooLarge { limit, .. } if limit == cap),
                "{err:?}"
            );
            assert!(err.to_string().contains("Download::max_bytes"), "{err}");
        } else {
            assert_eq!(got.unwrap().len(), blob.len());
        }
    }
    let dl = c
        .download_assets()
        .asset_id("a")
        .hash("h")
        .send()
        .await
        .unwrap();
    let mut sink = tokio::io::sink();
    let err = dl.max_bytes(1 << 20).write_to(&mut sink).await.unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err:?}");
}

/// The probe reads a reply's headers as sent, through the client that
/// decodes no gzip: a compressed reply shows its `Content-Encoding` (the
/// other requests, through the API client, decode it), and a `Date` that
/// is not a date gives no clock skew rather than a wrong one.
#[tokio::test]
async fn the_probe_sees_compression_and_ignores_a_bad_date() {
    let page = gzip(br#"{"meta":{"pagination":{"total":1}},"errors":[],"resources":["a"]}"#);
    let server = Hostile::start(with_token(move |_, _| {
        reply(
            200,
            &[
                ("Content-Type", "application/json"),
                ("Content-Encoding", "gzip"),
                ("Date", "yesterday"),
            ],
            &page,
        )
    }))
    .await;
    let report = falcon_exposure::probe::run(&client(&server))
        .await
        .expect("the probe runs");
    assert_eq!(report.content_encoding.as_deref(), Some("gzip"));
    assert_eq!(report.clock_skew_seconds, None);
    // The decoded pages were read: every limit was accepted.
    assert!(
        report.limits.iter().all(|l| matches!(
            l.answer,
            falcon_exposure::probe::Answer::Accepted { items: 1, .. }
        )),
        "{:?}",
        report.limits
    );
    assert!(report.requests <= falcon_exposure::probe::MAX_REQUESTS);
    let sent = server.requests().len() as u32;
    assert_eq!(
        sent,
        report.requests + 1,
        "the API's requests and one token"
    );
    let text = report.to_string();
    assert!(
        !text.contains("127.0.0.1") && !text.contains('\u{1b}'),
        "{text}"
    );
}
