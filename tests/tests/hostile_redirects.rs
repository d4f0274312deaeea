//! Redirects from a hostile server: credential-bearing requests never
//! follow one, API calls only within their origin; the secret and the
//! token never reach another host.

use crate::hostile;

use falcon_exposure::Error;
use hostile::{Hostile, SECRET, client, empty_page, json, reply, token, with_token};

const REDIRECTS: [u16; 5] = [301, 302, 303, 307, 308];

/// A server that records and answers everything with an empty page: the
/// target of the redirects, which must never be reached.
async fn elsewhere() -> Hostile {
    Hostile::start(|_, _| empty_page()).await
}

#[tokio::test]
async fn token_requests_never_follow_a_redirect() {
    for status in REDIRECTS {
        let other = elsewhere().await;
        for target in [
            format!("{}/oauth2/token", other.url()),
            "/oauth2/token2".into(),
        ] {
            let loc = target.clone();
            let server =
                Hostile::start(move |_, _| reply(status, &[("Location", &loc)], b"")).await;
            let err = client(&server).query_assets().send().await.unwrap_err();
            let Error::Auth { status: got, .. } = &err else {
                panic!("{status} to {target}: expected an auth error, got {err:?}");
            };
            assert_eq!(*got, status);
            let msg = err.to_string();
            assert!(msg.contains(&target) && msg.contains("redirect"), "{msg}");
            assert!(!msg.contains(SECRET), "{msg}");
            // One token request, no other request, nowhere else.
            assert_eq!(server.requests().len(), 1, "{status} to {target}");
            assert_eq!(server.requests()[0].path(), "/oauth2/token");
        }
        assert!(
            other.requests().is_empty(),
            "{status}: the other server was reached"
        );
    }
}

#[tokio::test]
async fn revoke_requests_never_follow_a_redirect() {
    for status in REDIRECTS {
        let other = elsewhere().await;
        let loc = format!("{}/oauth2/revoke", other.url());
        let server = Hostile::start(move |r, _| match r.path() {
            "/oauth2/token" => token("tok-revoked-here"),
            _ => reply(status, &[("Location", &loc)], b""),
        })
        .await;
        let c = client(&server);
        c.authenticate().await.unwrap();
        let err = c.revoke().await.unwrap_err();
        assert!(
            matches!(err, Error::Auth { status: s, .. } if s == status),
            "{status}: {err:?}"
        );
        assert!(err.to_string().contains(&other.url()), "{err}");
        assert!(
            other.requests().is_empty(),
            "{status}: the token went elsewhere"
        );
        assert_eq!(server.on("/oauth2/revoke").len(), 1);
    }
}

#[tokio::test]
async fn api_redirects_to_another_origin_are_refused() {
    let other = elsewhere().await;
    let other_url = other.url();
    // Another port on the same host is another origin.
    for status in REDIRECTS {
        let loc = format!("{other_url}/fem/queries/external-assets/v1");
        let server = Hostile::start(with_token(move |_, _| {
            reply(status, &[("Location", &loc)], b"")
        }))
        .await;
        let err = client(&server).query_assets().send().await.unwrap_err();
        let Error::Redirect {
            status: got,
            location,
            operation,
            ..
        } = &err
        else {
            panic!("{status}: expected a redirect error, got {err:?}");
        };
        assert_eq!(*got, status);
        assert!(location.starts_with(&other_url), "{location}");
        assert_eq!(*operation, "query_external_assets");
        assert!(err.to_string().contains("another origin"), "{err}");
        // Sent once: a refused redirect is not retried.
        assert_eq!(server.on("/fem/queries/external-assets/v1").len(), 1);
    }
    assert!(
        other.requests().is_empty(),
        "the bearer token went elsewhere"
    );
}

#[tokio::test]
async fn api_redirects_within_the_origin_are_followed_a_few_times() {
    for status in REDIRECTS {
        let server = Hostile::start(with_token(move |r, _| {
            if r.path() == "/fem/queries/external-assets/v1" {
                reply(status, &[("Location", "/moved/here")], b"")
            } else {
                json(
                    200,
                    &serde_json::json!({"meta": {}, "resources": ["a", "b"], "errors": []}),
                )
            }
        }))
        .await;
        let page = client(&server).query_assets().send().await.unwrap();
        assert_eq!(page.resources, ["a", "b"], "{status}");
        let moved = server.on("/moved/here");
        assert_eq!(moved.len(), 1);
        assert!(
            moved[0].head.contains("authorization: Bearer tok-hostile"),
            "{}",
            moved[0].head
        );
    }
    // A redirect loop ends after five hops with an error.
    let server = Hostile::start(with_token(|_, n| {
        reply(302, &[("Location", &format!("/loop/{n}"))], b"")
    }))
    .await;
    let err = client(&server).query_assets().send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Redirect {
                status: falcon_exposure::StatusCode::FOUND,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("too many redirects"), "{err}");
    let api_requests = server.requests().len() - 1;
    assert_eq!(api_requests, 6, "the first request and five redirects");
}

/// A redirect to `https://` elsewhere or to a host name is refused just
/// the same, and the client stays usable.
#[tokio::test]
async fn api_redirects_to_other_hosts_and_schemes_are_refused() {
    for loc in [
        "https://127.0.0.1:1/x",
        "http://localhost:1/x",
        "//evil.example/x",
        "http://evil.example/fem/queries/external-assets/v1",
    ] {
        let l = loc.to_owned();
        let server = Hostile::start(with_token(move |_, n| {
            if n == 1 {
                reply(307, &[("Location", &l)], b"")
            } else {
                empty_page()
            }
        }))
        .await;
        let c = client(&server);
        let err = c.query_assets().send().await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Redirect {
                    status: falcon_exposure::StatusCode::TEMPORARY_REDIRECT,
                    ..
                }
            ),
            "{loc}: {err:?}"
        );
        // Token and API call only, then the next call is answered.
        assert_eq!(server.requests().len(), 2, "{loc}");
        c.query_assets().send().await.unwrap();
    }
}
