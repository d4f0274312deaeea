//! Fresh identifiers the server hands out: trace ids and bearer tokens.

use crate::rng::Rng;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A source of identifiers that differ between requests and between runs
/// (its counter starts at the clock).
pub struct FreshIds {
    seq: AtomicU64,
}

impl Default for FreshIds {
    fn default() -> Self {
        FreshIds {
            seq: AtomicU64::new(now_nanos()),
        }
    }
}

impl FreshIds {
    fn mix(&self) -> u64 {
        Rng::new(self.seq.fetch_add(1, Relaxed)).next_u64()
    }

    /// A fresh trace id, in UUID v4 form.
    pub fn trace_id(&self) -> String {
        let a = self.mix();
        let b = self.mix();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xFFFF,
            a & 0xFFF,
            0x8000 | (b >> 48) & 0x3FFF,
            b & 0xFFFF_FFFF_FFFF
        )
    }

    /// A fresh bearer token: 64 hex digits.
    pub fn token(&self) -> String {
        format!(
            "{:016x}{:016x}{:016x}{:016x}",
            self.mix(),
            self.mix(),
            self.mix(),
            self.mix()
        )
    }
}

fn now_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}
