//! `falcon-exposure export` end to end: the binary against the emulator,
//! its files read back with the library's types, `serde_json` and `csv`.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use falcon_emulator::{EmulatorConfig, EmulatorHandle, Fault, FaultConfig};
use falcon_exposure::models::FemExternalAsset;
use serde_json::Value;

use crate::common;

/// A fixed timestamp anchor, so that the emulator's data is the same
/// every day (snapshots).
const ANCHOR: i64 = 1_767_225_600;

/// Service rows of `assets`: one per service, one for an asset without.
fn service_rows(assets: &[FemExternalAsset]) -> usize {
    assets
        .iter()
        .map(|a| {
            let ip =
                a.ip.as_ref()
                    .and_then(|i| i.services.as_ref())
                    .map_or(0, Vec::len);
            let dns = a
                .dns_domain
                .as_ref()
                .and_then(|d| d.services.as_ref())
                .map_or(0, Vec::len);
            (ip + dns).max(1)
        })
        .sum()
}

/// The binary's `export` with `args`.
fn export(emu: &EmulatorHandle, home: &Path, args: &[&str]) -> tokio::process::Command {
    let mut c = common::command(emu, home);
    c.arg("export").args(args);
    c
}

fn path(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// Every line of a JSON Lines file, parsed.
fn jsonl(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .expect("the output exists")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect()
}

/// A CSV file: its header and its records.
fn csv_file(file: &Path) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_path(file).expect("the CSV opens");
    let header = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_owned)
        .collect();
    let records = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("valid CSV");
    (header, records)
}

fn meta(out: &Path) -> Value {
    let mut name = out.as_os_str().to_owned();
    name.push(".meta.json");
    serde_json::from_str(&std::fs::read_to_string(PathBuf::from(name)).expect("meta exists"))
        .expect("meta is JSON")
}

