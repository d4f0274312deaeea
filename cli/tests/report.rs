//! `falcon-exposure report` end to end.

use std::collections::BTreeMap;

use falcon_emulator::{EmulatorConfig, EmulatorHandle};
use falcon_exposure::models::FemExternalAsset;
use serde_json::{Value, json};

use crate::common;

/// `report` with `args`, run to the end.
async fn report(emu: &EmulatorHandle, name: &str, args: &[&str]) -> std::process::Output {
    let home = common::temp_dir(name);
    common::run(common::command(emu, &home).arg("report").args(args)).await
}

/// A section's buckets as value → count.
fn buckets(section: &Value) -> BTreeMap<String, u64> {
    section["buckets"]
        .as_array()
        .expect("buckets")
        .iter()
        .map(|b| {
            (
                b["value"].as_str().unwrap().to_owned(),
                b["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// How many of `assets` have each value `of` gives.
fn tally<'a>(
    assets: &'a [FemExternalAsset],
    of: impl Fn(&'a FemExternalAsset) -> Vec<String>,
) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for a in assets {
        for v in of(a) {
            *out.entry(v).or_default() += 1;
        }
    }
    out
}

#[tokio::test]
async fn json_counts_are_the_inventorys() {
    let emu = common::emulator(EmulatorConfig::default().assets(150)).await;
    let all = common::assets(&common::library(&emu)).await;
    let out = report(&emu, "report-json", &["--format", "json", "--top", "100"]).await;
    assert_eq!(common::code(&out), 0, "{}", common::stderr(&out));
    let r: Value = serde_json::from_str(&common::stdout(&out)).expect("one JSON object");
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["filter"], Value::Null);
    assert_eq!(r["total"], 150);

    assert_eq!(
        buckets(&r["by_type"]),
        tally(&all, |a| a
            .asset_type
            .iter()
            .map(|v| v.as_str().to_owned())
            .collect())
    );
    assert_eq!(
        buckets(&r["by_perimeter"]),
        tally(&all, |a| a
            .perimeter
            .iter()
            .map(|v| v.as_str().to_owned())
            .collect())
    );
    assert_eq!(
        buckets(&r["by_internet_exposure"]),
        tally(&all, |a| a
            .internet_exposure
            .iter()
            .map(|v| v.to_string())
            .collect())
    );
    let criticality = tally(&all, |a| {
        a.criticality
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect()
    });
    assert_eq!(buckets(&r["by_criticality"]), criticality);
    let unset = 150 - criticality.values().sum::<u64>();
    assert_eq!(r["by_criticality"]["not_set"], unset);
    let subsidiaries = tally(&all, |a| {
        let mut names: Vec<String> = a
            .subsidiaries
            .iter()
            .flatten()
            .filter_map(|s| Some(s.name.as_deref()?.to_owned()))
            .collect();
        names.dedup();
        names
    });
    assert_eq!(buckets(&r["subsidiaries"]), subsidiaries);

    // Both strings are RFC 3339 in UTC to the second: they sort as times.
    let since = r["new_since"].as_str().unwrap();
    let new = all
        .iter()
        .filter(|a| a.first_seen.as_deref().is_some_and(|t| t >= since))
        .count();
    assert_eq!(r["new_this_week"], new as u64);

    let services = buckets(&r["top_services"]);
    assert!(!services.is_empty());
    assert!(services.keys().all(|s| s.contains('/')), "{services:?}");
    assert!(!buckets(&r["top_applications"]).is_empty());
}

#[tokio::test]
async fn a_filter_narrows_every_count_and_a_bad_one_is_refused() {
    let emu = common::emulator(EmulatorConfig::default().assets(120)).await;
    let all = common::assets(&common::library(&emu)).await;
    let ips = all
        .iter()
        .filter(|a| a.asset_type.as_ref().is_some_and(|t| t.as_str() == "ip"))
        .count();
    let out = report(
        &emu,
        "report-filter",
        &["--format", "json", "--filter", "asset_type:'ip'"],
    )
    .await;
    assert_eq!(common::code(&out), 0, "{}", common::stderr(&out));
    let r: Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    assert_eq!(r["total"], ips as u64);
    assert_eq!(r["filter"], "asset_type:'ip'");
    assert_eq!(
        buckets(&r["by_type"]),
        BTreeMap::from([("ip".to_owned(), ips as u64)])
    );
    let exposure: u64 = buckets(&r["by_internet_exposure"]).values().sum();
    assert_eq!(exposure, ips as u64);

    let before = emu.stats().total();
    let out = report(&emu, "report-bad-filter", &["--filter", "asset_typ:'ip'"]).await;
    assert_eq!(common::code(&out), 2);
    assert!(
        common::stderr(&out).contains("--filter"),
        "{}",
        common::stderr(&out)
    );
    assert_eq!(emu.stats().total(), before, "nothing is sent");
}

/// A criticality no real tenant has: a column, a new line, a heading, a
/// link, a colour and a window title.
const HOSTILE: &str = "Crit|cal\n# [x](http://evil.example)\u{1b}[31mred\u{1b}]0;title\u{7}";

/// The emulator with `HOSTILE` as the criticality of three assets, set
/// through the API.
async fn hostile_emulator() -> EmulatorHandle {
    let emu = common::emulator(EmulatorConfig::default().assets(40)).await;
    let client = common::library(&emu);
    let ids: Vec<Value> = common::assets(&client)
        .await
        .into_iter()
        .filter_map(|a| a.id)
        .take(3)
        .map(|id| json!({ "id": id, "criticality": HOSTILE }))
        .collect();
    client
        .command("patch_external_assets")
        .expect("a known operation")
        .body(json!({ "assets": ids }))
        .send()
        .await
        .expect("the patch is accepted");
    emu
}

#[tokio::test]
async fn hostile_values_are_neutralised_in_the_table() {
    let emu = hostile_emulator().await;
    let out = report(&emu, "report-hostile-table", &[]).await;
    assert_eq!(common::code(&out), 0, "{}", common::stderr(&out));
    let text = common::stdout(&out);
    assert!(
        !text.contains(['\u{1b}', '\u{7}']),
        "an escape reaches the terminal:\n{text:?}"
    );
    let row = text
        .lines()
        .find(|l| l.contains("Crit|cal"))
        .unwrap_or_else(|| panic!("no hostile row in:\n{text}"));
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        ["Crit|cal", "#", "[x](http://evil.example)red", "3", "7.5%"],
        "one line, escapes gone: {row:?}"
    );
    assert!(
        text.starts_with("falcon-exposure report: 40 assets;"),
        "{text}"
    );
}

#[tokio::test]
async fn hostile_values_are_escaped_in_markdown() {
    let emu = hostile_emulator().await;
    let out = report(&emu, "report-hostile-markdown", &["--format", "markdown"]).await;
    assert_eq!(common::code(&out), 0, "{}", common::stderr(&out));
    let text = common::stdout(&out);
    assert!(!text.contains(['\u{1b}', '\u{7}']), "{text:?}");
    assert!(!text.contains("](http"), "a live link in:\n{text}");
    let row = format!(
        "| {} | 3 | 7.5% |",
        r"Crit\|cal \# \[x\]\(http://evil\.example\)red"
    );
    assert!(text.contains(&row), "no {row} in:\n{text}");
    assert!(
        text.contains(
            "#### Criticality\n\n| Criticality | Assets | Share |\n| --- | ---: | ---: |\n"
        )
    );
    for line in text.lines().filter(|l| l.starts_with('|')) {
        let columns = line.replace(r"\|", "").matches('|').count();
        assert_eq!(columns, 4, "a cell adds a column: {line}");
    }
}
