//! `FALCON_CLOUD` and base-URL tricks: names that look like loopback,
//! credentials, queries, fragments and hidden characters are refused with
//! a configuration error that never quotes a password.

use falcon_exposure::{Client, Error, Target};

/// Builds a client for `cloud` as `FALCON_CLOUD` (or the tool's `--cloud`)
/// gives it: parsed as a [`Target`], then checked when the client is built.
fn build_with_cloud(cloud: &str) -> Result<(), Error> {
    let target: Target = cloud.parse()?;
    Client::builder()
        .client_id("id")
        .client_secret("secret")
        .target(target)
        .build()
        .map(|_| ())
}

#[test]
fn falcon_cloud_tricks_are_refused() {
    let cases = [
        ("http://127.0.0.1.evil.com", "plain http://"),
        ("http://127.0.0.1.evil.com:8080/", "plain http://"),
        ("http://localhost.evil.com", "plain http://"),
        ("http://127.1.evil.com", "plain http://"),
        ("http://[::1].evil.com", "invalid base URL"),
        ("https://user:hunter2@api.crowdstrike.com", "credentials"),
        ("https://api.crowdstrike.com@evil.example", "credentials"),
        ("http://127.0.0.1@evil.example", "credentials"),
        ("https://api.crowdstrike.com#frag", "fragment"),
        ("https://api.crowdstrike.com/#", "fragment"),
        ("https://api.crowdstrike.com?x=1", "query"),
        ("https://api.crowdstrike.com/?", "query"),
        ("https://api.crowd\tstrike.com", "control character"),
        ("https://api.crowd\nstrike.evil", "control character"),
        ("ftp://api.crowdstrike.com", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("https://", "invalid base URL"),
        ("api.crowdstrike.com", "unknown cloud"),
        ("mars-1", "unknown cloud"),
    ];
    for (cloud, why) in cases {
        let err = build_with_cloud(cloud).expect_err(cloud);
        assert!(matches!(err, Error::Config(_)), "{cloud:?}: {err:?}");
        let msg = err.to_string();
        assert!(msg.contains(why), "{cloud:?}: {msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
    }
}

#[test]
fn real_clouds_and_loopback_urls_are_accepted() {
    for cloud in [
        "us-1",
        "EU-1",
        "usgov1",
        " https://api.us-2.crowdstrike.com ",
        "https://gw.example.com/falcon/",
        "http://127.0.0.1:9999",
        "http://127.9.9.9:1",
        "http://localhost:1",
        "http://[::1]:1",
    ] {
        build_with_cloud(cloud).unwrap_or_else(|e| panic!("{cloud:?}: {e}"));
    }
}

#[test]
fn cloud_url_overrides_are_checked_the_same_way() {
    for url in [
        "http://127.0.0.1.evil.com",
        "https://u:p@x.example",
        "https://x.example#f",
    ] {
        let err = falcon_exposure::Client::builder()
            .client_id("id")
            .client_secret("secret")
            .cloud_url(falcon_exposure::Cloud::Us2, url)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{url}: {err:?}");
    }
}
