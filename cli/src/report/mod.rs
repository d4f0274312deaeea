//! `falcon-exposure report`: the inventory in numbers, from aggregates
//! alone ([`inventory`]), rendered for a terminal, a ticket or a program
//! ([`render`]).

mod inventory;
mod render;

use std::io::Write;

use clap::{Args, ValueEnum};

use crate::exit::{Code, Failure};
use crate::global::GlobalArgs;

/// `report` flags.
///
/// One aggregate request; no asset is downloaded. Counts by type,
/// criticality, perimeter and internet exposure; the top services and
/// applications; subsidiaries; assets first seen in the last 7 days.
#[derive(Args, Debug)]
#[command(after_long_help = render::JSON_HELP)]
pub struct ReportArgs {
    /// Output format: a table for terminals, Markdown to paste into a
    /// ticket, or a JSON object (described below with --help).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// FQL filter on external assets (all assets when absent), checked
    /// against the filter fields before anything is sent, e.g.
    /// "asset_type:'ip'+internet_exposure:'Yes'".
    #[arg(long, value_name = "FQL")]
    pub filter: Option<String>,
    /// Refuse filter values outside a field's known values (by default a
    /// warning).
    #[arg(long)]
    pub strict: bool,
    /// How many services, applications and subsidiaries to list.
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub top: u16,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// Markdown tables.
    Markdown,
    /// One JSON object.
    Json,
}

/// Runs `report`.
pub async fn run(global: &GlobalArgs, args: ReportArgs) -> Result<Code, Failure> {
    let filter = args
        .filter
        .as_deref()
        .map(|text| crate::filter_check::check(text, args.strict))
        .transpose()?
        .map(|f| f.to_string());
    let client = crate::config::client(global)?;
    let inventory = inventory::fetch(&client, filter.as_deref(), args.top).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        Format::Table => render::table(&mut out, &inventory),
        Format::Markdown => render::markdown(&mut out, &inventory),
        Format::Json => render::json(&mut out, &inventory),
    }
    .and_then(|()| out.flush())
    .map_err(Failure::io("writing the report to stdout"))?;
    Ok(Code::Success)
}
