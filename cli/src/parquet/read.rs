//! A Parquet export read back row by row as JSON objects keyed by column
//! name, the form of a JSON Lines `--fields` row, so that `diff` reads
//! both formats through one path.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::exit::Failure;

/// The first bytes of every Parquet file.
const MAGIC: &[u8; 4] = b"PAR1";

/// Rows decoded at a time.
const BATCH_ROWS: usize = 4 * 1024;

/// Whether the file at `path` starts as a Parquet file does.
pub fn is_parquet(path: &Path) -> Result<bool, Failure> {
    let mut head = [0u8; 4];
    let mut file = File::open(path).map_err(Failure::io(format!("opening {}", path.display())))?;
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..]) {
            Ok(0) => return Ok(false),
            Ok(n) => read += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Failure::io(format!("reading {}", path.display()))(e)),
        }
    }
    Ok(&head == MAGIC)
}

/// Calls `f` with each row of the Parquet file at `path`; an error of
/// `f`'s or of the file's names the file and the row.
pub fn each_row(
    path: &Path,
    mut f: impl FnMut(Value) -> Result<(), String>,
) -> Result<(), Failure> {
    let shown = path.display();
    let bad = |why: String| {
        Failure::usage(format!(
            "{shown}: {why}; it is not a Parquet export of this tool"
        ))
    };
    let file = File::open(path).map_err(Failure::io(format!("opening {shown}")))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.with_batch_size(BATCH_ROWS).build())
        .map_err(|e| bad(e.to_string()))?;
    let mut number = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| bad(format!("after row {number}: {e}")))?;
        for row in 0..batch.num_rows() {
            number += 1;
            let at = |why: String| Failure::usage(format!("{shown}: row {number}: {why}"));
            f(object(&batch, row).map_err(at)?).map_err(at)?;
        }
    }
    Ok(())
}

/// Row `row` of `batch` as an object of its columns.
fn object(batch: &RecordBatch, row: usize) -> Result<Value, String> {
    let mut out = Map::with_capacity(batch.num_columns());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        let value = value(column.as_ref(), row)
            .map_err(|why| format!("column `{}`: {why}", crate::output::terminal(field.name())))?;
        out.insert(field.name().clone(), value);
    }
    Ok(Value::Object(out))
}

/// The value at `row` of `array`, for the types this tool writes (and
/// the common variants of them other writers use).
fn value(array: &dyn Array, row: usize) -> Result<Value, String> {
    if array.is_null(row) {
        return Ok(Value::Null);
    }
    Ok(match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().value(row).into(),
        DataType::LargeUtf8 => array.as_string::<i64>().value(row).into(),
        DataType::Utf8View => array.as_string_view().value(row).into(),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(row).into(),
        DataType::Int32 => array.as_primitive::<Int32Type>().value(row).into(),
        DataType::Boolean => array.as_boolean().value(row).into(),
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            rfc3339(array.as_primitive::<TimestampMicrosecondType>().value(row))?.into()
        }
        DataType::List(_) => {
            let items = array.as_list::<i32>().value(row);
            (0..items.len())
                .map(|i| value(items.as_ref(), i))
                .collect::<Result<Vec<_>, _>>()?
                .into()
        }
        other => return Err(format!("type {other}, which this tool does not write")),
    })
}

/// Microseconds since the epoch as RFC 3339, UTC.
fn rfc3339(micros: i64) -> Result<String, String> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .ok_or_else(|| format!("time {micros} µs is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parquet::write::Writer;
    use serde_json::json;

    #[test]
    fn rows_read_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.parquet");
        let file = File::create(&path).unwrap();
        let mut w = Writer::new(["id", "last_seen", "ip.services.port"], file).unwrap();
        w.row(&[json!("a"), json!("2025-01-02T03:04:05Z"), json!([80, 443])])
            .unwrap();
        w.row(&[json!("b"), Value::Null, Value::Null]).unwrap();
        w.finish().unwrap();
        assert!(is_parquet(&path).unwrap());
        let mut rows = Vec::new();
        each_row(&path, |v| {
            rows.push(v);
            Ok(())
        })
        .unwrap();
        assert_eq!(
            rows,
            [
                json!({"id": "a", "last_seen": "2025-01-02T03:04:05Z", "ip.services.port": [80, 443]}),
                json!({"id": "b", "last_seen": null, "ip.services.port": null}),
            ]
        );
        let err = each_row(&path, |_| Err("no id".into())).unwrap_err();
        assert!(
            err.to_string().ends_with("x.parquet: row 1: no id"),
            "{err}"
        );
    }

    #[test]
    fn a_file_that_is_not_parquet_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.parquet");
        std::fs::write(&path, b"PAR1 but not really").unwrap();
        assert!(is_parquet(&path).unwrap());
        let err = each_row(&path, |_| Ok(())).unwrap_err().to_string();
        assert!(err.contains("not a Parquet export"), "{err}");
        std::fs::write(&path, b"{}").unwrap();
        assert!(!is_parquet(&path).unwrap());
    }
}
