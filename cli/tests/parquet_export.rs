//! `export --format parquet` end to end: the file read back with the
//! parquet crate (column types and values, not only the row count), the
//! refusal of `--state`, and `diff` between Parquet and JSON Lines.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use falcon_emulator::{EmulatorConfig, EmulatorHandle};
use falcon_exposure::models::FemExternalAsset;
use futures::{StreamExt, TryStreamExt};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::common;

/// A fixed timestamp anchor, so that the data is the same every day.
const ANCHOR: i64 = 1_767_225_600;

/// Runs `export ARGS..` to the end.
async fn export(emu: &EmulatorHandle, home: &Path, args: &[&str]) -> std::process::Output {
    let mut c = common::command(emu, home);
    c.arg("export").args(args);
    common::run(&mut c).await
}

fn path(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// Every record batch of the Parquet file at `file`.
fn batches(file: &Path) -> Vec<RecordBatch> {
    ParquetRecordBatchReaderBuilder::try_new(File::open(file).expect("the output exists"))
        .expect("a Parquet file")
        .build()
        .expect("a reader")
        .collect::<Result<_, _>>()
        .expect("the batches decode")
}

/// An RFC 3339 time as microseconds since the epoch.
fn micros(s: &str) -> i64 {
    let t = OffsetDateTime::parse(s, &Rfc3339).unwrap_or_else(|e| panic!("{s:?}: {e}"));
    i64::try_from(t.unix_timestamp_nanos() / 1_000).expect("in range")
}

#[tokio::test]
async fn parquet_columns_are_typed_and_hold_the_assets_values() {
    let home = common::temp_dir("parquet-types");
    let emu = common::emulator(EmulatorConfig::default().assets(300).anchor(ANCHOR)).await;
    let assets: Vec<FemExternalAsset> = common::library(&emu)
        .export_assets("")
        .items()
        .try_collect()
        .await
        .expect("the library exports");
    let out = home.join("assets.parquet");
    let o = export(&emu, &home, &["--format", "parquet", "--out", path(&out)]).await;
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));

    let batches = batches(&out);
    let schema = batches[0].schema();
    let utc_micros = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let ty = |name: &str| {
        schema
            .field_with_name(name)
            .expect(name)
            .data_type()
            .clone()
    };
    assert_eq!(ty("id"), DataType::Utf8);
    assert_eq!(ty("first_seen"), utc_micros);
    assert_eq!(ty("last_seen"), utc_micros);
    match ty("ip.services.port") {
        DataType::List(item) => assert_eq!(item.data_type(), &DataType::Int64),
        other => panic!("ip.services.port is {other}"),
    }
    match ty("ip.services.protocol") {
        DataType::List(item) => assert_eq!(item.data_type(), &DataType::Utf8),
        other => panic!("ip.services.protocol is {other}"),
    }

    // Every asset once, with its own values in the typed columns.
    let by_id: BTreeMap<&str, &FemExternalAsset> = assets
        .iter()
        .map(|a| (a.id.as_deref().expect("an id"), a))
        .collect();
    let mut seen = 0;
    let mut ports_checked = 0;
    for batch in &batches {
        let ids = batch.column_by_name("id").unwrap().as_string::<i32>();
        let first = batch.column_by_name("first_seen").unwrap();
        let first = first.as_primitive::<TimestampMicrosecondType>();
        let ports = batch
            .column_by_name("ip.services.port")
            .unwrap()
            .as_list::<i32>();
        for row in 0..batch.num_rows() {
            let asset = by_id[ids.value(row)];
            seen += 1;
            match asset.first_seen.as_deref() {
                Some(t) => assert_eq!(first.value(row), micros(t), "{}", ids.value(row)),
                None => assert!(first.is_null(row)),
            }
            let want: Vec<i64> = asset
                .ip
                .iter()
                .flat_map(|ip| ip.services.iter().flatten())
                .filter_map(|s| s.port)
                .collect();
            if !want.is_empty() {
                let got = ports.value(row);
                let got: Vec<i64> = got.as_primitive::<Int64Type>().values().to_vec();
                assert_eq!(got, want);
                ports_checked += 1;
            }
        }
    }
    assert_eq!(seen, assets.len());
    assert!(ports_checked > 10, "only {ports_checked} assets had ports");

    // Its metadata says what it is.
    let meta: Value = serde_json::from_slice(
        &std::fs::read(home.join("assets.parquet.meta.json")).expect("metadata"),
    )
    .expect("JSON");
    assert_eq!(meta["format"], "parquet");
    assert_eq!(meta["assets"], 300);
    assert_eq!(meta["finished"], true);

    // Service rows: one service a row, its port an integer.
    let services = home.join("services.parquet");
    let o = export(
        &emu,
        &home,
        &[
            "--format",
            "parquet",
            "--rows",
            "services",
            "--out",
            path(&services),
        ],
    )
    .await;
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let batches = self::batches(&services);
    let schema = batches[0].schema();
    assert_eq!(
        schema.field_with_name("service.port").unwrap().data_type(),
        &DataType::Int64
    );
    assert_eq!(
        schema
            .field_with_name("service.first_seen")
            .unwrap()
            .data_type(),
        &utc_micros
    );
    let ports: i64 = batches
        .iter()
        .map(|b| {
            let p = b.column_by_name("service.port").unwrap();
            p.as_primitive::<Int64Type>().iter().flatten().count() as i64
        })
        .sum();
    let want: i64 = assets
        .iter()
        .flat_map(|a| {
            let ip = a.ip.iter().flat_map(|i| i.services.iter().flatten());
            let dns = a
                .dns_domain
                .iter()
                .flat_map(|d| d.services.iter().flatten());
            ip.chain(dns).filter(|s| s.port.is_some())
        })
        .count() as i64;
    assert_eq!(ports, want);
    emu.shutdown().await;
}

