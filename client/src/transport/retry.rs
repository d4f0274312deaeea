//! Retry policy: how often and how long to retry, the slow-down settings
//! ahead of throttling (carried out by the `rate` module), and the one
//! decision taken after every attempt: send again (after renewing the
//! token, a 429 cooldown or a backoff) or stop.

use std::time::{Duration, SystemTime};

use http::StatusCode;

pub(crate) use crate::error::Failure;
use crate::model::response::RateLimit;

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
/// - When the last reply said few requests remain in the account's
///   rate-limit minute, the next request is delayed a little so the client
///   slows down before it is throttled.
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
    /// or fewer requests remain in the minute.
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

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A reply, with its `X-RateLimit-RetryAfter`.
    Reply {
        status: StatusCode,
        retry_after: Option<SystemTime>,
    },
    /// No reply.
    Failed(Failure),
}

impl Outcome {
    /// A reply with `status`, and the `X-RateLimit-RetryAfter` of its
    /// rate-limit figures.
    pub(crate) fn reply(status: StatusCode, rate_limit: &RateLimit) -> Self {
        Outcome::Reply {
            status,
            retry_after: rate_limit.retry_after,
        }
    }
}

/// Where one request stands after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Attempt {
    /// Sends so far, this one included (from 1).
    pub(crate) number: u32,
    /// Token renewals after a 401 so far; the sends that follow them do
    /// not use up the attempts.
    pub(crate) renewals: u32,
    /// Whether the token was issued after the last renewal: a new token
    /// refused at once points at the credentials, not at the token's age.
    pub(crate) fresh_token: bool,
    /// Time spent waiting between attempts so far.
    pub(crate) waited: Duration,
    /// Whether the request may be sent again after it may have reached the
    /// server (a retry-safe operation, or writes allowed to be retried, and
    /// not a bulk write sent at most once).
    pub(crate) resend_ok: bool,
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Stop: a reply is final as it is (a success or an error reply); a
    /// failure is the request's error.
    Stop,
    /// Stop on a 429 past the retry budget; every request of the client
    /// still waits `cooldown`.
    Throttled {
        /// The wait the 429 asked for.
        cooldown: Duration,
    },
    /// Renew the token (it was refused), then send again.
    RenewToken,
    /// A 429: every request of the client waits this long, then this one is
    /// sent again.
    Cooldown(Duration),
    /// Wait this long, then send again.
    Backoff(Duration),
}

/// Whether a 5xx status is one that retrying may cure.
fn transient(status: StatusCode) -> bool {
    matches!(status.as_u16(), 500 | 502 | 503 | 504)
}

