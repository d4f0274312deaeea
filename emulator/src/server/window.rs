//! The sliding minute every request budget is counted in: the per-CID
//! rate limits, the bad-token class and the background consumer's share.

/// A sliding one-minute window of request counts, in one-second buckets.
pub struct Window {
    counts: [u32; 60],
    stamps: [i64; 60],
}

impl Default for Window {
    fn default() -> Self {
        Window {
            counts: [0; 60],
            stamps: [i64::MIN; 60],
        }
    }
}

impl Window {
    /// Requests counted in the minute up to `now`.
    pub fn used(&self, now: i64) -> u32 {
        (0..60)
            .filter(|&i| self.stamps[i] > now - 60 && self.stamps[i] <= now)
            .map(|i| self.counts[i])
            .sum()
    }

    /// Counts one request at `now`.
    pub fn record(&mut self, now: i64) {
        let i = now.rem_euclid(60) as usize;
        if self.stamps[i] != now {
            self.stamps[i] = now;
            self.counts[i] = 0;
        }
        self.counts[i] += 1;
    }

    /// Epoch second at which the oldest counted request leaves the window.
    pub fn frees_at(&self, now: i64) -> i64 {
        (0..60)
            .filter(|&i| self.stamps[i] > now - 60 && self.counts[i] > 0)
            .map(|i| self.stamps[i] + 60)
            .min()
            .unwrap_or(now + 1)
    }
}
