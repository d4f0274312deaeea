//! Every test file is compiled. The packages list their test binaries in
//! `Cargo.toml` (`autotests = false`: one binary of many modules links
//! faster than a binary per file), so a new file under `tests/` that no
//! binary reaches would silently never run; this check names it.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Packages with integration tests.
const PACKAGES: [&str; 5] = ["cli", "client", "codegen", "emulator", "tests"];

/// Folders under a package's `tests/` that hold no test code of cargo's:
/// trybuild's compile-fail cases, and data.
const NOT_TESTS: [&str; 3] = ["ui", "fixtures", "snapshots"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `.rs` files below `dir`, leaving out [`NOT_TESTS`].
fn test_files(dir: &Path, out: &mut BTreeSet<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable tests folder").flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if !NOT_TESTS.iter().any(|n| name == *n) {
                test_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.insert(path);
        }
    }
}

/// The `path` of each `[[test]]` of a package's manifest.
fn test_targets(package: &Path) -> Vec<PathBuf> {
    let manifest = fs::read_to_string(package.join("Cargo.toml")).expect("readable manifest");
    let mut out = Vec::new();
    let mut in_test = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_test = line == "[[test]]";
            continue;
        }
        if let Some(value) = line.strip_prefix("path").filter(|_| in_test) {
            let value = value.trim_start().trim_start_matches('=').trim();
            out.push(package.join(value.trim_matches('"')));
        }
    }
    out
}

/// The files that `file`'s `mod name;` lines (with or without a `#[path]`
/// on the line before) load, as rustc resolves them; `root`: `file` is a
/// crate root.
fn modules_of(file: &Path, root: bool) -> Vec<PathBuf> {
    let text = fs::read_to_string(file).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (a [[test]] path or a `mod` names it)",
            file.display()
        )
    });
    let here = file.parent().expect("a file has a folder");
    // Crate roots and `mod.rs` own their folder; `a.rs` owns `a/`.
    let owns_folder = root || file.file_name().is_some_and(|n| n == "mod.rs");
    let mut out = Vec::new();
    let mut path_attr: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("#[path = \"") {
            path_attr = rest.strip_suffix("\"]").map(str::to_owned);
            continue;
        }
        let declared = line
            .strip_prefix("pub ")
            .unwrap_or(line)
            .strip_prefix("mod ")
            .and_then(|rest| rest.strip_suffix(';'));
        if let Some(name) = declared {
            out.push(match path_attr.take() {
                Some(path) => here.join(path),
                None => {
                    let dir = if owns_folder {
                        here.to_path_buf()
                    } else {
                        here.join(file.file_stem().expect("a file has a name"))
                    };
                    let flat = dir.join(format!("{name}.rs"));
                    if flat.exists() {
                        flat
                    } else {
                        dir.join(name).join("mod.rs")
                    }
                }
            });
        } else {
            path_attr = None;
        }
    }
    out
}

/// Every file compiled into the package's test binaries.
fn compiled(package: &Path) -> BTreeSet<PathBuf> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<(PathBuf, bool)> = test_targets(package)
        .into_iter()
        .map(|root| (root, true))
        .collect();
    while let Some((file, root)) = todo.pop() {
        let file = fs::canonicalize(&file).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (a [[test]] path or a `mod` names it)",
                file.display()
            )
        });
        if seen.insert(file.clone()) {
            todo.extend(modules_of(&file, root).into_iter().map(|m| (m, false)));
        }
    }
    seen
}

#[test]
fn every_test_file_belongs_to_a_test_binary() {
    let mut missing = Vec::new();
    let mut total = 0;
    for package in PACKAGES {
        let dir = root().join(package);
        let compiled = compiled(&dir);
        let mut files = BTreeSet::new();
        test_files(&dir.join("tests"), &mut files);
        total += files.len();
        for file in files {
            let file = fs::canonicalize(&file).expect("listed file exists");
            if !compiled.contains(&file) {
                missing.push(format!("{package}/tests/{}", file_in_tests(&file)));
            }
        }
    }
    assert!(total > 20, "only {total} test files were found");
    assert!(
        missing.is_empty(),
        "test files that no test binary compiles, so none of their tests run:\n{}\n\
         Add `mod <file>;` to the package's tests/main.rs (a module reaches the \
         shared helpers as `crate::common`), or a [[test]] to its Cargo.toml if it \
         needs a process of its own.",
        missing.join("\n")
    );
}

/// `file`'s path below the `tests` folder of its package.
fn file_in_tests(file: &Path) -> String {
    let parts: Vec<_> = file.components().collect();
    let at = parts
        .iter()
        .rposition(|c| c.as_os_str() == "tests")
        .unwrap_or(0);
    parts[at + 1..]
        .iter()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn the_layout_check_follows_mod_lines_and_path_attributes() {
    let main = root().join("tests/tests/main.rs");
    let modules = modules_of(&main, true);
    assert!(
        modules.contains(&root().join("tests/tests/bulk.rs")),
        "{modules:?}"
    );
    assert!(
        modules.contains(&root().join("tests/tests/common/hostile.rs")),
        "{modules:?}"
    );
    assert!(
        modules.contains(&root().join("tests/tests/common/mod.rs")),
        "{modules:?}"
    );
    let all = compiled(&root().join("tests"));
    let live = fs::canonicalize(root().join("tests/tests/live.rs")).expect("live.rs");
    assert!(all.contains(&live), "[[test]] paths are roots too");
}
