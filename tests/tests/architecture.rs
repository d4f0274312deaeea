//! The invariants of ARCHITECTURE.md that the source itself can show:
//! the runtime and the generator hold no per-operation code, generated
//! code reaches the runtime's internals through one module only, and the
//! rate headers are read in one place.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.rs` file below `dir`, recursively, in a stable order.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in fs::read_dir(&d).expect("readable source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The code lines of a file: comments dropped, unit tests (from the first
/// `#[cfg(test)]`) cut off.
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    let text = fs::read_to_string(path).expect("readable source file");
    text.lines()
        .enumerate()
        .take_while(|(_, l)| l.trim() != "#[cfg(test)]")
        .map(|(i, l)| (i + 1, l.split("//").next().unwrap_or("").to_owned()))
        .filter(|(_, l)| !l.trim().is_empty())
        .collect()
}

/// The operation IDs and method names of the manifest.
fn operation_names() -> Vec<String> {
    let spec = fs::read_to_string(root().join("spec/exposure_management.yaml"))
        .expect("the manifest is readable");
    let mut names: Vec<String> = spec
        .lines()
        .filter_map(|l| {
            // Operations are list items `- id: …`; methods and exports
            // carry `method_name: …`.
            let l = l.trim_start();
            l.strip_prefix("- id: ")
                .or_else(|| l.trim_start_matches("- ").strip_prefix("method_name: "))
                .map(|v| v.trim().trim_matches('"').to_owned())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

fn contains_word(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + word.len()..].chars().next();
        let boundary = |c: Option<char>| !c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        boundary(before) && boundary(after)
    })
}

#[test]
fn the_runtime_and_the_generator_hold_no_per_operation_code() {
    let names = operation_names();
    assert!(
        names.len() >= 12,
        "the manifest lists {} names: {names:?}",
        names.len()
    );
    let generated = root().join("client/src/generated");
    let mut found = Vec::new();
    for dir in ["client/src", "codegen/src"] {
        for file in rust_files(&root().join(dir)) {
            if file.starts_with(&generated) {
                continue;
            }
            for (n, line) in code_lines(&file) {
                for name in names.iter().filter(|name| contains_word(&line, name)) {
                    found.push(format!("{}:{n}: `{name}`", file.display()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "operation names in hand-written code (put the fact in the manifest instead):\n{}",
        found.join("\n")
    );
}

#[test]
fn generated_code_reaches_runtime_internals_only_through_for_generated() {
    // Public modules a user sees too, and the generated ones.
    let allowed = [
        "for_generated",
        "generated",
        "models",
        "fields",
        "vocabularies",
        "requests",
        "fql",
    ];
    let mut found = Vec::new();
    for file in rust_files(&root().join("client/src/generated")) {
        for (n, line) in code_lines(&file) {
            for (at, _) in line.match_indices("crate::") {
                let rest = &line[at + "crate::".len()..];
                // `crate::{A, B}` names items of the crate root.
                let group = rest
                    .strip_prefix('{')
                    .map(|g| g.split('}').next().unwrap_or(""));
                let segments: Vec<&str> = match group {
                    Some(g) => g.split(',').map(str::trim).collect(),
                    None => vec![
                        rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                            .next()
                            .unwrap_or(""),
                    ],
                };
                for segment in segments {
                    let root_item = segment.starts_with(|c: char| c.is_ascii_uppercase());
                    if !root_item && !allowed.contains(&segment) {
                        found.push(format!("{}:{n}: crate::{segment}", file.display()));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "generated code names runtime internals directly (re-export them in for_generated.rs):\n{}",
        found.join("\n")
    );
}

/// The fields of `RateLimit`, the parsed rate headers.
const RATE_FIELDS: [&str; 3] = ["limit", "remaining", "retry_after"];

/// The `RateLimit` field `line` reads, if any: `.limit`, `.remaining` or
/// `.retry_after`, not a longer name nor a method call.
fn rate_field_read(line: &str) -> Option<&'static str> {
    RATE_FIELDS.into_iter().find(|field| {
        let access = format!(".{field}");
        line.match_indices(&access).any(|(at, _)| {
            let after = line[at + access.len()..].chars().next();
            !after.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '(')
        })
    })
}

#[test]
fn rate_headers_are_read_only_in_the_rate_module() {
    let src = root().join("client/src");
    // The rate module decides; the model parses the headers; transport
    // carries the figures and its retry decision reads a 429's
    // `X-RateLimit-RetryAfter`.
    let allowed = ["rate", "transport", "model/response.rs"].map(|p| src.join(p));
    let mut found = Vec::new();
    for file in rust_files(&src) {
        if allowed.iter().any(|a| file.starts_with(a)) {
            continue;
        }
        let lines = code_lines(&file);
        // Field reads are looked for where the figures are at hand (by
        // type or by name): elsewhere `.limit` is a page size.
        let holds_figures = lines
            .iter()
            .any(|(_, l)| contains_word(l, "RateLimit") || contains_word(l, "rate_limit"));
        for (n, line) in &lines {
            if line.to_ascii_lowercase().contains("x-ratelimit") {
                found.push(format!("{}:{n}: names a rate header", file.display()));
            }
            if let Some(field) = rate_field_read(line).filter(|_| holds_figures) {
                found.push(format!("{}:{n}: reads `.{field}`", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "rate headers read outside client/src/rate/ (let `RateControl` read them):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_rate_field_check_sees_reads_only() {
    assert_eq!(
        rate_field_read("if rl.remaining.is_some() {"),
        Some("remaining")
    );
    assert_eq!(rate_field_read("let l = rate_limit.limit;"), Some("limit"));
    assert_eq!(
        rate_field_read("retry_after: rl.retry_after,"),
        Some("retry_after")
    );
    assert_eq!(rate_field_read("query.limit(100)"), None);
    assert_eq!(rate_field_read("head.rate_limit,"), None);
    assert_eq!(rate_field_read("self.limits.len()"), None);
}

#[test]
fn the_word_checks_see_boundaries() {
    assert!(contains_word("op(\"get_assets\")", "get_assets"));
    assert!(!contains_word("get_assets_v2", "get_assets"));
    assert!(!contains_word("forget_assets", "get_assets"));
}
