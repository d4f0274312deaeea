//! Assets encoded as rows of JSON Lines, CSV or Parquet.

use std::io::{self, BufWriter, Write};

use falcon_exposure::models::FemExternalAsset;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::export::columns::{self, Column};
use crate::export::meta::{Format, Rows};
use crate::export::sink::Sink;
use crate::output::csv_cell;

/// What a row holds.
#[derive(Debug, Clone)]
pub enum Layout {
    /// JSON Lines only: the whole asset as the model re-serialises it.
    WholeAsset,
    /// These columns, one row per asset or per service.
    Columns(Vec<Column>, Rows),
}

/// Writes rows to a [`Sink`] through a buffer.
pub struct Encoder {
    writer: Writer,
    layout: Layout,
}

enum Writer {
    Jsonl(BufWriter<Sink>),
    /// Boxed: the CSV writer's state is large, and there is one writer.
    Csv(Box<csv::Writer<Sink>>),
    /// Boxed: it holds a builder per column.
    Parquet(Box<crate::parquet::write::Writer<Sink>>),
}

impl Encoder {
    /// An encoder of `format` rows laid out as `layout` into `sink`.
    pub fn new(format: Format, layout: Layout, sink: Sink) -> io::Result<Encoder> {
        let writer = match (format, &layout) {
            (Format::Jsonl, _) => Writer::Jsonl(BufWriter::with_capacity(1 << 16, sink)),
            (Format::Csv, _) => Writer::Csv(Box::new(
                csv::WriterBuilder::new()
                    .has_headers(false)
                    .buffer_capacity(1 << 16)
                    .from_writer(sink),
            )),
            (Format::Parquet, Layout::Columns(columns, _)) => {
                let names = columns.iter().map(|c| c.name.as_str());
                Writer::Parquet(Box::new(crate::parquet::write::Writer::new(names, sink)?))
            }
            (Format::Parquet, Layout::WholeAsset) => {
                return Err(io::Error::other("Parquet is written in columns only"));
            }
        };
        Ok(Encoder { writer, layout })
    }

    /// Writes the CSV header row (nothing in JSON Lines).
    pub fn header(&mut self) -> io::Result<()> {
        if let (Writer::Csv(csv), Layout::Columns(columns, _)) = (&mut self.writer, &self.layout) {
            csv.write_record(columns.iter().map(|c| c.name.as_str()))?;
        }
        Ok(())
    }

    /// Writes the rows of `asset`, exported from member `cid` if any.
    pub fn asset(&mut self, asset: &mut FemExternalAsset, cid: Option<&str>) -> io::Result<()> {
        let (columns, rows) = match &self.layout {
            Layout::WholeAsset => {
                if let Some(cid) = cid {
                    asset.cid.get_or_insert_with(|| cid.into());
                }
                let Writer::Jsonl(out) = &mut self.writer else {
                    return Err(io::Error::other(
                        "whole assets are written as JSON Lines only",
                    ));
                };
                serde_json::to_writer(&mut *out, asset)?;
                return out.write_all(b"\n");
            }
            Layout::Columns(columns, rows) => (columns, *rows),
        };
        let value = serde_json::to_value(&*asset)?;
        let services = match rows {
            Rows::Assets => Vec::new(),
            Rows::Services => columns::services(&value),
        };
        let rows: Vec<Option<columns::Service<'_>>> = if services.is_empty() {
            vec![None]
        } else {
            services.into_iter().map(Some).collect()
        };
        for service in rows {
            let values: Vec<Value> = columns
                .iter()
                .map(|c| c.value(&value, service, cid))
                .collect();
            match &mut self.writer {
                Writer::Jsonl(out) => {
                    serde_json::to_writer(
                        &mut *out,
                        &Object {
                            columns,
                            values: &values,
                        },
                    )?;
                    out.write_all(b"\n")?;
                }
                Writer::Csv(out) => out.write_record(values.iter().map(cell))?,
                Writer::Parquet(out) => out.row(&values)?,
            }
        }
        Ok(())
    }

    /// Pushes the buffered rows to the sink. Parquet keeps its rows until
    /// a row group is full: a flush would cut groups short.
    pub fn flush(&mut self) -> io::Result<()> {
        match &mut self.writer {
            Writer::Jsonl(out) => out.flush(),
            Writer::Csv(out) => out.flush(),
            Writer::Parquet(_) => Ok(()),
        }
    }

    /// The sink (its byte count covers what was flushed).
    pub fn sink(&self) -> &Sink {
        match &self.writer {
            Writer::Jsonl(out) => out.get_ref(),
            Writer::Csv(out) => out.get_ref(),
            Writer::Parquet(out) => out.get_ref(),
        }
    }

    /// Cuts the output back to `len` bytes, as [`Sink::cut`]; false when
    /// that cannot be done: on stdout, and in Parquet, whose rows handed
    /// to the writer cannot be taken back (they stay, and the output's
    /// metadata says the export did not finish).
    pub fn cut(&self, len: u64) -> io::Result<bool> {
        match &self.writer {
            Writer::Parquet(_) => Ok(false),
            _ => self.sink().cut(len),
        }
    }

    /// Completes the output (Parquet's footer) and gives back the sink.
    pub fn finish(self) -> io::Result<Sink> {
        match self.writer {
            Writer::Jsonl(out) => out.into_inner().map_err(io::IntoInnerError::into_error),
            Writer::Csv(out) => out.into_inner().map_err(|e| e.into_error()),
            Writer::Parquet(out) => {
                let (sink, mismatches) = out.finish()?;
                for m in mismatches {
                    tracing::warn!(
                        "{} value(s) of column {} were not {} and were written as null",
                        m.count,
                        crate::output::terminal(&m.column),
                        m.expected
                    );
                }
                Ok(sink)
            }
        }
    }
}

/// A JSON Lines row of columns: an object keyed by the column names, in
/// their order.
struct Object<'a> {
    columns: &'a [Column],
    values: &'a [Value],
}

impl Serialize for Object<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.columns.len()))?;
        for (c, v) in self.columns.iter().zip(self.values) {
            map.serialize_entry(&c.name, v)?;
        }
        map.end()
    }
}

/// A CSV cell: empty for null, lists joined with `;`, objects as JSON,
/// and text that a spreadsheet would run as a formula neutralised.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => csv_cell(s).into_owned(),
        Value::Array(items) => {
            let joined: Vec<String> = items.iter().map(plain).collect();
            csv_cell(&joined.join(";")).into_owned()
        }
        Value::Object(_) => csv_cell(&value.to_string()).into_owned(),
    }
}

/// One element of a list cell, before the cell is neutralised.
fn plain(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_join_lists_and_neutralise_formulas() {
        assert_eq!(cell(&Value::Null), "");
        assert_eq!(cell(&json!(-5)), "-5");
        assert_eq!(cell(&json!(true)), "true");
        assert_eq!(cell(&json!("=HYPERLINK(\"x\")")), "'=HYPERLINK(\"x\")");
        assert_eq!(cell(&json!([80, 443])), "80;443");
        assert_eq!(cell(&json!(["@x", "y"])), "'@x;y");
        assert_eq!(cell(&json!({"a": 1})), "{\"a\":1}");
    }
}
