//! The report: a table for terminals, a JSON object, or Markdown. Values
//! come from the API and are hostile: every one goes through
//! [`crate::output::terminal`] or [`crate::output::markdown`] (JSON escapes
//! its own).

use std::io::{self, Write};

use serde::Serialize;

use super::change::ChangeKind;
use super::compare::{AssetRef, Report, ServiceChange, ValueChange};
use crate::output::{cell, markdown as md, write_table};

/// The JSON report, for `diff --help`.
pub const JSON_HELP: &str = "\
JSON report (--format json), one object, schema_version 1:
  schema_version  1
  old, new        {\"assets\": n, \"started_at\": string|null}
  counts          {\"added\", \"removed\", \"services_opened\", \"services_closed\",
                   \"exposure\", \"criticality\", \"triage\"}: numbers
  not_compared    kinds the exports hold no field of (--fields), e.g. [\"triage\"]
  added, removed  [{\"cid\", \"id\", \"name\"}]  (name: the FQDN or IP address)
  services        [{\"cid\", \"id\", \"name\", \"change\": \"opened\"|\"closed\",
                    \"port\", \"protocol\", \"transport\"}]
  exposure, criticality, triage
                  [{\"cid\", \"id\", \"name\", \"field\", \"old\", \"new\"}]
Absent values are null. Lists are sorted by cid, id, then field.";

/// Shown for an absent value.
const ABSENT: &str = "—";

/// One line of the table or the Markdown table, as raw values.
struct Row<'a> {
    change: &'static str,
    asset: &'a AssetRef,
    field: String,
    /// Whether the row is a value change (with old and new columns).
    has_values: bool,
    old: Option<&'a str>,
    new: Option<&'a str>,
}

/// Every change, kind by kind, as rows.
fn rows(report: &Report) -> Vec<Row<'_>> {
    let plain = |change, asset| Row {
        change,
        asset,
        field: String::new(),
        has_values: false,
        old: None,
        new: None,
    };
    let mut out: Vec<Row<'_>> = Vec::new();
    out.extend(report.added.iter().map(|a| plain("added", a)));
    out.extend(report.removed.iter().map(|a| plain("removed", a)));
    out.extend(report.services.iter().map(|s| Row {
        field: s.service.to_string(),
        ..plain(
            if s.opened {
                "service opened"
            } else {
                "service closed"
            },
            &s.asset,
        )
    }));
    for kind in [
        ChangeKind::Exposure,
        ChangeKind::Criticality,
        ChangeKind::Triage,
    ] {
        out.extend(
            report
                .values
                .iter()
                .filter(|c| c.kind == kind)
                .map(|c| Row {
                    change: kind.name(),
                    asset: &c.asset,
                    field: c.field.to_owned(),
                    has_values: true,
                    old: c.old.as_deref(),
                    new: c.new.as_deref(),
                }),
        );
    }
    out
}

/// Whether the rows name assets of more than one CID, so a CID column is
/// needed to tell them apart.
fn many_cids(rows: &[Row<'_>]) -> bool {
    let mut cids = rows.iter().map(|r| &r.asset.key.cid);
    cids.next()
        .is_some_and(|first| cids.any(|other| other != first))
}

/// `added 1, removed 0, ...; assets: 10 before, 11 after`.
fn summary(report: &Report) -> String {
    let not = |kind: ChangeKind| report.not_compared.contains(&kind);
    let mut parts = Vec::new();
    for kind in ChangeKind::ALL {
        if not(kind) {
            parts.push(format!("{} not compared", kind.name()));
        } else if kind == ChangeKind::Services {
            parts.push(format!(
                "services opened {}, services closed {}",
                report.services_count(true),
                report.services_count(false)
            ));
        } else {
            parts.push(format!("{} {}", kind.name(), report.count(kind)));
        }
    }
    format!(
        "{}; assets: {} before, {} after",
        parts.join(", "),
        report.old.assets,
        report.new.assets
    )
}

/// The table for terminals.
pub fn table(w: &mut impl Write, report: &Report) -> io::Result<()> {
    let rows = rows(report);
    if rows.is_empty() {
        writeln!(w, "No changes.")?;
    } else {
        let with_cid = many_cids(&rows);
        let mut header = vec!["CHANGE", "ASSET"];
        if with_cid {
            header.push("CID");
        }
        header.extend(["ID", "FIELD", "OLD", "NEW"]);
        let mut cells_of_rows = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut cells = vec![
                row.change.to_owned(),
                cell(row.asset.label.as_deref().unwrap_or(ABSENT)),
            ];
            if with_cid {
                cells.push(cell(row.asset.key.cid.as_deref().unwrap_or(ABSENT)));
            }
            cells.push(cell(&row.asset.key.id));
            cells.push(cell(&row.field));
            let value = |v: Option<&str>| match row.has_values {
                true => cell(v.unwrap_or(ABSENT)),
                false => String::new(),
            };
            cells.push(value(row.old));
            cells.push(value(row.new));
            cells_of_rows.push(cells);
        }
        write_table(w, &header, cells_of_rows)?;
    }
    writeln!(w, "{}", summary(report))
}

/// Markdown, to paste into a ticket.
pub fn markdown(w: &mut impl Write, report: &Report) -> io::Result<()> {
    writeln!(w, "### falcon-exposure diff")?;
    writeln!(w)?;
    let side = |name: &str, side: &super::compare::Side| match &side.started_at {
        Some(at) => format!("{name} export started {}, {} assets", md(at), side.assets),
        None => format!("{name} export: {} assets", side.assets),
    };
    writeln!(
        w,
        "{}. {}.",
        side("Old", &report.old),
        side("New", &report.new)
    )?;
    writeln!(w)?;
    writeln!(w, "**Summary:** {}", summary(report))?;
    writeln!(w)?;
    let rows = rows(report);
    if rows.is_empty() {
        return writeln!(w, "No changes.");
    }
    let with_cid = many_cids(&rows);
    let cid_head = if with_cid { " CID |" } else { "" };
    let cid_rule = if with_cid { " --- |" } else { "" };
    writeln!(w, "| Change | Asset |{cid_head} ID | Field | Old | New |")?;
    writeln!(w, "| --- | --- |{cid_rule} --- | --- | --- | --- |")?;
    for row in rows {
        let value = |v: Option<&str>| match row.has_values {
            true => v.map_or_else(|| ABSENT.to_owned(), md),
            false => String::new(),
        };
        let cid = if with_cid {
            format!(
                " {} |",
                row.asset
                    .key
                    .cid
                    .as_deref()
                    .map_or_else(|| ABSENT.to_owned(), md)
            )
        } else {
            String::new()
        };
        writeln!(
            w,
            "| {} | {} |{cid} {} | {} | {} | {} |",
            row.change,
            row.asset
                .label
                .as_deref()
                .map_or_else(|| ABSENT.to_owned(), md),
            md(&row.asset.key.id),
            md(&row.field),
            value(row.old),
            value(row.new),
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    old: JsonSide<'a>,
    new: JsonSide<'a>,
    counts: Counts,
    not_compared: Vec<&'static str>,
    added: Vec<JsonAsset<'a>>,
    removed: Vec<JsonAsset<'a>>,
    services: Vec<JsonService<'a>>,
    exposure: Vec<JsonValue<'a>>,
    criticality: Vec<JsonValue<'a>>,
    triage: Vec<JsonValue<'a>>,
}

#[derive(Serialize)]
struct JsonSide<'a> {
    assets: u64,
    started_at: Option<&'a str>,
}

#[derive(Serialize)]
struct Counts {
    added: usize,
    removed: usize,
    services_opened: usize,
    services_closed: usize,
    exposure: usize,
    criticality: usize,
    triage: usize,
}

#[derive(Serialize)]
struct JsonAsset<'a> {
    cid: Option<&'a str>,
    id: &'a str,
    name: Option<&'a str>,
}

impl<'a> From<&'a AssetRef> for JsonAsset<'a> {
    fn from(a: &'a AssetRef) -> Self {
        JsonAsset {
            cid: a.key.cid.as_deref(),
            id: &a.key.id,
            name: a.label.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct JsonService<'a> {
    #[serde(flatten)]
    asset: JsonAsset<'a>,
    change: &'static str,
    port: Option<i64>,
    protocol: Option<&'a str>,
    transport: Option<&'a str>,
}

impl<'a> From<&'a ServiceChange> for JsonService<'a> {
    fn from(s: &'a ServiceChange) -> Self {
        JsonService {
            asset: (&s.asset).into(),
            change: if s.opened { "opened" } else { "closed" },
            port: s.service.port,
            protocol: s.service.protocol.as_deref(),
            transport: s.service.transport.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct JsonValue<'a> {
    #[serde(flatten)]
    asset: JsonAsset<'a>,
    field: &'static str,
    old: Option<&'a str>,
    new: Option<&'a str>,
}

impl<'a> From<&'a ValueChange> for JsonValue<'a> {
    fn from(c: &'a ValueChange) -> Self {
        JsonValue {
            asset: (&c.asset).into(),
            field: c.field,
            old: c.old.as_deref(),
            new: c.new.as_deref(),
        }
    }
}

/// The JSON object described in [`JSON_HELP`], then a newline.
pub fn json(w: &mut impl Write, report: &Report) -> io::Result<()> {
    let values = |kind: ChangeKind| -> Vec<JsonValue<'_>> {
        report
            .values
            .iter()
            .filter(|c| c.kind == kind)
            .map(JsonValue::from)
            .collect()
    };
    fn side(s: &super::compare::Side) -> JsonSide<'_> {
        JsonSide {
            assets: s.assets,
            started_at: s.started_at.as_deref(),
        }
    }
    let out = JsonReport {
        schema_version: 1,
        old: side(&report.old),
        new: side(&report.new),
        counts: Counts {
            added: report.added.len(),
            removed: report.removed.len(),
            services_opened: report.services_count(true),
            services_closed: report.services_count(false),
            exposure: report.count(ChangeKind::Exposure),
            criticality: report.count(ChangeKind::Criticality),
            triage: report.count(ChangeKind::Triage),
        },
        not_compared: report.not_compared.iter().map(|k| k.name()).collect(),
        added: report.added.iter().map(JsonAsset::from).collect(),
        removed: report.removed.iter().map(JsonAsset::from).collect(),
        services: report.services.iter().map(JsonService::from).collect(),
        exposure: values(ChangeKind::Exposure),
        criticality: values(ChangeKind::Criticality),
        triage: values(ChangeKind::Triage),
    };
    serde_json::to_writer_pretty(&mut *w, &out)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::facts::AssetKey;

    fn asset(cid: &str, id: &str) -> AssetRef {
        AssetRef {
            key: AssetKey {
                cid: Some(cid.into()),
                id: id.into(),
            },
            label: None,
        }
    }

    fn table_of(report: &Report) -> String {
        let mut out = Vec::new();
        table(&mut out, report).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_cid_column_appears_when_assets_of_several_cids_changed() {
        let mut report = Report {
            added: vec![asset("c1", "a"), asset("c1", "b")],
            ..Report::default()
        };
        assert!(!table_of(&report).contains("CID"));
        report.removed.push(asset("c2", "a"));
        let text = table_of(&report);
        let header = text.lines().next().unwrap();
        assert_eq!(
            header.split_whitespace().collect::<Vec<_>>(),
            ["CHANGE", "ASSET", "CID", "ID", "FIELD", "OLD", "NEW"]
        );
        assert!(text.contains("removed  —      c2   a"), "{text}");
    }
}
