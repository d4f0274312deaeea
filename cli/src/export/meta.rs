//! The metadata file beside an export, `OUT.meta.json`: what was exported,
//! when, and whether it is complete. A sidecar rather than a header keeps
//! the JSON Lines and CSV files pure, readable by any tool. `diff` reads it.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::exit::Failure;
use crate::export::atomic;

/// The version of the metadata format written; `read` refuses others.
pub const SCHEMA_VERSION: u32 = 1;

/// Largest metadata file read: a real one is a few hundred bytes.
const MAX_LEN: u64 = 1 << 20;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JSON Lines: one JSON object per line.
    Jsonl,
    /// CSV with a header row.
    Csv,
    /// Parquet: typed columns (times, integers, lists), Snappy-compressed.
    Parquet,
}

/// What one row of the output is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Rows {
    /// One row per asset.
    Assets,
    /// One row per service of an asset (`ip.services[]` and
    /// `dns_domain.services[]`), with its asset's columns.
    Services,
}

/// Fewer assets came than the API announced (`Error::Incomplete`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incomplete {
    /// The API's last total.
    pub expected: u64,
    /// Distinct assets received.
    pub received: u64,
}

/// `OUT.meta.json`. The field names are a contract with `diff` and
/// anyone's scripts: keep them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `falcon-exposure <version>`.
    pub tool: String,
    /// The output's format.
    pub format: Format,
    /// What a row is.
    pub rows: Rows,
    /// The FQL filter, `None` for every asset.
    pub filter: Option<String>,
    /// The member CIDs exported (`--cid`), empty for the credentials' own.
    pub cids: Vec<String>,
    /// The `--fields` columns, `None` for the default ones (or, in JSON
    /// Lines of assets, the whole asset).
    pub fields: Option<Vec<String>>,
    /// When the export started (RFC 3339, UTC); a resumed export keeps its
    /// first run's.
    pub started_at: String,
    /// When it finished, `None` until then.
    pub finished_at: Option<String>,
    /// Every account was exported to its end. False while the export runs,
    /// after an interruption, and when a `--cid` failed.
    pub finished: bool,
    /// Assets in the output (not rows: with `--rows services` an asset may
    /// be several rows).
    pub assets: u64,
    /// Set when the API announced more assets than it sent.
    pub incomplete: Option<Incomplete>,
}

/// The metadata file of the export `out`: `OUT.meta.json` beside it.
pub fn path_for(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".meta.json");
    out.with_file_name(name)
}

/// Why a metadata file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Opening or reading the file failed (`NotFound` when there is none).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Larger than [`MAX_LEN`]: not a metadata file.
    #[error("larger than {MAX_LEN} bytes, so not an export metadata file")]
    TooLarge,
    /// Not JSON, or not this format.
    #[error(
        "not an export metadata file of this tool ({0}); it is written by `falcon-exposure export --out`"
    )]
    Invalid(#[source] serde_json::Error),
    /// Another [`SCHEMA_VERSION`], whose members may mean other things.
    #[error(
        "metadata schema version {0}, this falcon-exposure reads version {SCHEMA_VERSION}; \
         use the falcon-exposure version that wrote it"
    )]
    Version(u64),
}

/// Reads the metadata file at `path` (see [`path_for`]): at most
/// [`MAX_LEN`] bytes, every member present, this [`SCHEMA_VERSION`] only.
pub fn load(path: &Path) -> Result<Meta, ReadError> {
    let mut text = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_LEN + 1)
        .read_to_end(&mut text)?;
    if text.len() as u64 > MAX_LEN {
        return Err(ReadError::TooLarge);
    }
    let value: serde_json::Value = serde_json::from_slice(&text).map_err(ReadError::Invalid)?;
    // The version first: another version's members may not parse as these.
    let version = value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64);
    match version {
        Some(v) if v != u64::from(SCHEMA_VERSION) => Err(ReadError::Version(v)),
        _ => serde_json::from_value(value).map_err(ReadError::Invalid),
    }
}