/// The retry decision after `attempt` ended with `outcome`. Pure: `backoff`
/// is the delay [`RetryPolicy::backoff`] drew for this attempt and `now`
/// the time a 429's `X-RateLimit-RetryAfter` is measured from.
pub(crate) fn decide(
    policy: &RetryPolicy,
    attempt: &Attempt,
    outcome: Outcome,
    backoff: Duration,
    now: SystemTime,
) -> Decision {
    let attempts_left = attempt.number < policy.max_attempts + attempt.renewals;
    let budget_left = policy.max_total_wait.saturating_sub(attempt.waited);
    let backoff_if = |retry: bool| {
        if retry && attempts_left && backoff <= budget_left {
            Decision::Backoff(backoff)
        } else {
            Decision::Stop
        }
    };
    match outcome {
        Outcome::Reply { status, .. } if status == StatusCode::UNAUTHORIZED => {
            // A token that was in use and dies later in the retries is
            // renewed again; a new token refused at once is not.
            if !attempt.fresh_token && attempt.renewals < policy.max_attempts {
                Decision::RenewToken
            } else {
                Decision::Stop
            }
        }
        Outcome::Reply {
            status,
            retry_after,
        } if status == StatusCode::TOO_MANY_REQUESTS => {
            // The API did not act on a throttled request: any operation
            // may be sent again.
            let wait = wait_for_429(retry_after, now, backoff);
            if attempts_left && wait <= budget_left {
                Decision::Cooldown(wait)
            } else {
                Decision::Throttled { cooldown: wait }
            }
        }
        Outcome::Reply { status, .. } => backoff_if(transient(status) && attempt.resend_ok),
        // A connection that never opened carried nothing: any operation
        // may be sent again.
        Outcome::Failed(Failure::NotSent) => backoff_if(true),
        Outcome::Failed(Failure::MaybeSent) => backoff_if(attempt.resend_ok),
        Outcome::Failed(Failure::Unsendable) => Decision::Stop,
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

    const NOW: SystemTime = SystemTime::UNIX_EPOCH;
    const BACKOFF: Duration = Duration::from_millis(500);

    fn first(resend_ok: bool) -> Attempt {
        Attempt {
            number: 1,
            renewals: 0,
            fresh_token: false,
            waited: Duration::ZERO,
            resend_ok,
        }
    }

    fn reply(status: u16) -> Outcome {
        Outcome::Reply {
            status: StatusCode::from_u16(status).unwrap(),
            retry_after: None,
        }
    }

    fn decide_default(attempt: &Attempt, outcome: Outcome) -> Decision {
        decide(&RetryPolicy::default(), attempt, outcome, BACKOFF, NOW)
    }

    #[test]
    fn a_refused_token_is_renewed_unless_it_is_fresh() {
        assert_eq!(
            decide_default(&first(false), reply(401)),
            Decision::RenewToken
        );
        let fresh = Attempt {
            fresh_token: true,
            renewals: 1,
            number: 2,
            ..first(false)
        };
        assert_eq!(decide_default(&fresh, reply(401)), Decision::Stop);
        let renewed_enough = Attempt {
            renewals: 5,
            number: 6,
            ..first(false)
        };
        assert_eq!(decide_default(&renewed_enough, reply(401)), Decision::Stop);
    }

    #[test]
    fn a_429_waits_for_retry_after_even_on_a_write() {
        let throttled = Outcome::Reply {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(NOW + Duration::from_secs(3)),
        };
        let d = decide_default(&first(false), throttled);
        assert_eq!(d, Decision::Cooldown(Duration::from_millis(3_050)));
        // Without the header, the backoff.
        assert_eq!(
            decide_default(&first(false), reply(429)),
            Decision::Cooldown(BACKOFF)
        );
        // Beyond the budget: stop, still cooling down.
        let late = Outcome::Reply {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(NOW + Duration::from_secs(600)),
        };
        assert_eq!(
            decide_default(&first(true), late),
            Decision::Throttled {
                cooldown: Duration::from_millis(600_050)
            }
        );
    }

    #[test]
    fn server_errors_back_off_only_when_the_request_may_be_sent_again() {
        for status in [500, 502, 503, 504] {
            assert_eq!(
                decide_default(&first(true), reply(status)),
                Decision::Backoff(BACKOFF)
            );
            assert_eq!(decide_default(&first(false), reply(status)), Decision::Stop);
        }
        // Statuses retrying cannot cure, and successes, are final.
        for status in [200, 204, 400, 403, 404, 501] {
            assert_eq!(decide_default(&first(true), reply(status)), Decision::Stop);
        }
    }

    #[test]
    fn connection_errors_retry_before_sending_and_after_only_when_safe() {
        let not_sent = Outcome::Failed(Failure::NotSent);
        let maybe_sent = Outcome::Failed(Failure::MaybeSent);
        assert_eq!(
            decide_default(&first(false), not_sent),
            Decision::Backoff(BACKOFF)
        );
        assert_eq!(
            decide_default(&first(true), maybe_sent),
            Decision::Backoff(BACKOFF)
        );
        assert_eq!(decide_default(&first(false), maybe_sent), Decision::Stop);
        let unsendable = Outcome::Failed(Failure::Unsendable);
        assert_eq!(decide_default(&first(true), unsendable), Decision::Stop);
    }

    #[test]
    fn attempts_and_waiting_are_bounded() {
        let last = Attempt {
            number: 5,
            ..first(true)
        };
        assert_eq!(decide_default(&last, reply(503)), Decision::Stop);
        assert_eq!(
            decide_default(&last, reply(429)),
            Decision::Throttled { cooldown: BACKOFF }
        );
        assert_eq!(
            decide_default(&last, Outcome::Failed(Failure::NotSent)),
            Decision::Stop
        );
        // Sends after a renewal do not count.
        let renewed = Attempt {
            renewals: 1,
            ..last
        };
        assert_eq!(
            decide_default(&renewed, reply(503)),
            Decision::Backoff(BACKOFF)
        );
        // A backoff past the total wait budget stops.
        let waited = Attempt {
            waited: Duration::from_secs(120),
            ..first(true)
        };
        assert_eq!(decide_default(&waited, reply(503)), Decision::Stop);
        assert_eq!(
            decide(
                &RetryPolicy::never(),
                &first(true),
                reply(503),
                BACKOFF,
                NOW
            ),
            Decision::Stop
        );
    }
}