/// The metadata file as written, with its times and version replaced, for
/// snapshots.
fn stable_meta(out: &Path) -> String {
    let mut name = out.as_os_str().to_owned();
    name.push(".meta.json");
    let text = std::fs::read_to_string(PathBuf::from(name)).expect("meta exists");
    text.lines()
        .map(|line| {
            let key = line.trim_start().split(':').next().unwrap_or_default();
            match key.trim_matches('"') {
                k @ ("started_at" | "finished_at" | "tool") if !line.contains("null") => {
                    format!("  \"{k}\": \"<{k}>\",")
                }
                _ => line.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn jsonl_of_whole_assets_holds_every_asset_once_with_its_metadata() {
    let emu = common::emulator(EmulatorConfig::default().assets(250)).await;
    let dir = common::temp_dir("export-jsonl");
    let out = dir.join("assets.jsonl");
    let o = common::run(&mut export(&emu, &dir, &["--out", path(&out)])).await;
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    assert!(common::stdout(&o).is_empty());
    assert!(
        common::stderr(&o).contains("Exported 250 assets"),
        "{}",
        common::stderr(&o)
    );

    let lines = jsonl(&out);
    assert_eq!(lines.len(), 250);
    let ids: HashSet<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 250);
    // A line is the asset as the model re-serialises it.
    let expected: HashSet<String> = common::assets(&common::library(&emu))
        .await
        .iter()
        .map(|a| serde_json::to_string(a).unwrap())
        .collect();
    let got: HashSet<String> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(got, expected);

    insta::assert_snapshot!("jsonl_meta", stable_meta(&out));
    assert_eq!(
        files_in(&dir),
        ["assets.jsonl", "assets.jsonl.meta.json"],
        "no temporary file stays"
    );
}

#[tokio::test]
async fn csv_and_jsonl_rows_of_assets_and_services_count_as_the_emulator() {
    let emu = common::emulator(EmulatorConfig::default().assets(300).anchor(ANCHOR)).await;
    let all = common::assets(&common::library(&emu)).await;
    let services = service_rows(&all);
    assert!(services > all.len(), "the emulator's assets have services");
    let dir = common::temp_dir("export-rows");

    let assets_csv = dir.join("assets.csv");
    let o = common::run(&mut export(
        &emu,
        &dir,
        &["--format", "csv", "--out", path(&assets_csv)],
    ))
    .await;
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let (header, records) = csv_file(&assets_csv);
    assert_eq!(records.len(), 300);
    insta::assert_snapshot!("csv_assets_header", header.join(","));
    // The default columns of one asset, as the CSV holds them.
    let mut by_id: BTreeMap<String, Vec<String>> = records
        .iter()
        .map(|r| (r[0].to_owned(), r.iter().map(str::to_owned).collect()))
        .collect();
    let first = by_id.pop_first().unwrap();
    insta::assert_debug_snapshot!("csv_assets_first_row", first);

    let services_csv = dir.join("services.csv");
    let o = common::run(&mut export(
        &emu,
        &dir,
        &[
            "--format",
            "csv",
            "--rows",
            "services",
            "--out",
            path(&services_csv),
        ],
    ))
    .await;
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let (header, records) = csv_file(&services_csv);
    assert_eq!(records.len(), services);
    insta::assert_snapshot!("csv_services_header", header.join(","));
    let ids: HashSet<&str> = records.iter().map(|r| r.get(0).unwrap()).collect();
    assert_eq!(ids.len(), 300, "every asset has a row");
    assert_eq!(meta(&services_csv)["assets"], 300);
    assert_eq!(meta(&services_csv)["rows"], "services");

    // JSON Lines of services, to stdout.
    let o = common::run(&mut export(&emu, &dir, &["--rows", "services"])).await;
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let lines: Vec<Value> = common::stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), services);
    let with_port = lines
        .iter()
        .filter(|l| l["service.port"].is_number())
        .count();
    assert!(with_port > 0 && with_port <= services);
}

#[tokio::test]
async fn csv_cells_are_quoted_and_formulas_neutralised() {
    let emu = common::emulator(EmulatorConfig::default().assets(20)).await;
    let client = common::library(&emu);
    let ids: Vec<String> = common::assets(&client)
        .await
        .into_iter()
        .filter_map(|a| Some(a.id?.into_string()))
        .take(4)
        .collect();
    let hostile = [
        (
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "a, b, and \"c\"",
        ),
        ("+cmd|' /C calc'!A0", "line one\nline two\r\nthree"),
        ("@SUM(1+1)", "\u{1b}[31mred\u{1b}[0m"),
        ("-2+3", "plain"),
    ];
    for (id, (criticality, triage)) in ids.iter().zip(hostile) {
        client
            .update_assets()
            .id(id.as_str())
            .criticality_description(criticality)
            .description(triage)
            .send()
            .await
            .expect("the patch is accepted");
    }
    let dir = common::temp_dir("export-csv-quoting");
    let out = dir.join("q.csv");
    let o = common::run(&mut export(
        &emu,
        &dir,
        &[
            "--format",
            "csv",
            "--fields",
            "id,criticality_description,triage.description",
            "--out",
            path(&out),
        ],
    ))
    .await;
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let (header, records) = csv_file(&out);
    assert_eq!(
        header,
        ["id", "criticality_description", "triage.description"]
    );
    assert_eq!(records.len(), 20);
    for (id, (criticality, triage)) in ids.iter().zip(hostile) {
        let row = records
            .iter()
            .find(|r| &r[0] == id)
            .expect("the patched asset is exported");
        assert_eq!(&row[1], format!("'{criticality}"), "formula neutralised");
        assert_eq!(&row[2], triage, "quoted and read back as written");
    }
}

#[tokio::test]
async fn fields_select_the_columns_and_an_unknown_field_names_the_closest() {
    let emu = common::emulator(EmulatorConfig::default().assets(50)).await;
    let all = common::assets(&common::library(&emu)).await;
    let dir = common::temp_dir("export-fields");
    let o = common::run(&mut export(
        &emu,
        &dir,
        &[
            "--fields",
            "id,criticality,ip.services.port,dns_domain.fqdn",
        ],
    ))
    .await;
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let lines: Vec<Value> = common::stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 50);
    for line in &lines {
        let keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = vec!["id", "criticality", "ip.services.port", "dns_domain.fqdn"];
        expected.sort_unstable();
        assert_eq!(keys, expected);
        let asset = all
            .iter()
            .find(|a| a.id.as_deref() == line["id"].as_str())
            .unwrap();
        let ports: Vec<Value> = asset
            .ip
            .iter()
            .flat_map(|ip| ip.services.iter().flatten())
            .filter_map(|s| s.port.map(Value::from))
            .collect();
        match &line["ip.services.port"] {
            Value::Array(got) => assert_eq!(got, &ports),
            Value::Null => assert!(
                asset
                    .ip
                    .as_ref()
                    .and_then(|i| i.services.as_ref())
                    .is_none()
            ),
            other => panic!("a list of ports, not {other}"),
        }
    }

    let before = emu.stats().total();
    let o = common::run(&mut export(&emu, &dir, &["--fields", "id,criticalty"])).await;
    assert_eq!(common::code(&o), 2);
    let err = common::stderr(&o);
    assert!(err.contains("unknown field `criticalty`"), "{err}");
    assert!(err.contains("did you mean `criticality`"), "{err}");
    let o = common::run(&mut export(
        &emu,
        &dir,
        &["--rows", "services", "--fields", "port"],
    ))
    .await;
    assert_eq!(common::code(&o), 2);
    assert!(common::stderr(&o).contains("did you mean `service.port`"));
    assert_eq!(emu.stats().total(), before, "nothing was sent");
}

