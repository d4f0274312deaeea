//! `falcon-exposure diff` end to end: exports made from the emulator's data
//! through the library (or crafted), then the binary run on them.

use std::path::{Path, PathBuf};
use std::process::Output;

use falcon_emulator::EmulatorConfig;
use falcon_exposure::Client;
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

use crate::common;

/// Every asset of the emulator behind `client`, as exported lines.
async fn export(client: &Client) -> Vec<Value> {
    let assets: Vec<_> = client
        .export_assets("")
        .items()
        .try_collect()
        .await
        .expect("the export runs");
    assets
        .iter()
        .map(|a| serde_json::to_value(a).expect("an asset encodes"))
        .collect()
}

/// An emulator of `n` assets and a client of it.
async fn emulator(n: usize) -> (falcon_emulator::EmulatorHandle, Client) {
    let emu = common::emulator(EmulatorConfig::default().assets(n)).await;
    let client = common::library(&emu);
    (emu, client)
}

/// The emulator's `n` assets, exported once.
async fn exported(n: usize) -> Vec<Value> {
    let (emu, client) = emulator(n).await;
    let lines = export(&client).await;
    emu.shutdown().await;
    lines
}

/// The metadata of a finished, complete export of `assets` assets.
fn meta(assets: usize) -> Value {
    json!({
        "schema_version": 1,
        "tool": "falcon-exposure test",
        "format": "jsonl",
        "rows": "assets",
        "filter": null,
        "cids": [],
        "fields": null,
        "started_at": "2025-01-01T00:00:00Z",
        "finished_at": "2025-01-01T00:01:00Z",
        "finished": true,
        "assets": assets,
        "incomplete": null,
    })
}

/// Writes `lines` as JSON Lines to `dir/name` and `meta` beside it.
fn write_export(dir: &Path, name: &str, lines: &[Value], meta: &Value) -> PathBuf {
    let path = dir.join(name);
    let mut text = String::new();
    for line in lines {
        text.push_str(&serde_json::to_string(line).expect("a line encodes"));
        text.push('\n');
    }
    std::fs::write(&path, text).expect("export written");
    write_meta(&path, meta);
    path
}

/// Writes `meta` as the metadata of the export at `path`.
fn write_meta(path: &Path, meta: &Value) {
    let mut name = path.as_os_str().to_owned();
    name.push(".meta.json");
    std::fs::write(PathBuf::from(name), meta.to_string()).expect("metadata written");
}

/// Runs `diff OLD NEW ARGS..`.
async fn diff(home: &Path, old: &Path, new: &Path, args: &[&str]) -> Output {
    let mut c = common::bare(home);
    c.arg("diff").arg(old).arg(new).args(args);
    common::run(&mut c).await
}

/// The JSON report of `diff OLD NEW`.
async fn json_report(home: &Path, old: &Path, new: &Path) -> Value {
    let out = diff(home, old, new, &["--format", "json"]).await;
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", common::stderr(&out)))
}

fn id(line: &Value) -> &str {
    line["id"].as_str().expect("an id")
}

