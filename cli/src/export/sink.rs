//! Where the encoded rows go: stdout, or a file whose length is known at
//! every flush, so that the state can record it and a failed account can
//! be cut back to it.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The output under the encoder's buffer. Its queries take `&self` because
/// the CSV writer that owns it only lends it that way; the atomics are
/// for that, not for threads.
#[derive(Debug)]
pub struct Sink {
    dest: Dest,
    /// Bytes in the output: written so far, less any cut.
    bytes: AtomicU64,
    /// Whoever read stdout went away (`| head`): the rest is dropped.
    closed: AtomicBool,
}

#[derive(Debug)]
enum Dest {
    Stdout(io::Stdout),
    File(File),
}

impl Sink {
    /// Standard output.
    pub fn stdout() -> Sink {
        Sink {
            dest: Dest::Stdout(io::stdout()),
            bytes: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        }
    }

    /// `file`, `len` bytes long, written from its end.
    pub fn file(mut file: File, len: u64) -> io::Result<Sink> {
        file.seek(SeekFrom::End(0))?;
        Ok(Sink {
            dest: Dest::File(file),
            bytes: AtomicU64::new(len),
            closed: AtomicBool::new(false),
        })
    }

    /// Bytes in the output (those still in the encoder's buffer aside).
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Whether stdout's reader went away.
    pub fn closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    /// Makes what was written durable (a file's data on disk).
    pub fn sync(&self) -> io::Result<()> {
        match &self.dest {
            Dest::Stdout(_) => Ok(()),
            Dest::File(file) => file.sync_data(),
        }
    }

    /// Cuts a file back to `len` bytes and writes on from there. Whatever
    /// went to stdout stays there: false then.
    pub fn cut(&self, len: u64) -> io::Result<bool> {
        match &self.dest {
            Dest::Stdout(_) => Ok(false),
            Dest::File(file) => {
                file.set_len(len)?;
                let mut file = file;
                file.seek(SeekFrom::End(0))?;
                self.bytes.store(len, Ordering::Relaxed);
                Ok(true)
            }
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed() {
            return Ok(buf.len());
        }
        let written = match &mut self.dest {
            Dest::Stdout(out) => match out.write(buf) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                    self.closed.store(true, Ordering::Relaxed);
                    return Ok(buf.len());
                }
                other => other?,
            },
            Dest::File(file) => file.write(buf)?,
        };
        self.bytes.fetch_add(written as u64, Ordering::Relaxed);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.dest {
            Dest::Stdout(out) => match out.flush() {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                    self.closed.store(true, Ordering::Relaxed);
                    Ok(())
                }
                other => other,
            },
            Dest::File(file) => file.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_sink_counts_its_bytes_and_cuts_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        std::fs::write(&path, b"head\n").unwrap();
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        let mut sink = Sink::file(file, 5).unwrap();
        sink.write_all(b"one\ntwo\n").unwrap();
        assert_eq!(sink.bytes(), 13);
        assert!(sink.cut(9).unwrap());
        sink.write_all(b"three\n").unwrap();
        sink.flush().unwrap();
        sink.sync().unwrap();
        assert_eq!(sink.bytes(), 15);
        assert_eq!(std::fs::read(&path).unwrap(), b"head\none\nthree\n");
    }
}
