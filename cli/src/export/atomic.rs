//! Files replaced whole: written to a temporary file in the same directory,
//! synced, then renamed over their path, so a reader (or a crash) sees the
//! old file or the new one, never half of one.

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;

use tempfile::NamedTempFile;

use crate::exit::Failure;

/// Replaces the file at `path` with `bytes`.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    persist(prepare(path, bytes)?, path)
}

/// `bytes` in a synced temporary file beside `path`, for [`persist`]:
/// what can fail is done before anything is replaced.
pub fn prepare(path: &Path, bytes: &[u8]) -> Result<NamedTempFile, Failure> {
    let mut file = temporary_beside(path)?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_data())
        .map_err(Failure::io(format!("writing {}", path.display())))?;
    Ok(file)
}

/// Renames `file` over `path` (removing `file` if that fails).
pub fn persist(file: NamedTempFile, path: &Path) -> Result<(), Failure> {
    file.persist(path)
        .map_err(|e| Failure::io(format!("replacing {}", path.display()))(e.error))?;
    Ok(())
}

/// A new temporary file in `path`'s directory, named after it and hidden
/// (`.NAME.XXXXXX.tmp`); deleted when dropped unless persisted.
pub fn temporary_beside(path: &Path) -> Result<NamedTempFile, Failure> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut prefix = OsString::from(".");
    prefix.push(path.file_name().unwrap_or_default());
    prefix.push(".");
    tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(Failure::io(format!(
            "creating a temporary file in {} (for {})",
            dir.display(),
            path.display()
        )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_whole_and_no_temporary_file_stays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        write(&path, b"first").unwrap();
        write(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![OsString::from("state.json")]);
    }
}
