//! Rows written as Parquet: each column's values gathered in an Arrow
//! builder of its type, a record batch every [`BATCH_ROWS`] rows, row
//! groups of at most [`GROUP_ROWS`] rows (so memory stays bounded),
//! Snappy-compressed.

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Int64Builder, ListBuilder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::parquet::schema::{self, ColumnType, Kind, UTC};

/// Rows gathered before they are handed to the Parquet writer.
const BATCH_ROWS: usize = 8 * 1024;
/// Rows of one row group: the writer holds a group's encoded pages in
/// memory until it is complete.
const GROUP_ROWS: usize = 64 * 1024;

/// A Parquet file being written to `W`.
pub struct Writer<W: Write + Send> {
    schema: SchemaRef,
    builders: Vec<Box<dyn Put>>,
    rows: usize,
    out: ArrowWriter<W>,
    /// Per column: values not of its type, written as null.
    mismatched: Vec<u64>,
}

/// A column whose values were not all of its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub column: String,
    pub expected: &'static str,
    pub count: u64,
}

impl<W: Write + Send> Writer<W> {
    /// A writer of columns `names` to `out` (the file's leading magic
    /// bytes are written now).
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>, out: W) -> std::io::Result<Self> {
        let schema = Arc::new(schema::schema(names));
        let builders: Vec<Box<dyn Put>> = schema
            .fields()
            .iter()
            .map(|f| builder(schema::column_type(f.name())))
            .collect();
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(GROUP_ROWS))
            .set_created_by(crate::export::meta::tool())
            .build();
        let out = ArrowWriter::try_new(out, schema.clone(), Some(properties)).map_err(io)?;
        Ok(Writer {
            mismatched: vec![0; builders.len()],
            schema,
            builders,
            rows: 0,
            out,
        })
    }

    /// Adds one row: `values` in the columns' order.
    pub fn row(&mut self, values: &[Value]) -> std::io::Result<()> {
        for ((builder, value), bad) in self
            .builders
            .iter_mut()
            .zip(values)
            .zip(&mut self.mismatched)
        {
            if !builder.put(value) {
                *bad += 1;
            }
        }
        self.rows += 1;
        if self.rows >= BATCH_ROWS {
            self.write_batch()?;
        }
        Ok(())
    }

    fn write_batch(&mut self) -> std::io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self.builders.iter_mut().map(|b| b.finish()).collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| io(e.into()))?;
        self.rows = 0;
        self.out.write(&batch).map_err(io)
    }

    /// The output (what the Parquet writer has passed on to it).
    pub fn get_ref(&self) -> &W {
        self.out.inner()
    }

    /// Writes the last rows and the footer, and gives back the output and
    /// the columns some of whose values were not of their type.
    pub fn finish(mut self) -> std::io::Result<(W, Vec<Mismatch>)> {
        self.write_batch()?;
        let mismatches = self
            .schema
            .fields()
            .iter()
            .zip(&self.mismatched)
            .filter(|(_, n)| **n > 0)
            .map(|(f, n)| Mismatch {
                column: f.name().clone(),
                expected: kind_name(schema::column_type(f.name()).kind),
                count: *n,
            })
            .collect();
        let out = self.out.into_inner().map_err(io)?;
        Ok((out, mismatches))
    }
}

fn io(e: ParquetError) -> std::io::Error {
    match e {
        ParquetError::External(e) => match e.downcast::<std::io::Error>() {
            Ok(e) => *e,
            Err(e) => std::io::Error::other(e),
        },
        e => std::io::Error::other(e),
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Text => "text",
        Kind::Integer => "an integer",
        Kind::Boolean => "a boolean",
        Kind::Timestamp => "an RFC 3339 time",
    }
}

