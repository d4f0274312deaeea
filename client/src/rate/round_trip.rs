//! What the send loop learns about the path to the API, for the bulk
//! streams' in-flight limits: the smoothed round-trip time of its
//! attempts (wire time only: see the [module docs](super#requests-in-flight))
//! and a count of overload signals.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Weight of a new sample in the smoothed round trip: 1/8, as TCP's
/// SRTT (RFC 6298), which follows a lasting change within a dozen samples
/// and smooths out a single slow reply.
const GAIN_DIVISOR: u64 = 8;
/// Longest round trip believed; a longer sample is taken as this. Keeps
/// every product of the in-flight computation in range.
const MAX_SAMPLE: Duration = Duration::from_secs(600);

/// A client's smoothed round trip and overload count, shared by its clones.
#[derive(Debug, Default)]
pub(crate) struct RoundTrip {
    /// Smoothed round trip in microseconds; 0 before the first sample.
    srtt_micros: AtomicU64,
    /// Overload signals seen so far: 429s, 5xx replies, timeouts and lost
    /// connections.
    overloads: AtomicU64,
}

impl RoundTrip {
    /// Adds a round-trip sample to the smoothed round trip.
    pub(crate) fn sample(&self, rtt: Duration) {
        let us = u64::try_from(rtt.min(MAX_SAMPLE).as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        // The closure is pure: `fetch_update` retries it on a race.
        let _ = self
            .srtt_micros
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                Some(smooth(old, us))
            });
    }

    /// The smoothed round trip; `None` before the first sample.
    pub(crate) fn srtt(&self) -> Option<Duration> {
        match self.srtt_micros.load(Ordering::Relaxed) {
            0 => None,
            us => Some(Duration::from_micros(us)),
        }
    }

    /// Counts an overload signal.
    pub(crate) fn overload(&self) {
        self.overloads.fetch_add(1, Ordering::Relaxed);
    }

    /// Overload signals so far: an in-flight limit compares the count at
    /// the start and at the end of a request.
    pub(crate) fn overloads(&self) -> u64 {
        self.overloads.load(Ordering::Relaxed)
    }
}

/// `old + (new - old) / 8`, with the first sample taken as is. Both are
/// at most [`MAX_SAMPLE`] in microseconds, so nothing overflows, and the
/// result is never 0 (which stands for "no sample").
fn smooth(old: u64, new: u64) -> u64 {
    if old == 0 {
        return new;
    }
    let next = if new >= old {
        old + (new - old) / GAIN_DIVISOR
    } else {
        old - (old - new) / GAIN_DIVISOR
    };
    next.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_sample_is_taken_then_an_eighth_of_each_change() {
        let s = RoundTrip::default();
        assert_eq!(s.srtt(), None);
        s.sample(Duration::from_millis(100));
        assert_eq!(s.srtt(), Some(Duration::from_millis(100)));
        s.sample(Duration::from_millis(900));
        assert_eq!(s.srtt(), Some(Duration::from_millis(200)));
        s.sample(Duration::from_millis(200));
        assert_eq!(s.srtt(), Some(Duration::from_millis(200)));
        s.sample(Duration::from_millis(100));
        assert_eq!(s.srtt(), Some(Duration::from_micros(187_500)));
        // A zero sample counts as the smallest one, never as "none".
        s.sample(Duration::ZERO);
        assert!(s.srtt().is_some());
    }

    #[test]
    fn a_lasting_change_is_followed() {
        let s = RoundTrip::default();
        s.sample(Duration::from_millis(20));
        for _ in 0..40 {
            s.sample(Duration::from_secs(1));
        }
        let srtt = s.srtt().unwrap();
        assert!(srtt > Duration::from_millis(990) && srtt <= Duration::from_secs(1));
    }

    #[test]
    fn huge_samples_are_bounded() {
        let s = RoundTrip::default();
        s.sample(Duration::MAX);
        assert_eq!(s.srtt(), Some(MAX_SAMPLE));
        s.sample(Duration::MAX);
        assert_eq!(s.srtt(), Some(MAX_SAMPLE));
    }

    #[test]
    fn overloads_are_counted() {
        let s = RoundTrip::default();
        s.overload();
        s.overload();
        assert_eq!(s.overloads(), 2);
    }
}
