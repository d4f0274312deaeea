//! `cargo xtask dist`: the release archive of the command-line tool for
//! the host target, as `cargo binstall` and the release page expect it
//! (see `[package.metadata.binstall]` in `cli/Cargo.toml`):
//!
//! ```text
//! target/dist/falcon-exposure-<version>-<target>.tar.gz
//!   falcon-exposure-<version>-<target>/falcon-exposure[.exe]
//!   falcon-exposure-<version>-<target>/README.md
//!   falcon-exposure-<version>-<target>/LICENSE* (those at the root)
//! target/dist/SHA256SUMS   "<hex>  <file name>" per archive
//! ```

use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};

const PACKAGE: &str = "falcon-exposure-cli";
const BINARY: &str = "falcon-exposure";

/// The usage line.
pub fn usage() -> &'static str {
    "cargo xtask dist"
}

/// The cargo profile of the archived binary: release, stripped of its
/// symbols (see the workspace's Cargo.toml).
const PROFILE: &str = "release-stripped";

/// Builds the release binary and writes the archive and its checksum.
pub fn run(root: &Path) -> ExitCode {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_owned());
    match dist(&root) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dist: {e}");
            ExitCode::FAILURE
        }
    }
}

fn dist(root: &Path) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let status = Command::new(&cargo)
        .current_dir(root)
        .args(["build", "--profile", PROFILE, "-p", PACKAGE])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "cargo build --profile {PROFILE} -p {PACKAGE} failed ({status})"
        ));
    }
    let version = version(&cargo, root)?;
    let target = host_target()?;
    let target_dir = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    };
    let exe = format!("{BINARY}{}", std::env::consts::EXE_SUFFIX);
    let binary = target_dir.join(PROFILE).join(&exe);
    if !binary.is_file() {
        return Err(format!("the build left no binary at {}", binary.display()));
    }

    let stem = format!("{BINARY}-{version}-{target}");
    let mut files: Vec<(PathBuf, String, u32)> = vec![(binary, exe, 0o755)];
    for name in root_documents(root)? {
        files.push((root.join(&name), name, 0o644));
    }
    let out_dir = target_dir.join("dist");
    fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let archive_name = format!("{stem}.tar.gz");
    let archive = out_dir.join(&archive_name);
    let bytes = tar_gz(&stem, &files)?;
    fs::write(&archive, &bytes).map_err(|e| format!("{}: {e}", archive.display()))?;
    println!("wrote {} ({} bytes)", archive.display(), bytes.len());
    let sums = out_dir.join("SHA256SUMS");
    write_sum(&sums, &archive_name, &bytes)?;
    println!("wrote {}", sums.display());
    Ok(())
}

/// The package's version, as cargo sees it (`cargo pkgid` ends with
/// `#<version>` or `#<name>@<version>`).
fn version(cargo: &OsString, root: &Path) -> Result<String, String> {
    let out = Command::new(cargo)
        .current_dir(root)
        .args(["pkgid", "-p", PACKAGE])
        .output()
        .map_err(|e| format!("cannot run cargo pkgid: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo pkgid -p {PACKAGE} failed ({})", out.status));
    }
    let id = String::from_utf8_lossy(&out.stdout);
    let tail = id.trim().rsplit('#').next().unwrap_or_default();
    let version = tail.rsplit('@').next().unwrap_or_default();
    if version.is_empty() || !version.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("cannot read the version in `{}`", id.trim()));
    }
    Ok(version.to_owned())
}

/// The host target triple, from `rustc -vV`.
fn host_target() -> Result<String, String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| OsString::from("rustc"));
    let out = Command::new(rustc)
        .arg("-vV")
        .output()
        .map_err(|e| format!("cannot run rustc -vV: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host:"))
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .ok_or_else(|| "rustc -vV printed no `host:` line".to_owned())
}

/// README.md and the license files at the root, sorted.
fn root_documents(root: &Path) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let entries = fs::read_dir(root).map_err(|e| format!("{}: {e}", root.display()))?;
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let upper = name.to_ascii_uppercase();
        let license = ["LICENSE", "LICENCE", "COPYING", "NOTICE"]
            .iter()
            .any(|p| upper.starts_with(p));
        if (name == "README.md" || license) && entry.path().is_file() {
            names.push(name);
        }
    }
    if !names.iter().any(|n| n == "README.md") {
        return Err(format!("no README.md in {}", root.display()));
    }
    names.sort();
    Ok(names)
}

/// A gzipped tar of `files` (path, name in the archive, mode) in the
/// folder `stem`. Entries have fixed owners and times (SOURCE_DATE_EPOCH
/// when set, else 0), so the same inputs give the same archive.
fn tar_gz(stem: &str, files: &[(PathBuf, String, u32)]) -> Result<Vec<u8>, String> {
    let mtime = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let header = |size: u64, mode: u32, kind: tar::EntryType| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(mode);
        h.set_mtime(mtime);
        h.set_uid(0);
        h.set_gid(0);
        h
    };
    let mut tar = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::best()));
    let mut dir = header(0, 0o755, tar::EntryType::Directory);
    tar.append_data(&mut dir, format!("{stem}/"), std::io::empty())
        .map_err(|e| format!("archive: {e}"))?;
    for (path, name, mode) in files {
        let data = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut h = header(data.len() as u64, *mode, tar::EntryType::Regular);
        tar.append_data(&mut h, format!("{stem}/{name}"), data.as_slice())
            .map_err(|e| format!("archive: {}: {e}", path.display()))?;
    }
    let gz = tar.into_inner().map_err(|e| format!("archive: {e}"))?;
    gz.finish().map_err(|e| format!("archive: {e}"))
}

/// Sets `name`'s line in the `SHA256SUMS` file at `path`, keeping the
/// other archives' lines (several targets may share `target/dist`).
fn write_sum(path: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let old = fs::read_to_string(path).unwrap_or_default();
    let mut lines: Vec<String> = old
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| l.split_once("  ").map(|(_, n)| n) != Some(name))
        .map(str::to_owned)
        .collect();
    lines.push(format!("{hex}  {name}"));
    lines.sort_by(|a, b| {
        a.split_once("  ")
            .map(|x| x.1)
            .cmp(&b.split_once("  ").map(|x| x.1))
    });
    let mut file = fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    for line in lines {
        writeln!(file, "{line}").map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
