//! `falcon-exposure call` end to end.

use falcon_emulator::{EmulatorConfig, EmulatorHandle};
use serde_json::Value;

use crate::common;

/// `call` with `args`, run to the end.
async fn call(emu: &EmulatorHandle, name: &str, args: &[&str]) -> std::process::Output {
    let home = common::temp_dir(name);
    common::run(common::command(emu, &home).arg("call").args(args)).await
}

/// stdout as JSON, after a successful run.
fn reply(out: &std::process::Output) -> Value {
    assert_eq!(common::code(out), 0, "{}", common::stderr(out));
    serde_json::from_str(&common::stdout(out)).expect("the reply as JSON")
}

#[tokio::test]
async fn a_read_prints_the_reply_and_repeats_parameters() {
    let emu = common::emulator(EmulatorConfig::default().assets(60)).await;
    let out = call(
        &emu,
        "call-query",
        &[
            "query_external_assets",
            "--param",
            "filter=asset_type:'ip'",
            "--param",
            "limit=4",
        ],
    )
    .await;
    let r = reply(&out);
    let ids: Vec<&str> = r["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 4);
    let ips = common::library(&emu)
        .query_assets()
        .filter("asset_type:'ip'")
        .limit(1)
        .send()
        .await
        .unwrap()
        .meta
        .pagination
        .and_then(|p| p.total)
        .unwrap();
    assert_eq!(r["meta"]["pagination"]["total"], ips);

    // The method name works as well, and `ids` repeats.
    let out = call(
        &emu,
        "call-get",
        &[
            "get_assets",
            "--param",
            &format!("ids={}", ids[0]),
            "--param",
            &format!("ids={}", ids[1]),
        ],
    )
    .await;
    let r = reply(&out);
    let got: Vec<&str> = r["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, ids[..2]);
    assert!(got.iter().all(|id| !id.is_empty()));
}

#[tokio::test]
async fn a_write_sends_the_body_from_a_file_or_the_flag() {
    let emu = common::emulator(EmulatorConfig::default().assets(10)).await;
    let client = common::library(&emu);
    let ids: Vec<String> = client
        .query_assets()
        .limit(2)
        .send()
        .await
        .unwrap()
        .resources;
    let dir = common::temp_dir("call-patch");
    let file = dir.join("patch.json");
    std::fs::write(
        &file,
        format!(
            r#"{{"assets":[{{"id":"{}","criticality":"High","criticality_description":"from a file"}}]}}"#,
            ids[0]
        ),
    )
    .unwrap();
    let body = format!("@{}", file.to_str().unwrap());
    reply(
        &call(
            &emu,
            "call-patch-file",
            &["patch_external_assets", "--body", &body],
        )
        .await,
    );
    let inline = format!(
        r#"{{"assets":[{{"id":"{}","criticality_description":"from the flag"}}]}}"#,
        ids[1]
    );
    reply(
        &call(
            &emu,
            "call-patch-flag",
            &["patch_external_assets", "--body", &inline],
        )
        .await,
    );

    let assets = client
        .get_assets()
        .ids(&ids)
        .send()
        .await
        .unwrap()
        .resources;
    let description = |id: &str| {
        let a = assets.iter().find(|a| a.id.as_deref() == Some(id)).unwrap();
        a.criticality_description.clone()
    };
    assert_eq!(description(&ids[0]).as_deref(), Some("from a file"));
    assert_eq!(description(&ids[1]).as_deref(), Some("from the flag"));
}

#[tokio::test]
async fn an_unknown_operation_names_the_closest_and_sends_nothing() {
    let emu = common::emulator(EmulatorConfig::default().assets(5)).await;
    let out = call(&emu, "call-unknown", &["query_external_asset"]).await;
    assert_eq!(common::code(&out), 2);
    let err = common::stderr(&out);
    assert!(
        err.contains("unknown operation \"query_external_asset\""),
        "{err}"
    );
    assert!(err.contains("did you mean query_external_assets"), "{err}");
    assert!(common::stdout(&out).is_empty());
    assert_eq!(emu.stats().total(), 0, "nothing is sent");
}

#[tokio::test]
async fn bad_input_is_a_usage_error_before_anything_is_sent() {
    let emu = common::emulator(EmulatorConfig::default().assets(5)).await;
    for (args, says) in [
        (
            &["query_external_assets", "--param", "limit"][..],
            "KEY=VALUE",
        ),
        (
            &["patch_external_assets", "--body", "{\"assets\": ["][..],
            "--body: the flag is not valid JSON",
        ),
        (
            &["patch_external_assets", "--body", "@no-such-file.json"][..],
            "--body: reading no-such-file.json",
        ),
    ] {
        let out = call(&emu, "call-bad", args).await;
        assert_eq!(common::code(&out), 2, "{args:?}");
        let err = common::stderr(&out);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(emu.stats().total(), 0, "nothing is sent");
}

#[tokio::test]
async fn an_api_error_exits_4_with_its_message() {
    let emu = common::emulator(EmulatorConfig::default().assets(5)).await;
    let out = call(
        &emu,
        "call-refused",
        &["patch_external_assets", "--body", r#"{"assets":[]}"#],
    )
    .await;
    assert_eq!(common::code(&out), 4, "{}", common::stderr(&out));
    assert!(
        common::stderr(&out).contains("assets is required"),
        "{}",
        common::stderr(&out)
    );
}
