//! Rate control: what a reply's rate headers mean, when the next request
//! may go, and how many requests may be in flight. Nothing else in the
//! crate reads `X-RateLimit-Limit` or `X-RateLimit-Remaining` for a
//! decision.
//!
//! The API allows each customer account (CID) a number of requests per
//! sliding minute (`X-RateLimit-Limit`; 6,000 in the field), shared by
//! every integration of the customer: SIEM connectors, SOAR playbooks,
//! other scripts, which this client cannot see until they have used the
//! budget. As smithy-rs's `RetryStrategy` puts a token bucket and a client
//! rate limiter behind one configuration, [`RateControl`] is the one entry
//! point, held by each client (its clones share it) and built from the
//! client's settings ([`ClientBuilder::budget_share`], the slow-down of
//! [`RetryPolicy`]):
//!
//! - before each attempt the send loop waits for its turn
//!   ([`RateControl::wait_turn`]);
//! - after it, it reports the reply ([`RateControl::observe`]), a 429's
//!   wait ([`RateControl::cool_down`]), the round trip
//!   ([`RateControl::round_trip`]) or a failure without a reply
//!   ([`RateControl::overload`]);
//! - a bulk stream takes an [`InFlightLimit`] from it
//!   ([`RateControl::in_flight_limit`]);
//! - [`Client::budget_status`] reads [`RateControl::status`].
//!
//! The parts: [`budget`] (the account's budget over the sliding minute),
//! [`round_trip`] (the smoothed round trip and the overload count),
//! [`in_flight`] (the adaptive limit of requests in flight), and the
//! slow-down near exhaustion here.
//!
//! # What the headers say
//!
//! - `X-RateLimit-Limit`: the account's requests per minute. A value above
//!   a million is taken as a million, 0 is ignored.
//! - `X-RateLimit-Remaining`: what the account has left in the minute. The
//!   limit less what remains less this process's own sends in the minute
//!   is what the others (other integrations, other processes) used.
//! - `X-RateLimit-RetryAfter` (429 only): when the API takes requests
//!   again. The retry decision (`transport::retry`) turns it into a wait;
//!   here that wait holds every client of the account.
//!
//! A 401's figures are the bad-token class (a few requests a minute per
//! source address) and a 429 reports no budget left (its
//! `X-RateLimit-RetryAfter` rules instead): neither feeds the budget.
//! [`Client::last_rate_limit`] keeps the figures of any reply that has
//! them.
//!
//! # The account's budget
//!
//! Every client of one account in the process, clones and separately built
//! clients alike, draws from one budget, keyed by the base URL and the
//! account: [`ClientBuilder::account`] when set, else the member CID, else
//! the client ID (the token does not tell the client its CID, so two API
//! clients of one CID share only when named). The process-wide registry
//! holds the budgets weakly: a budget goes away with its last client.
//! [`Client::for_member`] gives a member CID's client its own budget.
//!
//! - **The share.** A client of share `f` sends only while the process's
//!   requests in the last minute stay under `f` of the limit, and under
//!   what the others leave: it may have `min(⌊f × limit⌋, limit − others)`
//!   in the minute, never less than 1 (one probe a minute, which a 429
//!   then governs). When it has that many, it waits until the oldest
//!   leaves the minute: a minute and a second after it was sent, since the
//!   server counts in whole seconds. The default,
//!   [`DEFAULT_BUDGET_SHARE`](crate::DEFAULT_BUDGET_SHARE), leaves the
//!   other integrations as much as this client takes.
//! - **Others' use as a sliding maximum.** The highest reading of the
//!   others' use in the last minute counts, not the latest: once this
//!   client takes what the others left, their refused requests no longer
//!   show in the API's count, and the latest reading would shrink as they
//!   are squeezed out. A reading leaves when it is a minute (and a second)
//!   old; a higher one replaces the lower ones at once.
//! - **Spreading.** Within the allowance, a tenth of it (six seconds'
//!   worth, at least one request) may go at once; after that burst the
//!   sends are spread evenly, one per `minute / allowance` (the
//!   "theoretical arrival time" of a generic cell rate algorithm).
//! - **Before the first reply** the limit is unknown and nothing is paced
//!   (the sends are still counted).
//! - **The 429 cooldown.** A 429 makes every client of the account wait
//!   the time its `X-RateLimit-RetryAfter` asked for (or the backoff when
//!   it is absent), whether or not the request is retried.
//!
//! # Slowing down near exhaustion
//!
//! When the last `X-RateLimit-Remaining` the account's budget saw (from a
//! reply to any of its clients) was at most `below`
//! ([`RetryPolicy::slow_down`], default 10), the next request waits
//! `delay` (default 200 ms) before its budget slot, and twice `delay` when
//! it was at most half of `below`: a client that shares the account with
//! integrations it cannot see slows down before it is throttled. Before
//! any reply gave the figure nothing slows down; `below = 0` turns this
//! off. The two numbers are read from the policy when the client is
//! built.
//!
//! # Requests in flight
//!
//! In the field an export is limited by the account's budget, a rate, not
//! by the server: a round trip takes 100 to 200 ms whether 4 or 40
//! requests are in flight. By Little's law, sustaining a rate λ at a round
//! trip R takes λ × R requests in flight. So a bulk stream's in-flight
//! limit aims at
//!
//! > target = ⌈λ × SRTT × 1.25⌉ + 1, within [1, cap]
//!
//! where λ is what the budget allows this client now (its share of the
//! limit, less what other integrations use, per second), SRTT the client's
//! smoothed round trip, 1.25 headroom for round trips longer than the
//! average, and the 1 the gap between a reply and the next send. Fewer
//! leaves budget unused; more only waits in the budget's pacer, holding
//! memory.
//!
//! The round trip is the wire time of one attempt, from sending the
//! request to its reply read (headers for a retried or streamed reply, the
//! whole body otherwise), smoothed as TCP's SRTT (RFC 6298: each sample
//! moves it an eighth of the way). Waiting for the budget or a retry
//! backoff is left out: a limit sized from a round trip that included its
//! own pacing would grow the pacing it measured.
//!
//! A controller that probes until it is refused (AIMD or CUBIC alone) would
//! find the limit by exceeding it, drawing the 429s the budget exists to
//! avoid and pushing the other integrations into them; a gradient
//! controller watches the round trip grow as a queue fills, but the budget
//! is a counter, not a queue, so the round trip never shows it. The target
//! above needs no probing. Probing remains where there is nothing to
//! compute from, and for the server's own limits:
//!
//! - A stream starts at the target when the client knows the round trip
//!   and the budget by its first request (an export learns both from its
//!   first id page), else at 1. Growth toward the target is one more
//!   request per completed request (doubling per round trip). While the
//!   limit is unknown (no reply has given `X-RateLimit-Limit` yet, or a
//!   gateway strips it) the target is the cap: a slow start.
//! - **Overload halving.** A 429, a 5xx reply, a timeout or a lost
//!   connection seen by the client's send loop (for any of its requests:
//!   they share the server and the budget) while a request held its permit
//!   halves the limit (never below 1), at most once per round trip: the
//!   replies of one bad round trip are one signal. Growth back toward the
//!   target is then additive, one request per round trip's worth of
//!   completions, as in AIMD.
//! - When the target falls (a shorter round trip, a smaller allowance
//!   because other integrations use more), the limit falls to it at once;
//!   requests already in flight finish, and no new one starts until fewer
//!   than the limit are in flight.
//!
//! The stream's `.concurrency(n)` is the cap
//! ([`DEFAULT_MAX_CONCURRENCY`] by default).
//!
//! [`ClientBuilder::budget_share`]: crate::ClientBuilder::budget_share
//! [`ClientBuilder::account`]: crate::ClientBuilder::account
//! [`RetryPolicy`]: crate::RetryPolicy
//! [`RetryPolicy::slow_down`]: crate::RetryPolicy::slow_down
//! [`Client::budget_status`]: crate::Client::budget_status
//! [`Client::last_rate_limit`]: crate::Client::last_rate_limit
//! [`Client::for_member`]: crate::Client::for_member

