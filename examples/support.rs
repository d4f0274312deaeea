//! Shared by the examples: choose the real cloud or the embedded emulator,
//! show progress, print tables. Not part of the client library.

use comfy_table::{CellAlignment, Table, modifiers, presets};
use indicatif::{HumanCount, ProgressBar, ProgressStyle};

use falcon_emulator::EmulatorHandle;
use falcon_emulator::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig};
use falcon_exposure::{Client, ClientBuilder};

// Beside the examples, not among them: `examples/` holds only their mains.
#[path = "support/mssp.rs"]
pub mod mssp;

/// Where the example runs.
pub struct Session {
    /// The client, connected to the real cloud or to the emulator.
    pub client: Client,
    /// The in-process emulator, when there are no credentials.
    pub emulator: Option<EmulatorHandle>,
}

impl Session {
    /// With `FALCON_CLIENT_ID` set: the real cloud, configured from the
    /// environment (`FALCON_CLIENT_SECRET`, `FALCON_CLOUD`,
    /// `FALCON_MEMBER_CID`). Without it: an emulator started in-process with
    /// `assets` generated assets.
    pub async fn open(assets: usize) -> Result<Session, Box<dyn std::error::Error>> {
        Session::open_with(EmulatorConfig::default().assets(assets)).await
    }

    /// As [`Session::open`], with this configuration for the emulator.
    pub async fn open_with(config: EmulatorConfig) -> Result<Session, Box<dyn std::error::Error>> {
        let has_credentials = std::env::var("FALCON_CLIENT_ID")
            .map(|v| !v.trim().is_empty())
            .unwrap_or(false);
        if has_credentials {
            let client = ClientBuilder::from_env()?
                .user_agent("falcon-exposure-examples")
                .build()?;
            return Ok(Session {
                client,
                emulator: None,
            });
        }
        let emulator = Emulator::start(config).await?;
        println!(
            "No FALCON_CLIENT_ID in the environment: using the built-in emulator at {} \
             with {} generated assets.",
            emulator.base_url(),
            fmt_count(emulator.asset_count() as u64)
        );
        println!(
            "Set FALCON_CLIENT_ID, FALCON_CLIENT_SECRET (and FALCON_CLOUD) to use your own tenant."
        );
        let client = Client::builder()
            .client_id(DEFAULT_CLIENT_ID)
            .client_secret(DEFAULT_CLIENT_SECRET)
            .base_url(emulator.base_url())
            .user_agent("falcon-exposure-examples")
            .build()?;
        Ok(Session {
            client,
            emulator: Some(emulator),
        })
    }

    /// Whether this runs against the real cloud.
    pub fn is_real(&self) -> bool {
        self.emulator.is_none()
    }

    /// Stops the emulator, if any.
    pub async fn close(self) {
        if let Some(e) = self.emulator {
            e.shutdown().await;
        }
    }
}

/// A progress bar on standard error for a bulk stream, labelled `label`:
/// a counter until the total is known, then a bar. `indicatif` draws it at
/// most 20 times a second and draws nothing when standard error is not a
/// terminal; [`finish`] prints one plain summary line.
pub fn progress(label: &str) -> ProgressBar {
    let bar = ProgressBar::no_length().with_message(label.to_owned());
    bar.set_style(counter_style());
    bar
}

fn counter_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg} {human_pos} ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg} [{bar:30}] {human_pos}/{human_len} ({elapsed}, {eta} left)")
        .map(|s| s.progress_chars("#>-"))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// Moves `bar` to a bulk stream's [`falcon_exposure::Progress`]; the first
/// known total turns the counter into a bar.
pub fn update(bar: &ProgressBar, p: falcon_exposure::Progress) {
    if let Some(total) = p.total()
        && bar.length() != Some(total)
    {
        if bar.length().is_none() {
            bar.set_style(bar_style());
        }
        bar.set_length(total);
    }
    bar.set_position(p.done());
}

/// Clears the bar and prints where it ended as one plain line, the same
/// whether standard error is a terminal or not.
pub fn finish(bar: &ProgressBar) {
    bar.finish_and_clear();
    let done = HumanCount(bar.position());
    match bar.length() {
        Some(total) => eprintln!("{} {done}/{}", bar.message(), HumanCount(total)),
        None => eprintln!("{} {done}", bar.message()),
    }
}

/// `12345` → `12,345`.
pub fn fmt_count(n: u64) -> String {
    HumanCount(n).to_string()
}

/// A table with these column headers; a header that starts with `>` makes
/// its column right-aligned (the `>` is not shown).
pub fn table(headers: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .apply_modifier(modifiers::UTF8_ROUND_CORNERS)
        .set_header(headers.iter().map(|h| h.strip_prefix('>').unwrap_or(h)));
    for (i, h) in headers.iter().enumerate() {
        if h.starts_with('>')
            && let Some(column) = table.column_mut(i)
        {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// Prints a table, indented by two spaces.
pub fn print_table(table: &Table) {
    for line in table.lines() {
        println!("  {line}");
    }
}

/// A horizontal bar of `value / max` over `width` characters.
pub fn bar(value: u64, max: u64, width: usize) -> String {
    if max == 0 {
        return String::new();
    }
    let n = ((value as f64 / max as f64) * width as f64).round() as usize;
    "█".repeat(n.max(usize::from(value > 0)))
}

/// A section heading.
pub fn heading(step: usize, title: &str) {
    println!();
    println!("{step}. {title}");
    println!("{}", "=".repeat(title.len() + 2 + step.to_string().len()));
}

/// An optional text for display.
pub fn or_dash(v: Option<&str>) -> &str {
    match v {
        Some(s) if !s.is_empty() => s,
        _ => "-",
    }
}
