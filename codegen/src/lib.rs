//! The generator of the `falcon-exposure` client: loads the operation
//! manifest (`spec/*.yaml`, [`manifest`]), validates it once into a typed
//! form ([`load`] returns the [`ir::Api`] that [`validate`] builds), and
//! emits from that alone ([`generate`], through [`emit`]) the client's
//! generated Rust code and the operations reference page.
//!
//! Maintainers run it through `cargo xtask regen`; nothing here is compiled
//! into the client.

pub mod diagnostic;
pub mod emit;
pub mod ir;
pub mod locate;
pub mod manifest;
pub mod names;
pub mod types;
pub mod validate;

use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, Diagnostics};
pub use ir::Api;
pub use manifest::Manifest;

include!("../../client/spec_fingerprint.rs");

/// The manifest file, relative to the repository root.
pub const MANIFEST: &str = "spec/exposure_management.yaml";
/// Where the generated Rust goes, relative to the repository root.
pub const GENERATED_DIR: &str = "client/src/generated";
/// The operations reference page, relative to the repository root.
pub const DOCS_PAGE: &str = "docs/operations.md";

/// Parses and validates manifest text into what the emitters read; `file`
/// names it in errors, each located in `text`.
pub fn load_str(file: &str, text: &str) -> Result<Api, Diagnostics> {
    let manifest = parse_str(file, text)?;
    validate::validate(&manifest).map_err(|problems| placed(file, text, problems))
}

/// Parses manifest text as written, without checking its meaning: for
/// reading the manifest's own form (the filter lists in documentation
/// order, the keyword rows); [`load_str`] is what generates.
pub fn parse_str(file: &str, text: &str) -> Result<Manifest, Diagnostics> {
    serde_yaml::from_str(text).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        let message = e.to_string();
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_owned(),
            None => message,
        };
        let (path, message) = split_serde_path(&message);
        Diagnostics(vec![Diagnostic {
            file: file.to_owned(),
            line,
            column,
            path,
            fix: serde_fix(&message),
            message,
        }])
    })
}

/// Problems as diagnostics, located in `text`.
fn placed(file: &str, text: &str, problems: Vec<validate::Problem>) -> Diagnostics {
    let mut found: Vec<Diagnostic> = problems
        .into_iter()
        .map(|problem| {
            let (line, column) = locate::locate(text, &problem.path);
            Diagnostic {
                file: file.to_owned(),
                line,
                column,
                path: locate::render(&problem.path),
                message: problem.message,
                fix: problem.fix,
            }
        })
        .collect();
    found.sort_by_key(|d| (d.line, d.column));
    Diagnostics(found)
}

/// serde_yaml prefixes messages with the key path (`operations[0]: ...`).
fn split_serde_path(message: &str) -> (String, String) {
    match message.split_once(": ") {
        Some((path, rest)) if !path.contains(' ') && !path.is_empty() => {
            (path.to_owned(), rest.to_owned())
        }
        _ => (String::new(), message.to_owned()),
    }
}

fn serde_fix(message: &str) -> String {
    if message.starts_with("unknown field") {
        "remove the key or fix its spelling; spec/README.md lists every key".into()
    } else if message.starts_with("missing field") {
        "add the key; spec/README.md says what it holds".into()
    } else if message.starts_with("invalid type") {
        "give the key a value of the type spec/README.md names".into()
    } else {
        "fix the YAML syntax at that place".into()
    }
}

/// Reads and validates a manifest file; `label` names it in errors.
pub fn load(path: &Path, label: &str) -> Result<Api, Diagnostics> {
    load_str(label, &read(path, label)?)
}

/// Reads a manifest file as written, without checking its meaning (see
/// [`parse_str`]).
pub fn parse(path: &Path, label: &str) -> Result<Manifest, Diagnostics> {
    parse_str(label, &read(path, label)?)
}

fn read(path: &Path, label: &str) -> Result<String, Diagnostics> {
    std::fs::read_to_string(path).map_err(|e| {
        Diagnostics(vec![Diagnostic {
            file: label.to_owned(),
            line: 0,
            column: 0,
            path: String::new(),
            message: format!("cannot read the manifest: {e}"),
            fix: "check that the file exists and is readable".into(),
        }])
    })
}

/// The fingerprint of every `*.yaml` in `spec_dir`.
pub fn fingerprint_dir(spec_dir: &Path) -> std::io::Result<String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(spec_dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            files.push((name, std::fs::read(&path)?));
        }
    }
    Ok(spec_fingerprint(&files))
}

/// Every generated file of a [`load`]ed manifest: path relative to the
/// repository root, and contents. Only a bug of an emitter, writing Rust
/// that does not parse, makes it fail.
pub fn generate(api: &Api, fingerprint: &str) -> Result<Vec<(PathBuf, String)>, Diagnostics> {
    let dir = Path::new(GENERATED_DIR);
    let mut files: Vec<(PathBuf, String)> = emit::rust_files(api, MANIFEST)
        .map_err(|d| Diagnostics(vec![d]))?
        .into_iter()
        .map(|(name, text)| (dir.join(name), text))
        .collect();
    files.push((dir.join("SPEC_FINGERPRINT"), format!("{fingerprint}\n")));
    files.push((PathBuf::from(DOCS_PAGE), emit::docs::page(api, MANIFEST)));
    Ok(files)
}

/// What [`regen`] did.
#[derive(Debug, Default)]
pub struct Report {
    /// Files whose contents differ from what the generator produces.
    pub stale: Vec<PathBuf>,
    /// Files in the generated directory that the generator no longer produces.
    pub extra: Vec<PathBuf>,
    /// Lines of generated Rust.
    pub rust_lines: usize,
}

/// Regenerates everything under `root`; with `check`, writes nothing and
/// only reports what is stale.
pub fn regen(root: &Path, check: bool) -> Result<Report, Box<dyn std::error::Error>> {
    let api = load(&root.join(MANIFEST), MANIFEST)?;
    let fingerprint = fingerprint_dir(&root.join("spec"))?;
    let files = generate(&api, &fingerprint)?;
    let mut report = Report::default();
    for (rel, text) in &files {
        if rel.extension().is_some_and(|e| e == "rs") {
            report.rust_lines += text.lines().count();
        }
        let path = root.join(rel);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            report.stale.push(rel.clone());
            if !check {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&path, text)?;
            }
        }
    }
    let dir = root.join(GENERATED_DIR);
    for entry in std::fs::read_dir(&dir)? {
        let rel = Path::new(GENERATED_DIR).join(entry?.file_name());
        if !files.iter().any(|(p, _)| *p == rel) {
            report.extra.push(rel.clone());
            if !check {
                std::fs::remove_file(root.join(&rel))?;
            }
        }
    }
    Ok(report)
}