mod budget;
mod in_flight;
mod round_trip;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::StatusCode;
use tokio::time::Instant;

use crate::bulk::progress::Tracker;
use crate::model::response::RateLimit;
use crate::transport::retry::RetryPolicy;

pub(crate) use budget::Account;
pub use budget::BudgetStatus;
use budget::{Budget, Key};
pub use in_flight::DEFAULT_MAX_CONCURRENCY;
pub(crate) use in_flight::{InFlightLimit, Permit};
use round_trip::RoundTrip;

/// The rate control of one client, shared by its clones: the account's
/// budget, this client's share of it, the slow-down near exhaustion, and
/// what the send loop measured (see the module docs).
pub(crate) struct RateControl {
    /// The account's budget, shared with every client of the same key.
    budget: Arc<Budget>,
    /// This client's share of the account's limit.
    share: f64,
    /// The base URL part of the budget key, for member clients.
    base: String,
    slow_down: SlowDown,
    /// Round trips and overloads seen by this client's send loop.
    rtt: RoundTrip,
    /// The figures of the last reply that gave any.
    last: Mutex<RateLimit>,
}

impl RateControl {
    /// The rate control of a client of `account` at `base`, using `share`
    /// of the account's limit and the slow-down of `policy`.
    pub(crate) fn new(base: &str, account: Account, share: f64, policy: &RetryPolicy) -> Self {
        RateControl {
            budget: budget::shared(Key::new(base, account)),
            share,
            base: base.to_owned(),
            slow_down: SlowDown::of(policy),
            rtt: RoundTrip::default(),
            last: Mutex::default(),
        }
    }