#[tokio::test]
async fn bad_filters_are_refused_before_anything_is_sent() {
    let emu = common::emulator(EmulatorConfig::default().assets(10)).await;
    let dir = common::temp_dir("export-filter");
    let out = dir.join("never.jsonl");
    for (filter, says) in [
        ("asset_type:'ip", "--filter"),
        ("asset_typo:'ip'", "asset_typo"),
    ] {
        let o = common::run(&mut export(
            &emu,
            &dir,
            &["--filter", filter, "--out", path(&out)],
        ))
        .await;
        assert_eq!(common::code(&o), 2, "{filter}");
        let err = common::stderr(&o);
        assert!(err.contains(says), "{filter}: {err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
    }
    assert_eq!(emu.stats().total(), 0, "nothing was sent");
    assert!(files_in(&dir).iter().all(|f| !f.contains("never")));

    // A good filter exports what it selects.
    let o = common::run(&mut export(
        &emu,
        &dir,
        &["--filter", "asset_type:'ip'", "--fields", "asset_type"],
    ))
    .await;
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    assert!(
        common::stdout(&o)
            .lines()
            .all(|l| l == r#"{"asset_type":"ip"}"#)
    );
}

/// `criticality:'high'` and `asset_type:'ipp'` are valid FQL that match
/// nothing: a warning names the closest known value, and `--strict` refuses
/// them before anything is sent.
#[tokio::test]
async fn values_outside_a_fields_known_values_warn_or_with_strict_fail() {
    let emu = common::emulator(EmulatorConfig::default().assets(10)).await;
    let dir = common::temp_dir("export-values");
    let o = common::run(&mut export(
        &emu,
        &dir,
        &["--filter", "criticality:'high'", "--fields", "id"],
    ))
    .await;
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert!(
        err.contains("warning") && err.contains("did you mean 'High'"),
        "{err}"
    );
    assert!(common::stdout(&o).is_empty(), "the API matches nothing");
    let sent = emu.stats().total();
    assert!(sent > 0, "a warning does not stop the export");

    let out = dir.join("never.jsonl");
    let o = common::run(&mut export(
        &emu,
        &dir,
        &[
            "--strict",
            "--filter",
            "asset_type:'ipp'",
            "--out",
            path(&out),
        ],
    ))
    .await;
    assert_eq!(common::code(&o), 2, "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert!(
        err.contains("--strict") && err.contains("did you mean 'ip'"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert_eq!(emu.stats().total(), sent, "nothing more was sent");
    assert!(!out.exists());
}

#[tokio::test]
async fn member_cids_are_exported_with_a_cid_column_and_a_summary() {
    let good = [
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1",
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2",
    ];
    let refused = "ccccccccccccccccccccccccccccccc3";
    let mut config = EmulatorConfig::default()
        .assets(40)
        .member(good[0], 30)
        .member(good[1], 20);
    config.clients[0].member_cids = good.iter().map(|s| s.to_string()).collect();
    let emu = common::emulator(config).await;
    let dir = common::temp_dir("export-cids");
    let out = dir.join("members.csv");
    let o = common::run(&mut export(
        &emu,
        &dir,
        &[
            "--format",
            "csv",
            "--fields",
            "id,asset_type",
            "--cid",
            good[0],
            "--cid",
            refused,
            "--cid",
            good[1],
            "--out",
            path(&out),
        ],
    ))
    .await;
    let err = common::stderr(&o);
    assert_eq!(common::code(&o), 3, "{err}");
    let (header, records) = csv_file(&out);
    assert_eq!(header, ["cid", "id", "asset_type"]);
    let count = |cid: &str| records.iter().filter(|r| &r[0] == cid).count();
    assert_eq!((count(good[0]), count(good[1])), (30, 20));
    assert_eq!(
        records.len(),
        50,
        "nothing of the parent or the refused CID"
    );

    let summary: Vec<&str> = err.lines().collect();
    assert!(summary[0].starts_with("CID"), "{err}");
    let row = |cid: &str| {
        *summary
            .iter()
            .find(|l| l.starts_with(cid))
            .unwrap_or_else(|| panic!("no row for {cid}: {err}"))
    };
    assert!(row(good[0]).contains(" 30  ok"), "{err}");
    assert!(row(good[1]).contains(" 20  ok"), "{err}");
    assert!(row(refused).contains("  0  failed: "), "{err}");

    let meta = meta(&out);
    assert_eq!(meta["cids"], serde_json::json!([good[0], refused, good[1]]));
    assert_eq!(meta["assets"], 50);
    assert_eq!(meta["finished"], false, "a CID failed");
}

/// Waits until `state` records a point past the start with bytes behind
/// it, that is a save made mid-way.
async fn saved_mid_way(state: &Path) -> bool {
    for _ in 0..600 {
        if let Ok(text) = std::fs::read_to_string(state)
            && let Ok(v) = serde_json::from_str::<Value>(&text)
        {
            let account = &v["accounts"][0];
            if account["point"].is_object() && account["assets"].as_u64() > Some(0) {
                return account["finished"] == false;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test]
async fn a_killed_export_resumes_with_state_and_writes_each_asset_once() {
    const N: usize = 3_000;
    let mut config = EmulatorConfig::default().assets(N);
    config.faults.latency = Some(Duration::from_millis(50));
    let emu = common::emulator(config).await;
    let dir = common::temp_dir("export-resume");
    let out = dir.join("all.jsonl");
    let state = dir.join("all.state");
    let args = ["--out", path(&out), "--state", path(&state)];

    let mut child = export(&emu, &dir, &args).spawn().expect("spawns");
    assert!(saved_mid_way(&state).await, "a state was saved mid-way");
    // Let rows past the saved point reach the file, then kill.
    tokio::time::sleep(Duration::from_millis(150)).await;
    child.start_kill().expect("kill");
    let status = child.wait().await.expect("waits");
    assert!(!status.success());
    let partial = jsonl_lenient(&out);
    assert!(
        partial > 0 && partial < N,
        "killed mid-way: {partial} lines"
    );
    assert_eq!(meta(&out)["finished"], false);

    // Other parameters are refused.
    let o = common::run(&mut export(
        &emu,
        &dir,
        &[&args[..], &["--filter", "asset_type:'ip'"]].concat(),
    ))
    .await;
    assert_eq!(common::code(&o), 2);
    assert!(
        common::stderr(&o).contains("--filter was null"),
        "{}",
        common::stderr(&o)
    );

    let o = common::run(&mut export(&emu, &dir, &args)).await;
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let lines = jsonl(&out);
    assert_eq!(lines.len(), N, "every asset once");
    let ids: HashSet<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), N, "no asset twice");
    let meta = meta(&out);
    assert_eq!(meta["finished"], true);
    assert_eq!(meta["assets"], N);
    assert!(meta["finished_at"].is_string());

    // Finished: running it again exports nothing.
    let before = emu.stats().total();
    let len = std::fs::metadata(&out).unwrap().len();
    let o = common::run(&mut export(&emu, &dir, &args)).await;
    assert_eq!(common::code(&o), 0);
    assert!(
        common::stderr(&o).contains("nothing to do"),
        "{}",
        common::stderr(&o)
    );
    assert_eq!(emu.stats().total(), before);
    assert_eq!(std::fs::metadata(&out).unwrap().len(), len);
}

/// Lines of a file cut anywhere: the complete ones.
fn jsonl_lenient(file: &Path) -> usize {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter(|l| serde_json::from_str::<Value>(l).is_ok())
        .count()
}

#[tokio::test]
async fn a_failed_export_leaves_no_file() {
    let emu = common::emulator(EmulatorConfig::default().assets(2_000)).await;
    // The id page and a few detail batches go through; then every reply
    // is invalid JSON (not retried).
    emu.set_faults(FaultConfig {
        schedule: (8..200)
            .map(|request| falcon_emulator::ScheduledFault {
                request,
                fault: Fault::MalformedJson,
            })
            .collect(),
        ..FaultConfig::default()
    });
    let dir = common::temp_dir("export-failed");
    let out = dir.join("never.jsonl");
    let o = common::run(&mut export(&emu, &dir, &["--out", path(&out)])).await;
    assert_eq!(common::code(&o), 4, "{}", common::stderr(&o));
    assert!(common::stderr(&o).starts_with("falcon-exposure: "));
    assert_eq!(
        files_in(&dir),
        Vec::<String>::new(),
        "no output, no temporary file"
    );
}

#[tokio::test]
async fn since_compares_with_an_earlier_export() {
    let emu = common::emulator(EmulatorConfig::default().assets(60)).await;
    let dir = common::temp_dir("export-since");
    let (old, new) = (dir.join("old.jsonl"), dir.join("new.jsonl"));
    let o = common::run(&mut export(&emu, &dir, &["--out", path(&old)])).await;
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));

    let o = common::run(&mut export(
        &emu,
        &dir,
        &[
            "--format",
            "csv",
            "--out",
            path(&new),
            "--since",
            path(&old),
        ],
    ))
    .await;
    assert_eq!(common::code(&o), 2, "--since needs JSON Lines of assets");
    assert!(!new.exists());

    let o = common::run(&mut export(
        &emu,
        &dir,
        &["--out", path(&new), "--since", path(&old)],
    ))
    .await;
    assert_eq!(common::code(&o), 0, "no change: {}", common::stderr(&o));
    assert_eq!(jsonl(&new).len(), 60);
}
