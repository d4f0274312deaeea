//! The doctor's report: sections of checks, as text to paste into an issue
//! or as JSON. It holds no secret, no host name and no machine path.

use std::fmt::{self, Write as _};

use serde::Serialize;

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Passed.
    Ok,
    /// Failed: the command exits 4.
    Failed,
    /// Worth a look, but not a failure.
    Warning,
    /// Not checked (no token, or a write).
    NotChecked,
    /// A fact, not a check.
    Info,
}

impl Status {
    fn marker(self) -> &'static str {
        match self {
            Status::Ok => "[ok]",
            Status::Failed => "[FAILED]",
            Status::Warning => "[warning]",
            Status::NotChecked => "[not checked]",
            Status::Info => "",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// How it ended.
    pub status: Status,
    /// The finding, in one line.
    pub detail: String,
}

impl Check {
    /// A check named `name`.
    pub fn new(name: impl Into<String>, status: Status, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            status,
            detail: detail.into(),
        }
    }
}

/// A titled group of checks.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// The title.
    pub title: &'static str,
    /// The checks.
    pub checks: Vec<Check>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The tool and its version.
    pub tool: String,
    /// The sections, in order.
    pub sections: Vec<Section>,
    /// The probe's own report (`None`: it did not run).
    pub probe: Option<String>,
    /// Whether no check failed.
    pub passed: bool,
}

impl Report {
    /// An empty report.
    pub fn new() -> Report {
        Report {
            tool: format!("falcon-exposure {}", env!("CARGO_PKG_VERSION")),
            sections: Vec::new(),
            probe: None,
            passed: true,
        }
    }

    /// Adds a section.
    pub fn push(&mut self, title: &'static str, checks: Vec<Check>) {
        self.passed &= checks.iter().all(|c| c.status != Status::Failed);
        self.sections.push(Section { title, checks });
    }

    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.sections
            .iter()
            .flat_map(|s| &s.checks)
            .filter(|c| c.status == Status::Failed)
    }

    /// One line saying what failed, for stderr.
    pub fn summary(&self) -> String {
        let failed: Vec<&Check> = self.failures().collect();
        match failed.as_slice() {
            [] => "all checks passed".to_owned(),
            [one] => format!("1 check failed: {}: {}", one.name, one.detail),
            many => format!(
                "{} checks failed, the first: {}: {}",
                many.len(),
                many[0].name,
                many[0].detail
            ),
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} doctor (read-only)", self.tool)?;
        for section in &self.sections {
            writeln!(f, "== {}", section.title)?;
            for check in &section.checks {
                let mut line = String::from("  ");
                if check.status != Status::Info {
                    let _ = write!(line, "{} ", check.status.marker());
                }
                let _ = write!(line, "{}: {}", check.name, check.detail);
                writeln!(f, "{}", crate::output::terminal(&line))?;
            }
        }
        // The probe's own report, under the last section (the probe's).
        if let Some(probe) = &self.probe {
            for line in probe.lines() {
                writeln!(f, "    {}", crate::output::terminal(line))?;
            }
        }
        writeln!(f, "== result")?;
        writeln!(f, "  {}", crate::output::terminal(&self.summary()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_fails_the_report() {
        let mut r = Report::new();
        r.push("a", vec![Check::new("x", Status::Ok, "fine")]);
        assert!(r.passed);
        assert_eq!(r.summary(), "all checks passed");
        r.push(
            "b",
            vec![
                Check::new("y", Status::Warning, "hm"),
                Check::new("z", Status::Failed, "bad\u{1b}[31m"),
            ],
        );
        assert!(!r.passed);
        assert!(r.summary().starts_with("1 check failed: z: bad"));
        let text = r.to_string();
        assert!(text.contains("  [FAILED] z: bad\n"), "{text}");
        assert!(text.contains("  [warning] y: hm\n"), "{text}");
    }
}