    /// The rate control of a client of member CID `cid` built from this
    /// one: the same base URL, share and slow-down, the member's budget,
    /// nothing measured yet.
    pub(crate) fn for_member(&self, cid: &str) -> Self {
        RateControl {
            budget: budget::shared(Key::new(&self.base, Account::cid(cid))),
            share: self.share,
            base: self.base.clone(),
            slow_down: self.slow_down,
            rtt: RoundTrip::default(),
            last: Mutex::default(),
        }
    }

    /// This client's share of the account's limit.
    pub(crate) fn share(&self) -> f64 {
        self.share
    }

    /// Waits until this client may send: a short delay when the last reply
    /// said few requests remain, then a slot of the account's budget
    /// (after a 429's cooldown, within this client's share and what other
    /// integrations leave, spread over the minute).
    pub(crate) async fn wait_turn(&self) {
        let remaining = self.budget.remaining();
        let delay = self.slow_down.delay(remaining);
        if !delay.is_zero() {
            tracing::debug!(
                remaining,
                delay_ms = delay.as_millis() as u64,
                "few requests left in the account's minute: slowing down"
            );
            tokio::time::sleep(delay).await;
        }
        self.budget.acquire(self.share).await;
    }

    /// Records a reply: its rate figures (for the account's budget, unless
    /// the reply is a 401 or a 429, whose figures are not the budget's;
    /// and as the last figures), and a 429 or 5xx as an overload signal.
    pub(crate) fn observe(&self, status: StatusCode, rl: &RateLimit) {
        if status != StatusCode::UNAUTHORIZED && status != StatusCode::TOO_MANY_REQUESTS {
            self.budget.observe(Instant::now(), rl);
        }
        if rl.limit.is_some() || rl.remaining.is_some() {
            if let Ok(mut g) = self.last.lock() {
                *g = rl.clone();
            }
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            self.rtt.overload();
        }
    }

    /// After a 429: no client of the account sends for `wait`.
    pub(crate) fn cool_down(&self, wait: Duration) {
        // A wait too long for the clock is taken as a day: still "not now".
        let now = Instant::now();
        let until = now
            .checked_add(wait)
            .unwrap_or_else(|| now + Duration::from_secs(24 * 60 * 60));
        self.budget.cool_down(until);
    }

