//! The client secret, tokens and the member CID never appear in Debug or
//! Display output, nor in tracing output at TRACE level; the request span
//! carries the operation, method, route, attempt, status and trace ID.

use std::io::Write;
use std::sync::{Arc, Mutex};

use falcon_exposure::Client;
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::common::*;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn assert_no_secret(text: &str) {
    for secret in [
        SECRET,
        MEMBER_CID,
        "tok-1",
        "tok-2",
        "dGVzdC1jbGllbnQtaWQ6c0VjUmVULTlmOGU3ZDZjNWI0YQ",
    ] {
        assert!(!text.contains(secret), "{secret:?} leaked into:\n{text}");
    }
}

#[tokio::test]
async fn secrets_are_absent_from_tracing_output_at_trace_level() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    let tokens = Tokens::new().mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/fem/queries/external-assets/v1"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"errors": [{"code": 401, "message": "access denied"}]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fem/queries/external-assets/v1"))
        .respond_with(ok_json(envelope(json!(["a"]))))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fem/entities/external-assets/v1"))
        .respond_with(ok_json(
            json!({"meta": {}, "resources": [], "errors": [{"code": 404, "message": "nope"}]}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/revoke"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"meta": {}})))
        .mount(&server)
        .await;
    let client = builder(&server).member_cid(MEMBER_CID).build().unwrap();
    // Other tests of this binary, running at the same time without a
    // subscriber, may have cached the request span's callsite as
    // uninteresting while this one was being set up; recompute, so that
    // this thread's subscriber sees every span.
    tracing::callsite::rebuild_interest_cache();
    client.query_assets().send().await.unwrap();
    client.get_assets().ids(["a"]).send().await.unwrap();
    client.revoke().await.unwrap();
    assert_eq!(tokens.issued(), 2);

    // A failing token request too.
    let bad = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"errors": [{"code": 403, "message": "denied"}]})),
        )
        .mount(&bad)
        .await;
    let e = builder(&bad)
        .member_cid(MEMBER_CID)
        .build()
        .unwrap()
        .query_assets()
        .send()
        .await
        .unwrap_err();
    tracing::error!(error = %e, debug = ?e, "reported");

    let text = buffer.text();
    assert_no_secret(&text);
    assert!(text.contains("falcon.request"), "{text}");
    assert!(
        text.contains("operation=\"query_external_assets\"")
            || text.contains("operation=query_external_assets"),
        "{text}"
    );
    assert!(
        text.contains("route=\"/fem/queries/external-assets/v1\"")
            || text.contains("route=/fem/queries/external-assets/v1"),
        "{text}"
    );
    assert!(
        text.contains("method=\"GET\"") || text.contains("method=GET"),
        "{text}"
    );
    assert!(text.contains("attempt=2"), "{text}");
    assert!(text.contains("status=200"), "{text}");
    assert!(
        text.contains("trace_id=\"trace-123\"") || text.contains("trace_id=trace-123"),
        "{text}"
    );
    assert!(text.contains("successful reply carries errors"), "{text}");
}

#[tokio::test]
async fn secrets_are_absent_from_debug_and_display() {
    let server = MockServer::start().await;
    Tokens::new().mount(&server).await;
    let builder = builder(&server)
        .member_cid(MEMBER_CID)
        .proxy("http://user:proxy-pass@127.0.0.1:1");
    let dbg = format!("{builder:?}");
    assert_no_secret(&dbg);
    assert!(!dbg.contains("proxy-pass"), "{dbg}");
    let client = builder.build().unwrap();
    let client = Client::clone(&client);
    let dbg = format!("{client:?}");
    assert_no_secret(&dbg);
    assert!(
        dbg.contains(CLIENT_ID),
        "the client ID is not secret: {dbg}"
    );

    // The token endpoint fails to decode: the error must not quote the body.
    let leaky = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(201).set_body_raw(
            r#"{"access_token": "tok-1", "expires_in": [}"#,
            "application/json",
        ))
        .mount(&leaky)
        .await;
    let c = super::common::client(&leaky);
    let e = c.query_assets().send().await.unwrap_err();
    assert_no_secret(&format!("{e} {e:?}"));

    let e = Client::builder()
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .proxy("::not a url::proxy-pass")
        .build()
        .unwrap_err();
    assert!(!format!("{e} {e:?}").contains("proxy-pass"));
}
