//! Retry policy: how often and how long to retry, and how to slow down
//! ahead of throttling.

use std::time::{Duration, SystemTime};

/// How the client retries throttled and failed requests.
///
/// - A `429` waits until `X-RateLimit-RetryAfter` (or a backoff when the
///   header is absent) and is retried, for every operation: the API did not
///   act on the request.
/// - `500`, `502`, `503`, `504`, timeouts and connection errors (also
///   while the reply body is read) are retried
///   with exponential backoff and jitter for operations that are safe to
///   send twice (GET, DELETE, the read-only aggregate POST). Other writes
///   (PATCH) are retried only when the connection could not be opened,
///   unless [`RetryPolicy::retry_writes`] (or a request's own opt-in) says
///   otherwise.
/// - Attempts and the total time spent waiting are bounded; the final
///   error reports the number of attempts.
/// - When the last reply said few requests remain in the rate-limit window,
///   the next request is delayed a little so the client slows down before
///   it is throttled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_total_wait: Duration,
    pub(crate) retry_writes: bool,
    pub(crate) slow_down_below: u64,
    pub(crate) slow_down_delay: Duration,
}

impl Default for RetryPolicy {
    /// Five attempts, backoff from 500 ms doubling up to 30 s, at most two
    /// minutes of waiting in all, writes not retried, slowing down when ten
    /// or fewer requests remain in the window.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_total_wait: Duration::from_secs(120),
            retry_writes: false,
            slow_down_below: 10,
            slow_down_delay: Duration::from_millis(200),
        }
    }
}

impl RetryPolicy {
    /// A policy that sends each request once (401 renewal aside).
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Most times one request is sent, including the first (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// First backoff delay; each later one doubles, up to [`Self::max_backoff`].
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Longest single backoff delay.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// Most time one request may spend waiting between attempts, in all.
    /// A 429 whose `X-RateLimit-RetryAfter` lies beyond it fails at once.
    pub fn max_total_wait(mut self, d: Duration) -> Self {
        self.max_total_wait = d;
        self
    }

    /// Also retry non-idempotent writes (PATCH) after server errors and
    /// timeouts, when the request may already have reached the server.
    pub fn retry_writes(mut self, yes: bool) -> Self {
        self.retry_writes = yes;
        self
    }

    /// Delay the next request by `delay` when the last reply's
    /// `X-RateLimit-Remaining` was at most `below`, and by twice `delay`
    /// when it was at most half of it. `below = 0` turns this off.
    pub fn slow_down(mut self, below: u64, delay: Duration) -> Self {
        self.slow_down_below = below;
        self.slow_down_delay = delay;
        self
    }

    /// Backoff before attempt `attempt + 1` (attempt counts from 1):
    /// exponential, capped, with "equal jitter" (half fixed, half random)
    /// so that many clients do not retry in lockstep.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let full = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        let half = full / 2;
        let jitter_ms = half.as_millis().min(u64::MAX as u128) as u64;
        let jitter = if jitter_ms == 0 {
            Duration::ZERO
        } else {
            Duration::from_millis(fastrand::u64(0..=jitter_ms))
        };
        half + jitter
    }

    /// Delay before a request given the last `X-RateLimit-Remaining`.
    pub(crate) fn pace(&self, remaining: u64) -> Duration {
        if self.slow_down_below == 0 || remaining > self.slow_down_below {
            Duration::ZERO
        } else if remaining <= self.slow_down_below / 2 {
            self.slow_down_delay.saturating_mul(2)
        } else {
            self.slow_down_delay
        }
    }
}

/// How long to wait for a 429 whose reply says `retry_after`, measured
/// from `now`: until that time (rounded up by a little, since the header
/// has a one-second resolution), or `fallback` when the header is absent.
pub(crate) fn wait_for_429(
    retry_after: Option<SystemTime>,
    now: SystemTime,
    fallback: Duration,
) -> Duration {
    match retry_after {
        Some(at) => at
            .duration_since(now)
            .map(|d| d + Duration::from_millis(50))
            .unwrap_or(Duration::ZERO),
        None => fallback,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(1000));
        for _ in 0..50 {
            let b1 = p.backoff(1);
            assert!(b1 >= Duration::from_millis(50) && b1 <= Duration::from_millis(100));
            let b3 = p.backoff(3);
            assert!(b3 >= Duration::from_millis(200) && b3 <= Duration::from_millis(400));
            let b10 = p.backoff(10);
            assert!(b10 >= Duration::from_millis(500) && b10 <= Duration::from_millis(1000));
        }
        assert!(RetryPolicy::default().backoff(u32::MAX) <= Duration::from_secs(30));
    }

    #[test]
    fn retry_after_is_honoured_from_now() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_003);
        let w = wait_for_429(Some(at), now, Duration::from_secs(9));
        assert!(
            w >= Duration::from_secs(3) && w < Duration::from_secs(4),
            "{w:?}"
        );
        let past = SystemTime::UNIX_EPOCH + Duration::from_secs(10);
        assert_eq!(
            wait_for_429(Some(past), now, Duration::from_secs(9)),
            Duration::ZERO
        );
        assert_eq!(
            wait_for_429(None, now, Duration::from_secs(9)),
            Duration::from_secs(9)
        );
    }

    #[test]
    fn pacing_slows_down_as_the_budget_runs_low() {
        let p = RetryPolicy::default().slow_down(10, Duration::from_millis(100));
        assert_eq!(p.pace(500), Duration::ZERO);
        assert_eq!(p.pace(11), Duration::ZERO);
        assert_eq!(p.pace(10), Duration::from_millis(100));
        assert_eq!(p.pace(5), Duration::from_millis(200));
        assert_eq!(p.pace(0), Duration::from_millis(200));
        assert_eq!(
            RetryPolicy::default()
                .slow_down(0, Duration::from_secs(1))
                .pace(0),
            Duration::ZERO
        );
    }
}
