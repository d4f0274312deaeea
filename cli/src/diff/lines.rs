//! JSON Lines, read one bounded line at a time: a line over the limit or
//! that is not JSON is an error naming the file and the line.

use std::io::{BufRead, Read};
use std::path::Path;

use serde_json::Value;

use crate::exit::Failure;

/// The longest line read: an asset is a few KiB; a longer line is a
/// damaged or foreign file, not an export.
pub const MAX_LINE: usize = 64 << 20;

/// The lines of one JSON Lines file.
pub struct Lines<'p, R> {
    reader: R,
    path: &'p Path,
    max: usize,
    number: u64,
    buf: Vec<u8>,
}

impl<'p, R: BufRead> Lines<'p, R> {
    /// The lines of `reader`, which reads `path` (named in errors), each at
    /// most `max` bytes.
    pub fn new(reader: R, path: &'p Path, max: usize) -> Self {
        Lines {
            reader,
            path,
            max,
            number: 0,
            buf: Vec::new(),
        }
    }

    /// `file: line N: why`.
    pub fn error(&self, why: impl std::fmt::Display) -> Failure {
        Failure::usage(format!(
            "{}: line {}: {why}",
            self.path.display(),
            self.number
        ))
    }

    /// The next non-blank line, parsed, with its number; `None` at the end.
    pub fn next_value(&mut self) -> Result<Option<Value>, Failure> {
        loop {
            self.buf.clear();
            let limit = u64::try_from(self.max)
                .unwrap_or(u64::MAX)
                .saturating_add(1);
            let read = (&mut self.reader)
                .take(limit)
                .read_until(b'\n', &mut self.buf)
                .map_err(Failure::io(format!(
                    "reading {} after line {}",
                    self.path.display(),
                    self.number
                )))?;
            if read == 0 {
                return Ok(None);
            }
            self.number += 1;
            if self.buf.last() == Some(&b'\n') {
                self.buf.pop();
            } else if self.buf.len() > self.max {
                return Err(self.error(format_args!(
                    "longer than {} MiB; this is not an export's line",
                    self.max >> 20
                )));
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return serde_json::from_slice(&self.buf)
                .map(Some)
                .map_err(|e| self.error(format_args!("not JSON ({e})")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &[u8], max: usize) -> Result<Vec<Value>, String> {
        let mut lines = Lines::new(text, Path::new("x.jsonl"), max);
        let mut out = Vec::new();
        while let Some(v) = lines.next_value().map_err(|e| e.to_string())? {
            out.push(v);
        }
        Ok(out)
    }

    #[test]
    fn lines_blank_lines_and_crlf_are_read() {
        let v = all(b"{\"a\":1}\r\n\n  \n{\"a\":2}", 100).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[1]["a"], 2);
    }

    #[test]
    fn a_bad_line_is_named() {
        let e = all(b"{}\n{\"a\":\n{}\n", 100).unwrap_err();
        assert!(e.starts_with("x.jsonl: line 2: not JSON"), "{e}");
        let e = all(b"{}\n\xff\xfe\n", 100).unwrap_err();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn a_line_over_the_limit_is_refused() {
        // Exactly the limit is fine, one byte more is not.
        assert!(all(b"\"1234567\"\n", 9).is_ok());
        let e = all(b"{}\n\"12345678\"\n", 9).unwrap_err();
        assert!(e.contains("line 2: longer than"), "{e}");
        let e = all(b"\"12345678\"", 9).unwrap_err();
        assert!(e.contains("line 1"), "{e}");
    }
}