    /// Records the wire time of an attempt that got a reply.
    pub(crate) fn round_trip(&self, rtt: Duration) {
        self.rtt.sample(rtt);
    }

    /// Records an overload signal without a reply: a timeout or a lost
    /// connection.
    pub(crate) fn overload(&self) {
        self.rtt.overload();
    }

    /// The budget as this client sees it now.
    pub(crate) fn status(&self) -> BudgetStatus {
        self.budget.status(Instant::now(), self.share)
    }

    /// Requests this client may send in a minute now (its share of the
    /// account's limit, less what others use); `None` while the limit is
    /// unknown.
    pub(crate) fn allowed_per_minute(&self) -> Option<u64> {
        self.status().allowed
    }

    /// The rate figures of the last reply that gave any.
    pub(crate) fn last(&self) -> RateLimit {
        self.last.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// Requests in flight that sustain `part` (0 to 1) of the rate this
    /// client is allowed at its measured round trip, at most `cap`: the
    /// in-flight target (Little's law, above) of that part of the rate.
    /// `None` while the allowed rate or the round trip is unknown. An
    /// export sizes its cursor chains with it.
    pub(crate) fn in_flight_for(&self, part: f64, cap: usize) -> Option<usize> {
        let allowed = self.allowed_per_minute()? as f64 * part.clamp(0.0, 1.0);
        let inputs = in_flight::Inputs {
            srtt: Some(self.rtt.srtt()?),
            // A part of an allowed rate ≤ the largest limit believed.
            allowed_per_minute: Some((allowed.ceil() as u64).max(1)),
        };
        let cap32 = u32::try_from(cap).unwrap_or(u32::MAX);
        usize::try_from(in_flight::target(inputs, cap32)).ok()
    }

    /// An in-flight limit for a bulk stream of this client's requests,
    /// capped at `cap`; it reports its size to `tracker`.
    pub(crate) fn in_flight_limit(
        self: &Arc<Self>,
        cap: usize,
        tracker: Arc<Tracker>,
    ) -> Arc<InFlightLimit> {
        InFlightLimit::new(self.clone(), cap, tracker)
    }
}

/// The slow-down near exhaustion, from [`RetryPolicy::slow_down`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SlowDown {
    /// At most this many remaining: slow down (0: never).
    below: u64,
    delay: Duration,
}

impl SlowDown {
    fn of(policy: &RetryPolicy) -> Self {
        SlowDown {
            below: policy.slow_down_below,
            delay: policy.slow_down_delay,
        }
    }