#[tokio::test]
async fn a_criticality_change_and_a_deletion_are_reported() {
    let home = common::temp_dir("diff-changes");
    let (emu, client) = emulator(150).await;
    let before = export(&client).await;
    let patched = id(&before[0]).to_owned();
    let deleted = id(&before[1]).to_owned();
    let old_level = before[0]["criticality"].as_str().unwrap_or("Unassigned");
    let new_level = if old_level == "High" {
        "Critical"
    } else {
        "High"
    };

    let patch: Vec<_> = client
        .update_assets()
        .ids([patched.as_str()])
        .criticality(new_level)
        .send_all()
        .collect()
        .await;
    assert!(patch.iter().all(|r| r.is_applied()), "{patch:?}");
    let delete: Vec<_> = client
        .delete_assets()
        .ids([deleted.as_str()])
        .description("decommissioned")
        .send_all()
        .collect()
        .await;
    assert!(delete.iter().all(|r| r.is_applied()), "{delete:?}");
    let after = export(&client).await;
    emu.shutdown().await;

    let old = write_export(&home, "old.jsonl", &before, &meta(before.len()));
    let new = write_export(&home, "new.jsonl", &after, &meta(after.len()));

    let out = diff(&home, &old, &new, &[]).await;
    assert_eq!(common::code(&out), 1, "{}", common::stderr(&out));
    let table = common::stdout(&out);
    let removed_line = table
        .lines()
        .find(|l| l.starts_with("removed"))
        .expect("a removed row");
    assert!(removed_line.contains(&deleted), "{table}");
    let criticality_line = table
        .lines()
        .find(|l| l.starts_with("criticality") && l.contains(&patched))
        .expect("a criticality row");
    assert!(criticality_line.contains(new_level), "{table}");
    assert!(
        table.contains("added 0, removed 1, services opened 0, services closed 0, exposure 0, criticality 1, triage 0; assets: 150 before, 149 after"),
        "{table}"
    );

    let report = json_report(&home, &old, &new).await;
    assert_eq!(report["counts"]["removed"], 1);
    assert_eq!(report["removed"][0]["id"], deleted.as_str());
    assert_eq!(report["criticality"][0]["id"], patched.as_str());
    assert_eq!(report["criticality"][0]["field"], "criticality");
    assert_eq!(report["criticality"][0]["old"], old_level);
    assert_eq!(report["criticality"][0]["new"], new_level);

    // Only the kinds selected fail.
    let out = diff(&home, &old, &new, &["--fail-on", "exposure"]).await;
    assert_eq!(common::code(&out), 0, "{}", common::stderr(&out));
    assert!(common::stdout(&out).contains(&deleted));
    let out = diff(&home, &old, &new, &["--fail-on", "exposure,removed"]).await;
    assert_eq!(common::code(&out), 1);
    let out = diff(&home, &old, &new, &["--fail-on", "nothing"]).await;
    assert_eq!(common::code(&out), 2);
}

#[tokio::test]
async fn identical_exports_show_no_change() {
    let home = common::temp_dir("diff-same");
    let lines = exported(120).await;
    let old = write_export(&home, "old.jsonl", &lines, &meta(lines.len()));
    let new = write_export(&home, "new.jsonl", &lines, &meta(lines.len()));
    let out = diff(&home, &old, &new, &[]).await;
    assert_eq!(common::code(&out), 0, "{}", common::stderr(&out));
    let table = common::stdout(&out);
    assert!(table.starts_with("No changes.\n"), "{table}");
    assert!(table.contains("assets: 120 before, 120 after"), "{table}");
    assert_eq!(common::stderr(&out), "");

    let report = json_report(&home, &old, &new).await;
    for (kind, n) in report["counts"].as_object().expect("counts") {
        assert_eq!(n, 0, "{kind}");
    }
    assert_eq!(report["old"]["assets"], 120);
}

