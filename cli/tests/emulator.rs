//! `falcon-exposure emulator` end to end: started as a child process, its
//! printed variables used by another command, then stopped.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::common;

#[tokio::test]
async fn the_printed_variables_point_other_commands_at_it() {
    let home = common::temp_dir("emulator-child");
    let mut child = common::bare(&home)
        .args(["emulator", "--port", "0", "--assets", "77"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut vars: Vec<(String, String)> = Vec::new();
    let read = async {
        while let Some(line) = lines.next_line().await.expect("stdout") {
            if let Some((k, v)) = line
                .strip_prefix("export ")
                .and_then(|kv| kv.split_once('='))
            {
                vars.push((k.to_owned(), v.to_owned()));
                if k == "FALCON_CLOUD" {
                    break;
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("the variables are printed");
    let names: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["FALCON_CLIENT_ID", "FALCON_CLIENT_SECRET", "FALCON_CLOUD"]
    );
    let cloud = &vars[2].1;
    assert!(cloud.starts_with("http://127.0.0.1:"), "{cloud}");

    let mut report = common::bare(&home);
    report
        .envs(vars.iter().cloned())
        .args(["report", "--format", "json"]);
    let out = common::run(&mut report).await;
    assert_eq!(common::code(&out), 0, "{}", common::stderr(&out));
    let r: Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    assert_eq!(r["total"], 77);

    let mut call = common::bare(&home);
    call.envs(vars.iter().cloned())
        .args(["call", "query_external_assets", "--param", "limit=3"]);
    let out = common::run(&mut call).await;
    assert_eq!(common::code(&out), 0, "{}", common::stderr(&out));
    let r: Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    assert_eq!(r["meta"]["pagination"]["total"], 77);
    assert_eq!(r["resources"].as_array().unwrap().len(), 3);

    stop(&mut child).await;
}

/// Ctrl-C ends it with 0 (on Unix, SIGINT through `kill`); elsewhere the
/// child is killed.
#[cfg(unix)]
async fn stop(child: &mut tokio::process::Child) {
    let pid = child.id().expect("running").to_string();
    let sent = tokio::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .await
        .expect("kill runs");
    assert!(sent.success());
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("it stops on Ctrl-C")
        .unwrap();
    assert_eq!(status.code(), Some(0), "{status}");
}

#[cfg(not(unix))]
async fn stop(child: &mut tokio::process::Child) {
    child.kill().await.expect("the child stops");
}

#[tokio::test]
async fn a_port_in_use_is_a_usage_error() {
    let emu = common::emulator(falcon_emulator::EmulatorConfig::default().assets(1)).await;
    let home = common::temp_dir("emulator-busy");
    let port = emu.addr().port().to_string();
    let out =
        common::run(common::bare(&home).args(["emulator", "--port", &port, "--assets", "1"])).await;
    assert_eq!(common::code(&out), 2);
    let err = common::stderr(&out);
    assert!(
        err.contains(&format!("cannot start on 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(err.contains("--port"), "{err}");
}