    /// The delay before a request when the last `X-RateLimit-Remaining`
    /// was `remaining` (`None`: no reply gave it yet).
    fn delay(self, remaining: Option<u64>) -> Duration {
        match remaining {
            Some(r) if self.below > 0 && r <= self.below / 2 => self.delay.saturating_mul(2),
            Some(r) if self.below > 0 && r <= self.below => self.delay,
            _ => Duration::ZERO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slow_down_grows_as_the_budget_runs_low() {
        let s = SlowDown::of(&RetryPolicy::default().slow_down(10, Duration::from_millis(100)));
        assert_eq!(s.delay(None), Duration::ZERO);
        assert_eq!(s.delay(Some(500)), Duration::ZERO);
        assert_eq!(s.delay(Some(11)), Duration::ZERO);
        assert_eq!(s.delay(Some(10)), Duration::from_millis(100));
        assert_eq!(s.delay(Some(6)), Duration::from_millis(100));
        assert_eq!(s.delay(Some(5)), Duration::from_millis(200));
        assert_eq!(s.delay(Some(0)), Duration::from_millis(200));
        let off = SlowDown::of(&RetryPolicy::default().slow_down(0, Duration::from_secs(1)));
        assert_eq!(off.delay(Some(0)), Duration::ZERO);
        // An unknown remainder never slows down, whatever the threshold.
        let all = SlowDown::of(&RetryPolicy::default().slow_down(u64::MAX, Duration::from_secs(1)));
        assert_eq!(all.delay(None), Duration::ZERO);
        assert_eq!(all.delay(Some(u64::MAX)), Duration::from_secs(1));
    }

    fn rl(limit: u64, remaining: u64) -> RateLimit {
        RateLimit {
            limit: Some(limit),
            remaining: Some(remaining),
            retry_after: None,
        }
    }

    fn control(name: &str) -> RateControl {
        RateControl::new(
            "http://127.0.0.1:1/",
            Account::ClientId(name.into()),
            0.5,
            &RetryPolicy::default(),
        )
    }

    #[test]
    fn a_401_or_a_429_does_not_feed_the_budget_but_is_kept_as_the_last() {
        let rate = control("rate-observe");
        rate.observe(StatusCode::UNAUTHORIZED, &rl(10, 1));
        assert_eq!(rate.status().limit, None);
        assert_eq!(rate.last(), rl(10, 1));
        rate.observe(StatusCode::TOO_MANY_REQUESTS, &rl(60, 0));
        assert_eq!(rate.status().limit, None);
        rate.observe(StatusCode::OK, &rl(60, 60));
        assert_eq!(rate.status().limit, Some(60));
        assert_eq!(rate.allowed_per_minute(), Some(30));
        // A reply without figures leaves the last ones.
        rate.observe(StatusCode::OK, &RateLimit::default());
        assert_eq!(rate.last(), rl(60, 60));
    }

    #[test]
    fn a_429_or_a_5xx_reply_or_a_failure_is_an_overload() {
        let rate = control("rate-overload");
        rate.observe(StatusCode::OK, &RateLimit::default());
        rate.observe(StatusCode::NOT_FOUND, &RateLimit::default());
        assert_eq!(rate.rtt.overloads(), 0);
        rate.observe(StatusCode::TOO_MANY_REQUESTS, &RateLimit::default());
        rate.observe(StatusCode::SERVICE_UNAVAILABLE, &RateLimit::default());
        rate.overload();
        assert_eq!(rate.rtt.overloads(), 3);
    }

    #[test]
    fn a_member_has_its_own_budget_and_measures() {
        let parent = control("rate-parent");
        parent.observe(StatusCode::OK, &rl(60, 60));
        parent.round_trip(Duration::from_millis(100));
        let member = parent.for_member(" RATE-CHILD ");
        assert_eq!(member.share(), 0.5);
        assert_eq!(member.status().limit, None);
        assert_eq!(member.rtt.srtt(), None);
        assert!(Arc::ptr_eq(
            &member.budget,
            &parent.for_member("rate-child").budget
        ));
        assert!(!Arc::ptr_eq(&member.budget, &parent.budget));
    }

    #[test]
    fn the_requests_in_flight_for_a_part_of_the_rate_follow_littles_law() {
        let rate = control("rate-part");
        assert_eq!(rate.in_flight_for(0.5, 16), None, "nothing known yet");
        rate.observe(StatusCode::OK, &rl(6_000, 6_000));
        assert_eq!(rate.in_flight_for(0.5, 16), None, "no round trip yet");
        rate.round_trip(Duration::from_millis(150));
        // Half of 3,000 a minute = 25/s; 25 × 0.15 × 1.25 = 4.7 → 5, + 1.
        assert_eq!(rate.in_flight_for(0.5, 16), Some(6));
        // All of it: 50 × 0.15 × 1.25 = 9.4 → 10, + 1; capped.
        assert_eq!(rate.in_flight_for(1.0, 16), Some(11));
        assert_eq!(rate.in_flight_for(1.0, 4), Some(4));
        // A tiny part still needs one request, and the gap after it.
        assert_eq!(rate.in_flight_for(0.0, 16), Some(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_cooldown_holds_the_next_turn() {
        let rate = control("rate-cooldown");
        rate.cool_down(Duration::from_secs(3));
        let start = Instant::now();
        rate.wait_turn().await;
        assert_eq!(Instant::now() - start, Duration::from_secs(3));
        // A wait past the clock's range is still taken.
        rate.cool_down(Duration::MAX);
    }
}
