//! `falcon-exposure triage` end to end: CSV files written here, the binary
//! run against the emulator, and the emulator's assets read back through
//! the library to see what was (or was not) changed.

use std::path::{Path, PathBuf};

use falcon_emulator::{DEFAULT_CID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, EmulatorConfig};
use falcon_exposure::models::FemExternalAsset;
use falcon_exposure::{Client, CompactString};
use futures::TryStreamExt;
use serde_json::Value;

use crate::common;

/// An emulator of `n` assets and a library client of it.
async fn emulator(n: usize) -> (falcon_emulator::EmulatorHandle, Client) {
    let emu = common::emulator(EmulatorConfig::default().assets(n)).await;
    let client = common::library(&emu);
    (emu, client)
}

/// The triage fields of an asset, as the emulator has them now.
#[derive(Debug, Clone, PartialEq)]
struct Fields {
    criticality: Option<CompactString>,
    criticality_description: Option<CompactString>,
    status: Option<CompactString>,
    action: Option<CompactString>,
    assigned_to: Option<CompactString>,
    description: Option<CompactString>,
}

fn fields(a: &FemExternalAsset) -> Fields {
    let t = a.triage.clone().unwrap_or_default();
    Fields {
        criticality: a.criticality.as_ref().map(|c| c.as_str().into()),
        criticality_description: a.criticality_description.clone(),
        status: t.status,
        action: t.action,
        assigned_to: t.assigned_to,
        description: t.description,
    }
}

/// The fields of `ids`' assets, in that order.
async fn read(client: &Client, ids: &[String]) -> Vec<Fields> {
    let assets: Vec<FemExternalAsset> = client
        .get_assets()
        .ids(ids.to_vec())
        .items()
        .try_collect()
        .await
        .expect("the assets are read");
    ids.iter()
        .map(|id| {
            let a = assets
                .iter()
                .find(|a| a.id.as_deref() == Some(id))
                .expect("every id is read back");
            fields(a)
        })
        .collect()
}

/// Every asset of the emulator.
async fn all(client: &Client) -> Vec<FemExternalAsset> {
    client
        .export_assets("")
        .items()
        .try_collect()
        .await
        .expect("the export runs")
}

/// `n` asset ids: the first with triage values, the second without.
async fn ids(client: &Client, n: usize) -> Vec<String> {
    let assets = all(client).await;
    let with = assets.iter().filter(|a| a.triage.is_some());
    let without = assets.iter().filter(|a| a.triage.is_none());
    let mut picked: Vec<String> = with
        .clone()
        .take(1)
        .chain(without.take(1))
        .chain(with.skip(1))
        .take(n)
        .filter_map(|a| Some(a.id.as_deref()?.to_owned()))
        .collect();
    picked.dedup();
    assert_eq!(
        picked.len(),
        n,
        "the emulator has assets with and without triage"
    );
    picked
}

/// Writes `text` to `dir/name`.
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("CSV written");
    path
}

/// Runs `triage` with `args` against `emu`.
async fn triage(
    emu: &falcon_emulator::EmulatorHandle,
    home: &Path,
    args: &[&str],
) -> std::process::Output {
    common::run(common::command(emu, home).arg("triage").args(args)).await
}

const HEADER: &str =
    "id,cid,criticality,criticality_description,status,action,assigned_to,description";