#[tokio::test]
async fn an_unfinished_or_incomplete_export_is_refused_unless_forced() {
    let home = common::temp_dir("diff-unfinished");
    let lines = exported(100).await;
    let old = write_export(&home, "old.jsonl", &lines, &meta(100));
    let mut unfinished = meta(60);
    unfinished["finished"] = json!(false);
    unfinished["finished_at"] = Value::Null;
    let new = write_export(&home, "partial.jsonl", &lines[..60], &unfinished);

    let out = diff(&home, &old, &new, &[]).await;
    assert_eq!(common::code(&out), 2);
    let err = common::stderr(&out);
    assert!(
        err.contains("partial.jsonl") && err.contains("did not finish"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(common::stdout(&out), "");

    let out = diff(&home, &old, &new, &["--force", "--format", "json"]).await;
    assert_eq!(common::code(&out), 1, "{}", common::stderr(&out));
    let err = common::stderr(&out);
    assert!(
        err.contains("WARN") && err.contains("did not finish"),
        "{err}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["counts"]["removed"], 40);

    // An export that recorded fewer assets than the API announced.
    let mut short = meta(60);
    short["incomplete"] = json!({"expected": 100, "received": 60});
    write_meta(&new, &short);
    let out = diff(&home, &old, &new, &[]).await;
    assert_eq!(common::code(&out), 2);
    assert!(
        common::stderr(&out).contains("60 of 100"),
        "{}",
        common::stderr(&out)
    );

    // A file cut after the export: the metadata counts more assets.
    let cut = write_export(&home, "cut.jsonl", &lines[..90], &meta(100));
    let out = diff(&home, &old, &cut, &[]).await;
    assert_eq!(common::code(&out), 2);
    assert!(
        common::stderr(&out).contains("holds 90 assets"),
        "{}",
        common::stderr(&out)
    );
    assert_eq!(common::stdout(&out), "");
}

#[tokio::test]
async fn exports_made_differently_or_without_metadata_are_refused() {
    let home = common::temp_dir("diff-refused");
    let lines = exported(50).await;
    let old = write_export(&home, "old.jsonl", &lines, &meta(50));
    let mut filtered = meta(50);
    filtered["filter"] = json!("asset_type:'ip'");
    let new = write_export(&home, "new.jsonl", &lines, &filtered);
    let out = diff(&home, &old, &new, &[]).await;
    assert_eq!(common::code(&out), 2);
    let err = common::stderr(&out);
    assert!(
        err.contains("different filters") && err.contains("--force"),
        "{err}"
    );
    let out = diff(&home, &old, &new, &["--force"]).await;
    assert_eq!(common::code(&out), 0, "{}", common::stderr(&out));

    let mut other_cids = meta(50);
    other_cids["cids"] = json!(["0123456789abcdef0123456789abcdef"]);
    write_meta(&new, &other_cids);
    let out = diff(&home, &old, &new, &[]).await;
    assert_eq!(common::code(&out), 2);
    assert!(common::stderr(&out).contains("different CIDs"));

    let bare = home.join("bare.jsonl");
    std::fs::copy(&old, &bare).expect("copied");
    let out = diff(&home, &old, &bare, &[]).await;
    assert_eq!(common::code(&out), 2);
    let err = common::stderr(&out);
    assert!(
        err.contains("bare.jsonl.meta.json") && err.contains("--force"),
        "{err}"
    );

    // Metadata lacking a member of the format is not trusted; forced, the
    // exports are compared without it.
    let mut partial_meta = meta(50);
    partial_meta
        .as_object_mut()
        .expect("an object")
        .remove("finished");
    write_meta(&new, &partial_meta);
    let out = diff(&home, &old, &new, &[]).await;
    assert_eq!(common::code(&out), 2);
    let err = common::stderr(&out);
    assert!(
        err.contains("new.jsonl.meta.json")
            && err.contains("`finished`")
            && err.contains("--force"),
        "{err}"
    );
    let out = diff(&home, &old, &new, &["--force"]).await;
    assert_eq!(common::code(&out), 0, "{}", common::stderr(&out));

    // A missing export is named as such, not as missing metadata.
    let out = diff(&home, &old, &home.join("absent.jsonl"), &["--force"]).await;
    assert_eq!(common::code(&out), 2);
    let err = common::stderr(&out);
    assert!(
        err.contains("absent.jsonl:") && !err.contains("meta.json"),
        "{err}"
    );
}

#[tokio::test]
async fn csv_exports_are_refused_even_with_force() {
    let home = common::temp_dir("diff-csv");
    let lines = exported(20).await;
    let old = write_export(&home, "old.jsonl", &lines, &meta(20));
    let csv = home.join("new.csv");
    let mut text = String::from("id,criticality\n");
    for line in &lines {
        text.push_str(&format!("{},{}\n", id(line), line["criticality"]));
    }
    std::fs::write(&csv, text).expect("csv written");
    let mut csv_meta = meta(20);
    csv_meta["format"] = json!("csv");
    write_meta(&csv, &csv_meta);
    for args in [&[][..], &["--force"][..]] {
        let out = diff(&home, &old, &csv, args).await;
        assert_eq!(common::code(&out), 2);
        let err = common::stderr(&out);
        assert!(
            err.contains("new.csv") && err.contains("JSON Lines"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_malformed_line_is_an_error_naming_it() {
    let home = common::temp_dir("diff-malformed");
    let lines = exported(20).await;
    let old = write_export(&home, "old.jsonl", &lines, &meta(20));
    let new = write_export(&home, "new.jsonl", &lines, &meta(20));
    let text = std::fs::read_to_string(&new).expect("read");
    let mut broken: Vec<&str> = text.lines().collect();
    let third = &broken[2][..broken[2].len() / 2];
    broken[2] = third;
    std::fs::write(&new, broken.join("\n")).expect("written");
    let out = diff(&home, &old, &new, &[]).await;
    assert_eq!(common::code(&out), 2);
    let err = common::stderr(&out);
    assert!(err.contains("new.jsonl: line 3: not JSON"), "{err}");

    // A line without an id cannot be matched.
    let no_id = write_export(
        &home,
        "no-id.jsonl",
        &[json!({"criticality": "High"})],
        &meta(1),
    );
    let out = diff(&home, &old, &no_id, &[]).await;
    assert_eq!(common::code(&out), 2);
    assert!(
        common::stderr(&out).contains("no-id.jsonl: line 1: no `id`"),
        "{}",
        common::stderr(&out)
    );
}

/// The services of `asset` (`ip.services` or `dns_domain.services`).
fn services(asset: &mut Value) -> &mut Vec<Value> {
    let parent = if asset["ip"].is_object() {
        "ip"
    } else {
        "dns_domain"
    };
    let list = &mut asset[parent]["services"];
    if !list.is_array() {
        *list = json!([]);
    }
    list.as_array_mut().expect("a list")
}

fn service_key(s: &Value) -> (Value, Value, Value) {
    (
        s["port"].clone(),
        s["protocol"].clone(),
        s["transport"].clone(),
    )
}

#[tokio::test]
async fn services_opened_and_closed_and_exposure_changes_are_reported() {
    let home = common::temp_dir("diff-services");
    let before = exported(80).await;
    let mut after = before.clone();

    // Close a service whose port, protocol and transport no other of the
    // asset's services has.
    let (closing, closed) = after
        .iter_mut()
        .enumerate()
        .find_map(|(i, a)| {
            let list = services(a);
            let unique = list.iter().position(|s| {
                list.iter()
                    .filter(|o| service_key(o) == service_key(s))
                    .count()
                    == 1
            })?;
            Some((i, list.remove(unique)))
        })
        .expect("an asset with a service");
    let opening = (closing + 1) % after.len();
    services(&mut after[opening])
        .push(json!({"port": 8443, "protocol": "https", "transport": "tcp"}));
    let flipping = (closing + 2) % after.len();
    let was = after[flipping]["internet_exposure"]
        .as_str()
        .unwrap_or("No")
        .to_owned();
    let now = if was == "Yes" { "No" } else { "Yes" };
    after[flipping]["internet_exposure"] = json!(now);

    let old = write_export(&home, "old.jsonl", &before, &meta(80));
    let new = write_export(&home, "new.jsonl", &after, &meta(80));
    let report = json_report(&home, &old, &new).await;
    let counts = &report["counts"];
    assert_eq!(counts["services_opened"], 1, "{report}");
    assert_eq!(counts["services_closed"], 1, "{report}");
    assert_eq!(counts["exposure"], 1, "{report}");
    assert_eq!(counts["added"], 0);
    assert_eq!(counts["removed"], 0);

    let svc = report["services"].as_array().expect("services");
    let opened = svc
        .iter()
        .find(|s| s["change"] == "opened")
        .expect("opened");
    assert_eq!(opened["id"], id(&after[opening]));
    assert_eq!(
        (&opened["port"], &opened["transport"]),
        (&json!(8443), &json!("tcp"))
    );
    let closed_row = svc
        .iter()
        .find(|s| s["change"] == "closed")
        .expect("closed");
    assert_eq!(closed_row["id"], id(&after[closing]));
    assert_eq!(closed_row["port"], closed["port"]);
    let exposure = &report["exposure"][0];
    assert_eq!(exposure["id"], id(&after[flipping]));
    assert_eq!(
        (&exposure["old"], &exposure["new"]),
        (&json!(was), &json!(now))
    );

    let out = diff(&home, &old, &new, &["--fail-on", "services"]).await;
    assert_eq!(common::code(&out), 1);
    assert!(common::stdout(&out).contains("8443/tcp https"));
    let out = diff(&home, &old, &new, &["--fail-on", "triage,criticality"]).await;
    assert_eq!(common::code(&out), 0);
}

#[tokio::test]
async fn fields_exports_compare_what_they_hold() {
    let home = common::temp_dir("diff-fields");
    let mut fields = meta(2);
    fields["fields"] = json!([
        "id",
        "criticality",
        "ip.services.port",
        "ip.services.transport"
    ]);
    let old = write_export(
        &home,
        "old.jsonl",
        &[
            json!({"id": "a", "criticality": "High", "ip.services.port": [22, 80], "ip.services.transport": ["tcp", "tcp"]}),
            json!({"id": "b", "criticality": "Noncritical", "ip.services.port": [], "ip.services.transport": []}),
        ],
        &fields,
    );
    let new = write_export(
        &home,
        "new.jsonl",
        &[
            json!({"id": "a", "criticality": "High", "ip.services.port": [80], "ip.services.transport": ["tcp"]}),
            json!({"id": "b", "criticality": "Critical", "ip.services.port": [], "ip.services.transport": []}),
        ],
        &fields,
    );
    let out = diff(&home, &old, &new, &["--format", "json"]).await;
    assert_eq!(common::code(&out), 1, "{}", common::stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["not_compared"], json!(["exposure", "triage"]));
    assert_eq!(report["counts"]["services_closed"], 1);
    assert_eq!(report["services"][0]["port"], 22);
    assert_eq!(report["criticality"][0]["id"], "b");
    assert!(
        common::stderr(&out).contains("not compared"),
        "{}",
        common::stderr(&out)
    );
}

/// A crafted pair: a hostile triage description, FQDN and ID, one asset
/// added, one removed, one changed.
fn hostile_pair(home: &Path) -> (PathBuf, PathBuf) {
    let hostile =
        "\u{1b}[31mred\u{1b}[0m | [x](http://e)\nsecond line\u{1b}]0;title\u{7} <b>bold</b>";
    let asset = |id: &str, fqdn: &str, description: &str| {
        json!({
            "id": id, "cid": "c0ffee", "asset_type": "dns_domain",
            "dns_domain": {"fqdn": fqdn, "services": [
                {"port": 443, "protocol": "https", "transport": "tcp"}
            ]},
            "criticality": "Unassigned", "internet_exposure": "Yes",
            "triage": {"status": "new", "description": description},
        })
    };
    let old = write_export(
        home,
        "old.jsonl",
        &[
            asset("asset-1", "shop.example.com", "looked at"),
            asset("asset-2", "old.example.com", "gone soon"),
        ],
        &meta(2),
    );
    let new = write_export(
        home,
        "new.jsonl",
        &[
            asset("asset-1", "shop.example.com", hostile),
            asset(
                "asset-3|[y](http://e)",
                "\u{1b}[2J<img src=x>.example.com",
                "new",
            ),
        ],
        &meta(2),
    );
    (old, new)
}

#[tokio::test]
async fn hostile_values_are_neutralised_in_the_table() {
    let home = common::temp_dir("diff-hostile-table");
    let (old, new) = hostile_pair(&home);
    let out = diff(&home, &old, &new, &[]).await;
    assert_eq!(common::code(&out), 1, "{}", common::stderr(&out));
    assert!(
        !out.stdout.contains(&0x1b),
        "an ESC byte reached the terminal"
    );
    assert!(!out.stdout.contains(&0x07));
    insta::assert_snapshot!("hostile_table", common::stdout(&out));
}

#[tokio::test]
async fn hostile_values_are_escaped_in_markdown() {
    let home = common::temp_dir("diff-hostile-markdown");
    let (old, new) = hostile_pair(&home);
    let out = diff(&home, &old, &new, &["--format", "markdown"]).await;
    assert_eq!(common::code(&out), 1, "{}", common::stderr(&out));
    let text = common::stdout(&out);
    assert!(!out.stdout.contains(&0x1b));
    assert!(!text.contains("[x](") && !text.contains("<b>"), "{text}");
    assert!(text.contains("\\[x\\]\\(http://e\\)"), "{text}");
    // Every table line is one row with its own columns.
    for line in text.lines().filter(|l| l.starts_with('|')) {
        let pipes = line
            .char_indices()
            .filter(|&(i, c)| c == '|' && !line[..i].ends_with('\\'))
            .count();
        assert_eq!(pipes, 7, "{line}");
    }
    insta::assert_snapshot!("hostile_markdown", text);
}

#[tokio::test]
async fn the_json_report_keeps_values_whole() {
    let home = common::temp_dir("diff-hostile-json");
    let (old, new) = hostile_pair(&home);
    let out = diff(&home, &old, &new, &["--format", "json"]).await;
    assert_eq!(common::code(&out), 1, "{}", common::stderr(&out));
    assert!(
        !out.stdout.contains(&0x1b),
        "JSON escapes control characters"
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let description = report["triage"]
        .as_array()
        .expect("triage")
        .iter()
        .find(|c| c["field"] == "triage.description")
        .expect("the description change");
    assert!(
        description["new"]
            .as_str()
            .unwrap_or_default()
            .starts_with("\u{1b}[31m")
    );
    insta::assert_snapshot!("hostile_json", common::stdout(&out));
}