#[tokio::test]
async fn parquet_refuses_state_and_stdout_saying_what_to_use() {
    let home = common::temp_dir("parquet-state");
    let emu = common::emulator(EmulatorConfig::default().assets(10)).await;
    let out = home.join("x.parquet");
    let state = home.join("x.state");
    let o = export(
        &emu,
        &home,
        &[
            "--format",
            "parquet",
            "--out",
            path(&out),
            "--state",
            path(&state),
        ],
    )
    .await;
    assert_eq!(common::code(&o), 2, "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert!(
        err.contains("--state cannot resume a Parquet export"),
        "{err}"
    );
    assert!(err.contains("footer"), "{err}");
    assert!(err.contains("--format jsonl --state"), "{err}");
    assert!(!out.exists() && !state.exists(), "nothing is written");

    let o = export(&emu, &home, &["--format", "parquet"]).await;
    assert_eq!(common::code(&o), 2, "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("give --out PATH"));
    assert!(o.stdout.is_empty());
    emu.shutdown().await;
}

/// `diff --format json OLD NEW`: its exit code and report.
async fn diff(home: &Path, old: &PathBuf, new: &PathBuf) -> (i32, Value) {
    let mut c = common::bare(home);
    c.arg("diff").arg(old).arg(new).args(["--format", "json"]);
    let o = common::run(&mut c).await;
    let report = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", common::stderr(&o)));
    (common::code(&o), report)
}

#[tokio::test]
async fn diff_reads_parquet_as_it_reads_json_lines() {
    let home = common::temp_dir("parquet-diff");
    let emu = common::emulator(EmulatorConfig::default().assets(200).anchor(ANCHOR)).await;
    let parquet = home.join("before.parquet");
    let jsonl = home.join("before.jsonl");
    for (format, out) in [("parquet", &parquet), ("jsonl", &jsonl)] {
        let o = export(&emu, &home, &["--format", format, "--out", path(out)]).await;
        assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    }

    // The same data in both formats: no change, either way round.
    for (old, new) in [(&parquet, &jsonl), (&jsonl, &parquet)] {
        let (code, report) = diff(&home, old, new).await;
        assert_eq!(code, 0, "{report}");
        assert_eq!(report["old"]["assets"], 200);
        assert_eq!(report["new"]["assets"], 200);
        let counts = report["counts"].as_object().expect("counts");
        assert!(counts.values().all(|n| n == 0), "{report}");
        assert_eq!(report["not_compared"], serde_json::json!([]));
    }

    // A change made afterwards is found in Parquet against JSON Lines.
    let client = common::library(&emu);
    let first: FemExternalAsset = client
        .export_assets("")
        .items()
        .try_next()
        .await
        .expect("the library exports")
        .expect("an asset");
    let id = first.id.clone().expect("an id");
    let level = match first
        .criticality
        .as_ref()
        .map(ToString::to_string)
        .as_deref()
    {
        Some("High") => "Critical",
        _ => "High",
    };
    let patched: Vec<_> = client
        .update_assets()
        .ids([id.as_str()])
        .criticality(level)
        .send_all()
        .collect()
        .await;
    assert!(patched.iter().all(|r| r.is_applied()), "{patched:?}");
    let after = home.join("after.parquet");
    let o = export(&emu, &home, &["--format", "parquet", "--out", path(&after)]).await;
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let (code, report) = diff(&home, &jsonl, &after).await;
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["counts"]["criticality"], 1, "{report}");
    assert_eq!(report["criticality"][0]["id"], id.as_str());
    assert_eq!(report["criticality"][0]["new"], level);
    emu.shutdown().await;
}
