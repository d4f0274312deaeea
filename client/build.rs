//! Warns when the manifest in `spec/` changed since `cargo xtask regen` last
//! wrote `src/generated/`. Outside the workspace (a published crate) there is
//! no spec and nothing to check.

use std::path::Path;

include!("spec_fingerprint.rs");

fn main() {
    let spec_dir = Path::new("../spec");
    let recorded = Path::new("src/generated/SPEC_FINGERPRINT");
    println!("cargo:rerun-if-changed={}", recorded.display());
    let Ok(entries) = std::fs::read_dir(spec_dir) else {
        return;
    };
    println!("cargo:rerun-if-changed={}", spec_dir.display());
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "yaml") {
            println!("cargo:rerun-if-changed={}", path.display());
            if let Ok(bytes) = std::fs::read(&path) {
                let name = path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                files.push((name, bytes));
            }
        }
    }
    let now = spec_fingerprint(&files);
    let before = std::fs::read_to_string(recorded).unwrap_or_default();
    if before.trim() != now {
        println!(
            "cargo:warning=spec/ changed since the client code was generated: run `cargo xtask regen`"
        );
    }
}
