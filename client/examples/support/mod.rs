//! Shared by the examples: choose the real cloud or the embedded emulator,
//! draw a progress bar, print aligned tables. Not part of the library.
#![allow(dead_code)]

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use falcon_emulator::EmulatorHandle;
use falcon_emulator::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig};
use falcon_exposure::{Client, ClientBuilder};

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
        let emulator = Emulator::start(EmulatorConfig::default().assets(assets)).await?;
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

/// A one-line progress bar on standard error, redrawn at most ten times a
/// second; plain lines when standard error is not a terminal.
pub struct ProgressBar {
    label: String,
    total: Option<u64>,
    done: u64,
    started: Instant,
    last_draw: Option<Instant>,
    tty: bool,
}

impl ProgressBar {
    /// A bar labelled `label`, for `total` items when known.
    pub fn new(label: &str, total: Option<u64>) -> ProgressBar {
        ProgressBar {
            label: label.to_owned(),
            total,
            done: 0,
            started: Instant::now(),
            last_draw: None,
            tty: std::io::stderr().is_terminal(),
        }
    }

    /// Sets or corrects the total.
    pub fn set_total(&mut self, total: u64) {
        self.total = Some(total);
    }

    /// Sets the count done so far.
    pub fn set(&mut self, done: u64) {
        self.done = done;
        let due = self
            .last_draw
            .is_none_or(|t| t.elapsed() >= Duration::from_millis(100));
        if due {
            self.draw();
        }
    }

    /// Adds `n` to the count done.
    pub fn inc(&mut self, n: u64) {
        self.set(self.done + n);
    }

    fn line(&self) -> String {
        const WIDTH: usize = 30;
        let rate = self.done as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
        match self.total {
            Some(total) if total > 0 => {
                let frac = (self.done as f64 / total as f64).min(1.0);
                let filled = (frac * WIDTH as f64).round() as usize;
                format!(
                    "{} [{}{}] {}/{} ({:.0}/s)",
                    self.label,
                    "#".repeat(filled),
                    "-".repeat(WIDTH - filled),
                    fmt_count(self.done),
                    fmt_count(total),
                    rate
                )
            }
            _ => format!("{} {} ({:.0}/s)", self.label, fmt_count(self.done), rate),
        }
    }

    fn draw(&mut self) {
        self.last_draw = Some(Instant::now());
        if self.tty {
            let mut err = std::io::stderr();
            let _ = write!(err, "\r{}\x1b[K", self.line());
            let _ = err.flush();
        }
    }

    /// Sets the count done and the total, from a bulk stream's
    /// [`falcon_exposure::Progress`].
    pub fn update(&mut self, p: falcon_exposure::Progress) {
        if let Some(total) = p.total {
            self.total = Some(total);
        }
        self.set(p.done());
    }

    /// A bar shared with a bulk stream's progress callback.
    pub fn shared(label: &str) -> std::sync::Arc<std::sync::Mutex<ProgressBar>> {
        std::sync::Arc::new(std::sync::Mutex::new(ProgressBar::new(label, None)))
    }

    /// Draws the final state and ends the line.
    pub fn finish(&mut self) {
        self.draw();
        if self.tty {
            eprintln!();
        } else {
            eprintln!("{}", self.line());
        }
    }
}

/// `12345` → `12,345`.
pub fn fmt_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A table with a header row, printed with aligned columns. Columns whose
/// header starts with `>` are right-aligned (the `>` is not printed).
pub struct Table {
    headers: Vec<(String, bool)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers
                .iter()
                .map(|h| match h.strip_prefix('>') {
                    Some(rest) => (rest.to_owned(), true),
                    None => ((*h).to_owned(), false),
                })
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row<S: ToString>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows
            .push(cells.into_iter().map(|c| c.to_string()).collect());
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Prints the table, indented by two spaces.
    pub fn print(&self) {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.0.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(n) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut out = String::from(" ");
            for (i, w) in widths.iter().enumerate() {
                let cell = cells.get(i).map(String::as_str).unwrap_or("");
                if self.headers[i].1 {
                    out.push_str(&format!(" {cell:>w$}"));
                } else {
                    out.push_str(&format!(" {cell:<w$}"));
                }
            }
            out.trim_end().to_owned()
        };
        let headers: Vec<String> = self.headers.iter().map(|h| h.0.clone()).collect();
        println!("{}", line(&headers));
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        println!("{}", line(&rule));
        for row in &self.rows {
            println!("{}", line(row));
        }
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

/// The value after `name` on the command line (`--csv ids.csv`).
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}