/// A builder for a column of type `t`.
fn builder(t: ColumnType) -> Box<dyn Put> {
    let timestamps = || TimestampMicrosecondBuilder::new().with_timezone(UTC);
    fn list<B: Put>(items: B, t: ColumnType) -> Box<dyn Put> {
        let item = ColumnType { list: false, ..t }.data_type();
        Box::new(ListBuilder::new(items).with_field(Field::new_list_field(item, true)))
    }
    match (t.kind, t.list) {
        (Kind::Text, false) => Box::new(StringBuilder::new()),
        (Kind::Integer, false) => Box::new(Int64Builder::new()),
        (Kind::Boolean, false) => Box::new(BooleanBuilder::new()),
        (Kind::Timestamp, false) => Box::new(timestamps()),
        (Kind::Text, true) => list(StringBuilder::new(), t),
        (Kind::Integer, true) => list(Int64Builder::new(), t),
        (Kind::Boolean, true) => list(BooleanBuilder::new(), t),
        (Kind::Timestamp, true) => list(timestamps(), t),
    }
}

/// A builder that takes JSON values of an export column.
trait Put: ArrayBuilder {
    /// Appends `value`; false when it was not of the column's type and a
    /// null was appended instead.
    fn put(&mut self, value: &Value) -> bool;
}

impl Put for StringBuilder {
    fn put(&mut self, value: &Value) -> bool {
        self.append_option(text(value));
        true
    }
}

impl Put for Int64Builder {
    fn put(&mut self, value: &Value) -> bool {
        let n = match value {
            Value::Number(n) => n.as_i64(),
            // The API sends some numbers as strings.
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        self.append_option(n);
        n.is_some() || value.is_null()
    }
}

impl Put for BooleanBuilder {
    fn put(&mut self, value: &Value) -> bool {
        let b = match value {
            Value::Bool(b) => Some(*b),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        self.append_option(b);
        b.is_some() || value.is_null()
    }
}

impl Put for TimestampMicrosecondBuilder {
    fn put(&mut self, value: &Value) -> bool {
        let micros = value.as_str().and_then(micros);
        self.append_option(micros);
        micros.is_some() || value.is_null()
    }
}

impl<B: Put> Put for ListBuilder<B> {
    fn put(&mut self, value: &Value) -> bool {
        match value {
            Value::Null => {
                self.append(false);
                true
            }
            Value::Array(items) => {
                // Every item is appended, fitting or not: no short cut.
                let fitting = items.iter().filter(|v| self.values().put(v)).count();
                let all = fitting == items.len();
                self.append(true);
                all
            }
            // A single value where the model has a list: a list of one.
            one => {
                let ok = self.values().put(one);
                self.append(true);
                ok
            }
        }
    }
}

/// A value as text: strings as they are, a list's items joined with `, `
/// (as `diff` reads a list), other values as JSON.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(items.iter().filter_map(text).collect::<Vec<_>>().join(", ")),
        other => Some(other.to_string()),
    }
}

/// An RFC 3339 time as microseconds since the epoch.
fn micros(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s.trim(), &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_take_their_column_types_and_count_what_does_not_fit() {
        let mut w = Writer::new(
            ["id", "first_seen", "ip.services.port", "confidence"],
            Vec::new(),
        )
        .unwrap();
        w.row(&[
            json!("a"),
            json!("2025-01-02T03:04:05.5Z"),
            json!([80, "443", "x"]),
            json!(3),
        ])
        .unwrap();
        w.row(&[
            json!(["b", "c"]),
            json!("yesterday"),
            json!(22),
            Value::Null,
        ])
        .unwrap();
        let (bytes, mismatches) = w.finish().unwrap();
        assert_eq!(&bytes[..4], b"PAR1");
        let names: Vec<(&str, u64)> = mismatches
            .iter()
            .map(|m| (m.column.as_str(), m.count))
            .collect();
        assert_eq!(names, [("first_seen", 1), ("ip.services.port", 1)]);
        assert_eq!(micros("1970-01-01T00:00:01.000002Z"), Some(1_000_002));
        assert_eq!(micros("2025-01-02"), None);
    }
}
