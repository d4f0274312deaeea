//! The report as a table for terminals, Markdown or JSON. Values come from
//! the API and are hostile: every one goes through
//! [`crate::output::cell`] or [`crate::output::markdown`] (JSON escapes
//! its own).

use std::io::{self, Write};

use super::inventory::{Counts, Inventory};
use crate::output::{cell, markdown as md, terminal, write_table};

/// The JSON report, for `report --help`.
pub const JSON_HELP: &str = "\
JSON report (--format json), one object, schema_version 1:
  schema_version   1
  filter           the --filter, or null
  total            assets matching the filter
  new_since        RFC 3339 time seven days before the report
  new_this_week    assets first seen since new_since
  by_type, by_criticality, by_perimeter, by_internet_exposure
                   {\"buckets\": [{\"value\", \"count\"}], \"others\": n, \"not_set\": n}
  top_services, top_applications, subsidiaries
                   {\"buckets\": [{\"value\", \"count\"}], \"others\": n}
Buckets list the most assets first. others counts assets under values not
listed; not_set counts assets without a value. A service is protocol/port;
an asset with several services, applications or subsidiaries counts once
under each.";

/// The sections in order: a title and its counts.
fn sections(inv: &Inventory) -> [(&'static str, &Counts); 7] {
    [
        ("Asset type", &inv.by_type),
        ("Criticality", &inv.by_criticality),
        ("Perimeter", &inv.by_perimeter),
        ("Internet exposure", &inv.by_internet_exposure),
        ("Top services", &inv.top_services),
        ("Top applications", &inv.top_applications),
        ("Subsidiaries", &inv.subsidiaries),
    ]
}

/// `n` as a share of `total`.
fn share(n: u64, total: u64) -> String {
    if total == 0 {
        return "-".to_owned();
    }
    format!("{:.1}%", n as f64 * 100.0 / total as f64)
}

/// The rows of a section beyond its values, when not 0: (label, count,
/// whether a share means something). An asset may hold several of the
/// values left out, so theirs has no share.
fn extra_rows(c: &Counts) -> impl Iterator<Item = (&'static str, u64, bool)> {
    [
        ("not set", c.not_set.unwrap_or(0), true),
        ("other values", c.others, false),
    ]
    .into_iter()
    .filter(|(_, n, _)| *n > 0)
}

/// The share column of an extra row.
fn extra_share(n: u64, has_share: bool, total: u64) -> String {
    if has_share {
        share(n, total)
    } else {
        String::new()
    }
}

/// The headline: assets and new ones.
fn headline(inv: &Inventory) -> String {
    format!(
        "{} assets; {} new this week (first seen since {})",
        inv.total,
        inv.new_this_week,
        terminal(&inv.new_since)
    )
}

/// The table for terminals.
pub fn table(w: &mut impl Write, inv: &Inventory) -> io::Result<()> {
    writeln!(w, "falcon-exposure report: {}", headline(inv))?;
    if let Some(filter) = &inv.filter {
        writeln!(w, "Filter: {}", cell(filter))?;
    }
    for (title, counts) in sections(inv) {
        writeln!(w)?;
        let title = title.to_uppercase();
        let mut rows: Vec<Vec<String>> = counts
            .buckets
            .iter()
            .map(|b| {
                vec![
                    cell(&b.value),
                    b.count.to_string(),
                    share(b.count, inv.total),
                ]
            })
            .collect();
        rows.extend(extra_rows(counts).map(|(label, n, has_share)| {
            vec![
                format!("({label})"),
                n.to_string(),
                extra_share(n, has_share, inv.total),
            ]
        }));
        if rows.is_empty() {
            writeln!(w, "{title}: none")?;
        } else {
            write_table(w, &[title.as_str(), "ASSETS", "SHARE"], rows)?;
        }
    }
    Ok(())
}

/// Markdown, to paste into a ticket or a wiki.
pub fn markdown(w: &mut impl Write, inv: &Inventory) -> io::Result<()> {
    writeln!(w, "### falcon-exposure report")?;
    writeln!(w)?;
    writeln!(
        w,
        "**Assets:** {}. **New this week:** {} (first seen since {}).",
        inv.total,
        inv.new_this_week,
        md(&inv.new_since)
    )?;
    if let Some(filter) = &inv.filter {
        writeln!(w)?;
        writeln!(w, "**Filter:** {}", md(filter))?;
    }
    for (title, counts) in sections(inv) {
        writeln!(w)?;
        writeln!(w, "#### {title}")?;
        writeln!(w)?;
        if counts.buckets.is_empty() && extra_rows(counts).next().is_none() {
            writeln!(w, "None.")?;
            continue;
        }
        writeln!(w, "| {title} | Assets | Share |")?;
        writeln!(w, "| --- | ---: | ---: |")?;
        for b in &counts.buckets {
            writeln!(
                w,
                "| {} | {} | {} |",
                md(&b.value),
                b.count,
                share(b.count, inv.total)
            )?;
        }
        // In italics, which an escaped value cannot be.
        for (label, n, has_share) in extra_rows(counts) {
            let share = extra_share(n, has_share, inv.total);
            writeln!(w, "| *{label}* | {n} | {share} |")?;
        }
    }
    Ok(())
}

/// One JSON object.
pub fn json(w: &mut impl Write, inv: &Inventory) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, inv)?;
    writeln!(w)
}
