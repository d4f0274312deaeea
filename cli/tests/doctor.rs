//! `falcon-exposure doctor` end to end.

use falcon_emulator::{
    ApiClient, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, EmulatorConfig, EmulatorHandle, SCOPE_READ,
};

use crate::common;

/// The report with what may change between runs replaced: the clocks'
/// difference (`+0 s`, `-1 s`...); and the version.
fn redact(report: &str) -> String {
    report
        .replace(env!("CARGO_PKG_VERSION"), "<version>")
        .lines()
        .map(|line| {
            if !line.contains("clock") {
                return line.to_owned();
            }
            line.split(' ')
                .map(|word| {
                    let signed = word.starts_with(['+', '-'])
                        && word.len() > 1
                        && word[1..].bytes().all(|b| b.is_ascii_digit());
                    if signed { "<skew>" } else { word }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Neither a secret, the whole client ID, the emulator's address nor a
/// machine path is in `text`.
fn assert_nothing_private(text: &str, emu: &EmulatorHandle, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "a secret in:\n{text}");
    }
    assert!(
        !text.contains(DEFAULT_CLIENT_ID),
        "the client ID in:\n{text}"
    );
    assert!(!text.contains("127.0.0.1"), "a host in:\n{text}");
    assert!(!text.contains("localhost"), "a host in:\n{text}");
    assert!(
        !text.contains(&format!(":{}", emu.addr().port())),
        "the port in:\n{text}"
    );
    assert!(
        !text.contains(env!("CARGO_TARGET_TMPDIR")),
        "a path in:\n{text}"
    );
}

const WRITES: [&str; 3] = [
    "patch_external_assets",
    "delete_external_assets",
    "post_external_assets_inventory_v1",
];

#[tokio::test]
async fn doctor_passes_against_the_emulator_and_shows_every_section() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let home = common::temp_dir("doctor-ok");
    let out = common::run(common::command(&emu, &home).arg("doctor")).await;
    let report = common::stdout(&out);
    assert_eq!(common::code(&out), 0, "{report}\n{}", common::stderr(&out));
    for section in [
        "== settings",
        "== credentials",
        "== cloud",
        "== scopes",
        "== clock",
        "== TLS and proxy",
        "== probe",
        "    == page limits",
        "== result",
    ] {
        assert!(report.contains(section), "no {section} in:\n{report}");
    }
    assert_nothing_private(&report, &emu, &[DEFAULT_CLIENT_SECRET]);
    // Doctor never writes.
    let stats = emu.stats();
    for op in WRITES {
        assert_eq!(stats.operation(op), 0, "{op} was sent");
    }
    insta::assert_snapshot!(redact(&report));
}

#[tokio::test]
async fn a_read_only_client_passes_with_the_writes_not_checked() {
    let config = EmulatorConfig::default().client(ApiClient::new(
        "reader-id",
        "reader-secret",
        &[SCOPE_READ],
    ));
    let emu = common::emulator(config).await;
    let home = common::temp_dir("doctor-read-only");
    let out = common::run(
        common::command(&emu, &home)
            .env("FALCON_CLIENT_ID", "reader-id")
            .env("FALCON_CLIENT_SECRET", "reader-secret")
            .arg("doctor"),
    )
    .await;
    let report = common::stdout(&out);
    assert_eq!(common::code(&out), 0, "{report}");
    assert!(
        report.contains("[ok] query_external_assets_v2 (assets:read): granted"),
        "{report}"
    );
    for op in WRITES {
        let line = format!("[not checked] {op} (assets:write): a write scope: doctor never writes");
        assert!(report.contains(&line), "no {line:?} in:\n{report}");
    }
    assert!(report.contains("client id: read…"), "{report}");
}

#[tokio::test]
async fn a_client_without_the_read_scope_fails_naming_it() {
    let config = EmulatorConfig::default().client(ApiClient::new("blind-id", "blind-secret", &[]));
    let emu = common::emulator(config).await;
    let home = common::temp_dir("doctor-no-scope");
    let out = common::run(
        common::command(&emu, &home)
            .env("FALCON_CLIENT_ID", "blind-id")
            .env("FALCON_CLIENT_SECRET", "blind-secret")
            .arg("doctor"),
    )
    .await;
    let report = common::stdout(&out);
    assert_eq!(common::code(&out), 4, "{report}");
    assert!(report.contains("[ok] token: issued"), "{report}");
    for op in [
        "query_external_assets",
        "get_external_assets",
        "aggregate_external_assets",
    ] {
        let line = format!("[FAILED] {op} (assets:read): missing scope assets:read");
        assert!(report.contains(&line), "no {line:?} in:\n{report}");
    }
    let err = common::stderr(&out);
    assert!(
        err.contains("checks failed") && err.contains("missing scope assets:read"),
        "{err}"
    );
}

#[tokio::test]
async fn bad_credentials_fail_with_exit_4_and_a_clear_line() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let home = common::temp_dir("doctor-bad-credentials");
    let wrong = "wrong-secret-0123456789";
    let out = common::run(
        common::command(&emu, &home)
            .env("FALCON_CLIENT_SECRET", wrong)
            .arg("doctor"),
    )
    .await;
    let report = common::stdout(&out);
    assert_eq!(common::code(&out), 4, "{report}");
    assert!(
        report.contains("[FAILED] token: authentication failed: HTTP 403 (")
            && report.contains("the API refused the credentials"),
        "{report}"
    );
    assert!(
        report.contains("[not checked] query_external_assets (assets:read): no token was issued"),
        "{report}"
    );
    assert!(
        report.contains("[not checked] probe: no token was issued"),
        "{report}"
    );
    let err = common::stderr(&out);
    assert!(
        err.contains("1 check failed: token: authentication failed"),
        "{err}"
    );
    assert_nothing_private(&report, &emu, &[wrong, DEFAULT_CLIENT_SECRET]);
    assert_nothing_private(&err, &emu, &[wrong, DEFAULT_CLIENT_SECRET]);
    assert_eq!(
        emu.stats().total(),
        emu.stats().token_requests,
        "only token requests"
    );
}

#[tokio::test]
async fn an_unreachable_api_fails_the_connection_without_naming_the_host() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    // A port nobody listens on: the emulator's, once it is shut down.
    let url = emu.base_url();
    let port = emu.addr().port();
    emu.shutdown().await;
    let home = common::temp_dir("doctor-unreachable");
    let out = common::run(
        common::bare(&home)
            .env("FALCON_CLIENT_ID", DEFAULT_CLIENT_ID)
            .env("FALCON_CLIENT_SECRET", DEFAULT_CLIENT_SECRET)
            .env("FALCON_CLOUD", url.as_str())
            .arg("doctor"),
    )
    .await;
    let report = common::stdout(&out);
    assert_eq!(common::code(&out), 4, "{report}");
    assert!(report.contains("[FAILED] token:"), "{report}");
    assert!(
        report.contains("[FAILED] connection:") && report.contains("check the network"),
        "{report}"
    );
    assert!(
        !report.contains("127.0.0.1") && !report.contains(&format!(":{port}")),
        "{report}"
    );
}

#[tokio::test]
async fn the_json_report_has_every_section_and_the_verdict() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let home = common::temp_dir("doctor-json");
    let out = common::run(common::command(&emu, &home).args(["doctor", "--format", "json"])).await;
    assert_eq!(common::code(&out), 0, "{}", common::stderr(&out));
    let text = common::stdout(&out);
    let json: serde_json::Value = serde_json::from_str(&text).expect("one JSON object");
    assert_eq!(json["passed"], true);
    let titles: Vec<&str> = json["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .filter_map(|s| s["title"].as_str())
        .collect();
    assert_eq!(
        titles,
        [
            "settings",
            "credentials",
            "cloud",
            "scopes",
            "clock",
            "TLS and proxy",
            "probe"
        ]
    );
    let scopes = &json["sections"][3]["checks"];
    assert_eq!(scopes[0]["status"], "ok", "{scopes}");
    assert!(
        json["probe"]
            .as_str()
            .is_some_and(|p| p.contains("== page limits"))
    );
    assert_nothing_private(&text, &emu, &[DEFAULT_CLIENT_SECRET]);
}