#[tokio::test]
async fn a_dry_run_shows_the_changes_and_changes_nothing() {
    let (emu, client) = emulator(40).await;
    let ids = ids(&client, 2).await;
    // A hostile value already on an asset: the terminal must not get it raw.
    client
        .update_assets()
        .id(ids[0].clone())
        .cid(DEFAULT_CID)
        .description("evil\u{1b}]0;pwned\u{7}\u{1b}[31mred")
        .send()
        .await
        .expect("description set");
    let before = read(&client, &ids).await;
    let dir = common::temp_dir("triage-dry");
    let csv = write(
        &dir,
        "t.csv",
        &format!(
            "{HEADER}\n{},{DEFAULT_CID},Critical,,reviewed,,,new note\n{},{DEFAULT_CID},,,,mitigate,,\n",
            ids[0], ids[1]
        ),
    );
    let out = triage(&emu, &dir, &[csv.to_str().expect("utf-8 path")]).await;
    let stdout = common::stdout(&out);
    assert_eq!(common::code(&out), 0, "{stdout}{}", common::stderr(&out));
    assert!(stdout.contains(&format!("row 2  {}", ids[0])), "{stdout}");
    assert!(stdout.contains("triage.status"), "{stdout}");
    assert!(stdout.contains("(unset) -> \"reviewed\""), "{stdout}");
    assert!(stdout.contains(&format!("row 3  {}", ids[1])), "{stdout}");
    assert!(stdout.contains("triage.action"), "{stdout}");
    assert!(stdout.contains("\"evilred\" -> \"new note\""), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(
        stdout.contains("Dry run: 2 assets would change"),
        "{stdout}"
    );
    assert_eq!(
        read(&client, &ids).await,
        before,
        "a dry run writes nothing"
    );
    assert!(!dir.join("t.undo.csv").exists() && !dir.join("t.audit.jsonl").exists());
    emu.shutdown().await;
}

#[tokio::test]
async fn apply_changes_what_it_said_and_the_undo_file_restores_it() {
    let (emu, client) = emulator(40).await;
    let ids = ids(&client, 3).await;
    // A value that a spreadsheet would run: the undo file must neutralise
    // it and still restore it exactly.
    client
        .update_assets()
        .id(ids[2].clone())
        .cid(DEFAULT_CID)
        .criticality_description("=HYPERLINK(\"http://x\")")
        .send()
        .await
        .expect("criticality description set");
    let before = read(&client, &ids).await;
    let dir = common::temp_dir("triage-apply");
    let csv = write(
        &dir,
        "t.csv",
        &format!(
            "{HEADER}\n\
             {},{DEFAULT_CID},High,internet facing,in progress,patch,alice@example.com,first\n\
             {},{DEFAULT_CID},Critical,,open,,bob@example.com,\"second, with a comma\"\n\
             {},{DEFAULT_CID},Noncritical,lab only,,,,\n",
            ids[0], ids[1], ids[2]
        ),
    );
    let path = csv.to_str().expect("utf-8 path");
    let dry = triage(&emu, &dir, &[path]).await;
    let plan = common::stdout(&dry);

    let out = triage(&emu, &dir, &[path, "--apply"]).await;
    let stdout = common::stdout(&out);
    assert_eq!(common::code(&out), 0, "{stdout}{}", common::stderr(&out));
    assert!(
        stdout.contains(&format!("CID {DEFAULT_CID}; 3 assets to change")),
        "{stdout}"
    );
    assert!(
        stdout.contains("Tenant: cloud custom (loopback)"),
        "{stdout}"
    );
    // It shows the same plan it showed in the dry run, then does it.
    assert!(
        stdout.starts_with(plan.lines().next().expect("a plan")),
        "{stdout}"
    );
    let after = read(&client, &ids).await;
    let want = |f: &Fields,
                c: &str,
                cd: Option<&str>,
                s: Option<&str>,
                a: Option<&str>,
                to: Option<&str>,
                d: Option<&str>| Fields {
        criticality: Some(c.into()),
        criticality_description: cd.map(Into::into).or(f.criticality_description.clone()),
        status: s.map(Into::into).or(f.status.clone()),
        action: a.map(Into::into).or(f.action.clone()),
        assigned_to: to.map(Into::into).or(f.assigned_to.clone()),
        description: d.map(Into::into).or(f.description.clone()),
    };
    assert_eq!(
        after,
        vec![
            want(
                &before[0],
                "High",
                Some("internet facing"),
                Some("in progress"),
                Some("patch"),
                Some("alice@example.com"),
                Some("first")
            ),
            want(
                &before[1],
                "Critical",
                None,
                Some("open"),
                None,
                Some("bob@example.com"),
                Some("second, with a comma")
            ),
            want(
                &before[2],
                "Noncritical",
                Some("lab only"),
                None,
                None,
                None,
                None
            ),
        ]
    );

    let undo = dir.join("t.undo.csv");
    let undo_text = std::fs::read_to_string(&undo).expect("undo file written");
    assert!(
        undo_text.contains("was unset, cannot restore"),
        "{undo_text}"
    );
    assert!(undo_text.contains("'=HYPERLINK"), "{undo_text}");
    assert!(
        !undo_text
            .lines()
            .any(|l| l.split(',').any(|c| c.trim_matches('"').starts_with('='))),
        "{undo_text}"
    );

    let audit = std::fs::read_to_string(dir.join("t.audit.jsonl")).expect("audit file written");
    let lines: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 3, "{audit}");
    for (line, (b, a)) in lines.iter().zip(before.iter().zip(&after)) {
        assert_eq!(line["result"], "applied", "{line}");
        assert_eq!(
            line["before"]["criticality"].as_str(),
            b.criticality.as_deref(),
            "{line}"
        );
        assert_eq!(
            line["after"]["criticality"].as_str(),
            a.criticality.as_deref(),
            "{line}"
        );
        assert_eq!(
            line["after"]["triage.status"].as_str(),
            a.status.as_deref(),
            "{line}"
        );
        let time = line["time"].as_str().expect("a time");
        // RFC 3339 in UTC: 2025-01-02T03:04:05.123Z.
        let b = time.as_bytes();
        assert!(
            b.len() >= 20 && b[4] == b'-' && b[10] == b'T' && b[13] == b':' && time.ends_with('Z'),
            "{time}"
        );
    }

    // A second run would overwrite them: refused, and nothing is sent.
    let again = triage(&emu, &dir, &[path, "--apply"]).await;
    assert_eq!(common::code(&again), 2, "{}", common::stderr(&again));
    assert!(
        common::stderr(&again).contains("--overwrite"),
        "{}",
        common::stderr(&again)
    );

    // The undo file puts back every value that was set; fields that were
    // unset keep the new value, as the undo file says.
    let out = triage(&emu, &dir, &[undo.to_str().expect("utf-8 path"), "--apply"]).await;
    assert_eq!(
        common::code(&out),
        0,
        "{}{}",
        common::stdout(&out),
        common::stderr(&out)
    );
    let restored = read(&client, &ids).await;
    for ((b, a), r) in before.iter().zip(&after).zip(&restored) {
        let keep =
            |was: &Option<CompactString>, now: &Option<CompactString>| was.clone().or(now.clone());
        assert_eq!(
            r,
            &Fields {
                criticality: keep(&b.criticality, &a.criticality),
                criticality_description: keep(
                    &b.criticality_description,
                    &a.criticality_description
                ),
                status: keep(&b.status, &a.status),
                action: keep(&b.action, &a.action),
                assigned_to: keep(&b.assigned_to, &a.assigned_to),
                description: keep(&b.description, &a.description),
            }
        );
    }
    assert_eq!(
        restored[2].criticality_description.as_deref(),
        Some("=HYPERLINK(\"http://x\")")
    );
    assert_eq!(restored[0].assigned_to, before[0].assigned_to);
    assert!(before[0].assigned_to.is_some() && before[1].status.is_none());
    emu.shutdown().await;
}