/// [`load`], failing with a [`Failure`] that names `path`.
pub fn read(path: &Path) -> Result<Meta, Failure> {
    load(path).map_err(|e| match e {
        ReadError::Io(source) => Failure::io(format!("reading {}", path.display()))(source),
        e => Failure::usage(format!("{}: {e}", path.display())),
    })
}

/// Writes `meta` to `path` atomically.
pub(super) fn write(path: &Path, meta: &Meta) -> Result<(), Failure> {
    atomic::write(path, &encode(meta))
}

/// `meta` as the file holds it: pretty JSON and a newline.
pub(super) fn encode(meta: &Meta) -> Vec<u8> {
    // Plain strings, numbers and lists: encoding cannot fail.
    let mut text = serde_json::to_vec_pretty(meta).unwrap_or_default();
    text.push(b'\n');
    text
}

/// The tool's name and version, as recorded in the files it writes.
pub fn tool() -> String {
    format!("falcon-exposure {}", env!("CARGO_PKG_VERSION"))
}

/// Now, in RFC 3339 UTC to the second.
pub fn now() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metadata_path_is_beside_the_output() {
        assert_eq!(
            path_for(Path::new("dir/assets.jsonl")),
            Path::new("dir/assets.jsonl.meta.json")
        );
        assert_eq!(
            path_for(Path::new("assets.csv")),
            Path::new("assets.csv.meta.json")
        );
    }

    fn sample() -> Meta {
        Meta {
            schema_version: SCHEMA_VERSION,
            tool: tool(),
            format: Format::Csv,
            rows: Rows::Services,
            filter: Some("asset_type:'ip'".into()),
            cids: vec!["abc".into()],
            fields: None,
            started_at: now(),
            finished_at: None,
            finished: false,
            assets: 3,
            incomplete: Some(Incomplete {
                expected: 5,
                received: 3,
            }),
        }
    }

    #[test]
    fn the_metadata_round_trips_with_the_contract_names() {
        let meta = sample();
        let value = serde_json::to_value(&meta).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = vec![
            "schema_version",
            "tool",
            "format",
            "rows",
            "filter",
            "cids",
            "fields",
            "started_at",
            "finished_at",
            "finished",
            "assets",
            "incomplete",
        ];
        expected.sort_unstable();
        assert_eq!(keys, expected);
        assert_eq!(value["format"], "csv");
        assert_eq!(value["rows"], "services");
        assert_eq!(value["incomplete"]["expected"], 5);
        let back: Meta = serde_json::from_value(value).unwrap();
        assert_eq!(back, meta);
        assert!(meta.started_at.ends_with('Z'), "{}", meta.started_at);
    }

    #[test]
    fn load_tells_why_a_file_is_not_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl.meta.json");
        assert!(
            matches!(load(&path), Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound)
        );

        write(&path, &sample()).unwrap();
        assert_eq!(load(&path).unwrap(), sample());

        let mut value = serde_json::to_value(sample()).unwrap();
        value["schema_version"] = 2.into();
        // A newer version is named as such even when its members changed.
        value["assets"] = "many".into();
        std::fs::write(&path, value.to_string()).unwrap();
        assert!(matches!(load(&path), Err(ReadError::Version(2))));
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("schema version 2"), "{err}");

        let mut value = serde_json::to_value(sample()).unwrap();
        value.as_object_mut().unwrap().remove("finished");
        std::fs::write(&path, value.to_string()).unwrap();
        assert!(matches!(load(&path), Err(ReadError::Invalid(_))));

        std::fs::write(&path, "{").unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("not an export metadata file"), "{err}");

        std::fs::write(&path, vec![b' '; MAX_LEN as usize + 1]).unwrap();
        assert!(matches!(load(&path), Err(ReadError::TooLarge)));
    }
}