#[tokio::test]
async fn bad_rows_are_reported_by_number_and_the_rest_goes() {
    let (emu, client) = emulator(40).await;
    let ids = ids(&client, 2).await;
    let before = read(&client, &ids).await;
    let discover_like = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
    let dir = common::temp_dir("triage-bad");
    let csv = write(
        &dir,
        "t.csv",
        &format!(
            "{HEADER}\n\
             {},{DEFAULT_CID},,,reviewed,,,\n\
             {discover_like},{DEFAULT_CID},,,reviewed,,,\n\
             {},{DEFAULT_CID},high,,reviewed,,,\n\
             only,two\n\
             ,,,,,,,\n\
             {},not-a-cid,,,reviewed,,,\n",
            ids[0], ids[1], ids[1]
        ),
    );
    let out = triage(&emu, &dir, &[csv.to_str().expect("utf-8 path"), "--apply"]).await;
    let (stdout, stderr) = (common::stdout(&out), common::stderr(&out));
    assert_eq!(common::code(&out), 3, "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!("row 3 (id {discover_like}): unknown id")),
        "{stderr}"
    );
    assert!(stderr.contains("Discover asset id"), "{stderr}");
    assert!(
        stderr.contains("row 4") && stderr.contains("did you mean High?"),
        "{stderr}"
    );
    assert!(
        stderr.contains("row 5: malformed row: 2 cells, the header has 8"),
        "{stderr}"
    );
    assert!(stderr.contains("row 6: empty row"), "{stderr}");
    assert!(
        stderr.contains("row 7") && stderr.contains("is not a customer id"),
        "{stderr}"
    );
    assert!(stdout.contains("1 assets to change"), "{stdout}");
    let after = read(&client, &ids).await;
    assert_eq!(
        after[0].status.as_deref(),
        Some("reviewed"),
        "the good row went"
    );
    assert_eq!(after[1], before[1], "the bad rows' asset is unchanged");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_file_without_a_cid_column_is_a_usage_error_naming_it() {
    let (emu, _client) = emulator(5).await;
    let dir = common::temp_dir("triage-header");
    let csv = write(&dir, "t.csv", "id,criticality\nabc,High\n");
    let out = triage(&emu, &dir, &[csv.to_str().expect("utf-8 path")]).await;
    assert_eq!(common::code(&out), 2);
    assert!(
        common::stderr(&out).contains("no cid column"),
        "{}",
        common::stderr(&out)
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn the_help_names_the_schema_field_of_every_column() {
    let home = common::temp_dir("triage-help");
    let out = common::run(common::bare(&home).args(["triage", "--help"])).await;
    assert_eq!(common::code(&out), 0, "{}", common::stderr(&out));
    let help = common::stdout(&out);
    for (column, field) in [
        ("criticality ", "assets[].criticality"),
        (
            "criticality_description",
            "assets[].criticality_description",
        ),
        ("status", "assets[].triage.status"),
        ("action", "assets[].triage.action"),
        ("assigned_to", "assets[].triage.assigned_to"),
        ("description", "assets[].triage.description"),
    ] {
        assert!(
            help.lines()
                .any(|l| l.trim_start().starts_with(column) && l.ends_with(field)),
            "{column} -> {field}:\n{help}"
        );
    }
    insta::assert_snapshot!("help_triage", help);
}

#[tokio::test]
async fn a_member_cids_asset_is_read_and_changed_through_that_member() {
    let member = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1";
    let mut config = EmulatorConfig::default().assets(20).member(member, 20);
    config.clients[0].member_cids = vec![member.to_owned()];
    let emu = common::emulator(config).await;
    let parent = Client::builder()
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .base_url(emu.base_url())
        .build()
        .expect("client builds");
    let child = parent.for_member(member).expect("member client");
    let own = ids(&parent, 1).await;
    let theirs = ids(&child, 1).await;
    let dir = common::temp_dir("triage-member");
    let csv = write(
        &dir,
        "t.csv",
        &format!(
            "id,cid,status\n{},{DEFAULT_CID},reviewed\n{},{member},reviewed\n",
            own[0], theirs[0]
        ),
    );
    let out = triage(&emu, &dir, &[csv.to_str().expect("utf-8 path"), "--apply"]).await;
    let stdout = common::stdout(&out);
    assert_eq!(common::code(&out), 0, "{stdout}{}", common::stderr(&out));
    assert!(
        stdout.contains(&format!("(member CID {member})")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("member CIDs {member}; 2 assets")),
        "{stdout}"
    );
    assert_eq!(
        read(&parent, &own).await[0].status.as_deref(),
        Some("reviewed")
    );
    assert_eq!(
        read(&child, &theirs).await[0].status.as_deref(),
        Some("reviewed")
    );
    emu.shutdown().await;
}
