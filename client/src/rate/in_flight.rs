//! The adaptive limit of requests a bulk stream keeps in flight: the
//! target from Little's law on the allowed rate and the smoothed round
//! trip, growth toward it, halving on overload (the reasoning: the
//! [module docs](super#requests-in-flight)).
//!
//! [`Control`] is the state machine, without clock or I/O;
//! [`InFlightLimit`] shares it between a stream's requests, each holding a
//! [`Permit`] while it is in flight.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::RateControl;
use crate::bulk::progress::Tracker;

/// Requests a bulk stream may have in flight unless its `.concurrency(n)`
/// says otherwise: the cap of its adaptive in-flight limit (see
/// [`Export`](crate::Export#concurrency)).
///
/// 32 covers the whole of the API's 6,000 requests a minute (100 a second)
/// at round trips up to 240 ms (100 × 0.24 × 1.25 + 1 = 31), the field's
/// 100 to 200 ms with room; a client at the default half share needs 32 only
/// past 480 ms. Beyond that the cap bounds the replies held in memory and
/// the connections opened at once; raise it with `.concurrency(n)` for
/// slower links.
pub const DEFAULT_MAX_CONCURRENCY: usize = 32;

/// Room above the average round trip, for the slower ones.
const HEADROOM: f64 = 1.25;

/// What the limit is computed from, read at each completed request.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Inputs {
    /// The client's smoothed round trip; `None` before the first reply.
    pub(crate) srtt: Option<Duration>,
    /// Requests the budget allows this client per minute; `None` while
    /// the limit is unknown.
    pub(crate) allowed_per_minute: Option<u64>,
}

impl Inputs {
    fn of(rate: &RateControl) -> Self {
        Inputs {
            srtt: rate.rtt.srtt(),
            allowed_per_minute: rate.allowed_per_minute(),
        }
    }
}

/// Why the limit changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// The first target known before any request of the stream completed.
    Start,
    /// Growing toward the target.
    Grow,
    /// The target fell below the limit.
    Target,
    /// An overload signal halved it.
    Overload,
}

/// A change of the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) from: u32,
    pub(crate) to: u32,
    pub(crate) target: u32,
    pub(crate) cause: Cause,
}

/// Where the limit stands in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No request has completed and no target was known yet: the limit is
    /// 1, and [`Control::prime`] sets it to the first target known.
    Unprimed,
    /// Following the target: one more per completed request below it
    /// (doubling per round trip), down to it at once above it.
    Following,
    /// Since an overload, until the target is reached again: one more per
    /// limit's worth of completed requests (one per round trip). `acked`
    /// counts the completions toward the next step.
    Recovering { acked: u32 },
}

/// The limit's state machine: no clock, no I/O.
#[derive(Debug, Clone)]
pub(crate) struct Control {
    limit: u32,
    cap: u32,
    phase: Phase,
    /// When the limit was last halved.
    last_decrease: Option<Instant>,
}

/// The limit that sustains the allowed rate at the smoothed round trip
/// (see the module docs), or `cap` when either is unknown.
pub(crate) fn target(inputs: Inputs, cap: u32) -> u32 {
    let cap = cap.max(1);
    let (Some(rtt), Some(allowed)) = (inputs.srtt, inputs.allowed_per_minute) else {
        return cap;
    };
    // Both are bounded (a round trip of at most minutes, a limit of at
    // most a million), but a non-finite or huge product still maps to the
    // cap rather than to a wrapped number.
    let in_flight = (allowed as f64 / 60.0) * rtt.as_secs_f64() * HEADROOM;
    if !in_flight.is_finite() || in_flight >= f64::from(cap) {
        return cap;
    }
    // 0 ≤ in_flight < cap ≤ u32::MAX: the cast is exact after ceil.
    let needed = in_flight.max(0.0).ceil() as u32;
    needed.saturating_add(1).clamp(1, cap)
}

impl Control {
    /// A limit capped at `cap` (at least 1): at its target when the
    /// inputs give one, else at 1 (see [`Self::prime`]).
    pub(crate) fn new(cap: usize, inputs: Inputs) -> Self {
        let mut c = Control {
            limit: 1,
            cap: u32::try_from(cap).unwrap_or(u32::MAX).max(1),
            phase: Phase::Unprimed,
            last_decrease: None,
        };
        c.prime(inputs);
        c
    }

    /// Until a request of the stream completes, sets the limit to the
    /// target as soon as the inputs give one: the client may learn them
    /// from other requests after the stream was created (an export's first
    /// id page), and starting there saves the round trips of growing from 1.
    pub(crate) fn prime(&mut self, inputs: Inputs) -> Option<Change> {
        if self.phase != Phase::Unprimed
            || inputs.srtt.is_none()
            || inputs.allowed_per_minute.is_none()
        {
            return None;
        }
        self.phase = Phase::Following;
        let from = self.limit;
        self.limit = target(inputs, self.cap);
        (self.limit != from).then_some(Change {
            from,
            to: self.limit,
            target: self.limit,
            cause: Cause::Start,
        })
    }

    /// Whether [`Self::prime`] may still change the limit.
    fn unprimed(&self) -> bool {
        self.phase == Phase::Unprimed
    }

    /// Requests allowed in flight now.
    pub(crate) fn limit(&self) -> u32 {
        self.limit
    }

    /// A request ended at `now`; `overload` when an overload signal came
    /// while it was in flight. Returns the change of the limit, if any.
    pub(crate) fn on_complete(
        &mut self,
        now: Instant,
        inputs: Inputs,
        overload: bool,
    ) -> Option<Change> {
        if self.phase == Phase::Unprimed {
            self.phase = Phase::Following;
        }
        let from = self.limit;
        let target = target(inputs, self.cap);
        let cause = if overload {
            let rtt = inputs.srtt.unwrap_or(Duration::ZERO);
            let halved_lately = self
                .last_decrease
                .is_some_and(|t| now.saturating_duration_since(t) < rtt);
            if halved_lately {
                return None;
            }
            self.limit = (self.limit / 2).max(1);
            self.last_decrease = Some(now);
            self.phase = Phase::Recovering { acked: 0 };
            Cause::Overload
        } else if self.limit > target {
            self.limit = target;
            Cause::Target
        } else if self.limit < target {
            match &mut self.phase {
                Phase::Recovering { acked } => {
                    *acked = acked.saturating_add(1);
                    if *acked >= self.limit {
                        *acked = 0;
                        self.limit += 1;
                    }
                }
                Phase::Unprimed | Phase::Following => self.limit += 1,
            }
            Cause::Grow
        } else {
            Cause::Grow
        };
        if self.limit >= target {
            // At the target: recovered, if recovering.
            self.phase = Phase::Following;
        }
        (self.limit != from).then_some(Change {
            from,
            to: self.limit,
            target,
            cause,
        })
    }
}

/// The in-flight limit of one stream, shared by its requests.
pub(crate) struct InFlightLimit {
    rate: Arc<RateControl>,
    state: Mutex<State>,
    /// Woken when a permit is released or the limit changes.
    freed: Notify,
    tracker: Arc<Tracker>,
}

struct State {
    control: Control,
    in_flight: u32,
}

/// Leave to send one request; gives its place back when dropped.
pub(crate) struct Permit {
    limit: Arc<InFlightLimit>,
    /// The client's overload count when the request started.
    overloads: u64,
}

impl InFlightLimit {
    /// A limit for requests paced by `rate`, capped at `cap`; it reports
    /// its size to `tracker`.
    pub(super) fn new(rate: Arc<RateControl>, cap: usize, tracker: Arc<Tracker>) -> Arc<Self> {
        let control = Control::new(cap, Inputs::of(&rate));
        tracker.set_concurrency(u64::from(control.limit()));
        Arc::new(InFlightLimit {
            rate,
            state: Mutex::new(State {
                control,
                in_flight: 0,
            }),
            freed: Notify::new(),
            tracker,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update leaves the state consistent: a poisoned lock is
        // still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until fewer requests than the limit are in flight, and takes
    /// a place.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Permit {
        loop {
            // Registered before the check, so a release between the check
            // and the wait still wakes this task.
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            {
                let mut s = self.lock();
                if s.control.unprimed() {
                    let inputs = Inputs::of(&self.rate);
                    let change = s.control.prime(inputs);
                    self.changed(change, inputs);
                }
                if s.in_flight < s.control.limit() {
                    s.in_flight += 1;
                    return Permit {
                        limit: self.clone(),
                        overloads: self.rate.rtt.overloads(),
                    };
                }
            }
            freed.await;
        }
    }

    fn release(&self, overloads_at_start: u64) {
        let inputs = Inputs::of(&self.rate);
        let overload = self.rate.rtt.overloads() > overloads_at_start;
        {
            let mut s = self.lock();
            s.in_flight = s.in_flight.saturating_sub(1);
            let change = s.control.on_complete(Instant::now(), inputs, overload);
            self.changed(change, inputs);
        }
        self.freed.notify_waiters();
    }

    /// Reports a change of the limit (called under the state's lock, so
    /// that reports come in the order of the changes).
    fn changed(&self, change: Option<Change>, inputs: Inputs) {
        if let Some(c) = change {
            self.tracker.set_concurrency(u64::from(c.to));
            tracing::debug!(
                from = c.from,
                to = c.to,
                target = c.target,
                cause = ?c.cause,
                srtt_ms = inputs.srtt.map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                allowed_per_minute = inputs.allowed_per_minute,
                "bulk in-flight limit changed"
            );
            // A larger limit has room for waiters.
            self.freed.notify_waiters();
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.limit.release(self.overloads);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    fn inputs(rtt_ms: u64, per_minute: u64) -> Inputs {
        Inputs {
            srtt: Some(MS(rtt_ms)),
            allowed_per_minute: Some(per_minute),
        }
    }

    /// Rate control for a client that has seen no reply yet.
    fn rate() -> Arc<RateControl> {
        Arc::new(RateControl::new(
            "http://127.0.0.1:1/",
            crate::rate::Account::ClientId("in-flight".into()),
            0.5,
            &crate::RetryPolicy::default(),
        ))
    }

    /// Completes `n` requests without overload, `step` apart from `at`.
    fn complete(c: &mut Control, at: &mut Instant, step: Duration, n: usize, i: Inputs) {
        for _ in 0..n {
            *at += step;
            c.on_complete(*at, i, false);
        }
    }

    #[test]
    fn the_target_follows_littles_law() {
        // 3,000 a minute = 50/s; 200 ms: 50 × 0.2 × 1.25 = 12.5 → 13, + 1.
        assert_eq!(target(inputs(200, 3_000), 64), 14);
        // 300 a minute = 5/s; 20 ms: 0.125 → 1, + 1.
        assert_eq!(target(inputs(20, 300), 64), 2);
        // 5/s at 1 s: 6.25 → 7, + 1.
        assert_eq!(target(inputs(1_000, 300), 64), 8);
        // Capped; unknown inputs give the cap.
        assert_eq!(target(inputs(1_000, 6_000), 32), 32);
        assert_eq!(target(Inputs::default(), 32), 32);
        assert_eq!(
            target(
                Inputs {
                    srtt: Some(MS(100)),
                    allowed_per_minute: None
                },
                5
            ),
            5
        );
    }

    #[test]
    fn extreme_inputs_stay_in_range() {
        let huge = Inputs {
            srtt: Some(Duration::MAX),
            allowed_per_minute: Some(u64::MAX),
        };
        assert_eq!(target(huge, u32::MAX), u32::MAX);
        assert_eq!(target(inputs(0, 0), 8), 1);
        assert_eq!(target(inputs(100, 100), 0), 1);
        let mut c = Control::new(usize::MAX, huge);
        assert_eq!(c.limit(), u32::MAX);
        c.on_complete(Instant::now(), huge, false);
        assert_eq!(c.limit(), u32::MAX);
        // A cap of 0 is taken as 1.
        assert_eq!(Control::new(0, Inputs::default()).limit(), 1);
    }

    #[test]
    fn grows_to_the_target_and_stops_there() {
        let i = inputs(200, 3_000);
        let mut c = Control::new(64, Inputs::default());
        assert_eq!(c.limit(), 1);
        let mut at = Instant::now();
        complete(&mut c, &mut at, MS(10), 100, i);
        assert_eq!(c.limit(), 14);
    }

    #[test]
    fn without_a_limit_it_grows_one_per_completion_up_to_the_cap() {
        let mut c = Control::new(32, Inputs::default());
        let mut at = Instant::now();
        let unknown = Inputs {
            srtt: Some(MS(100)),
            allowed_per_minute: None,
        };
        complete(&mut c, &mut at, MS(1), 3, unknown);
        assert_eq!(c.limit(), 4);
        complete(&mut c, &mut at, MS(1), 100, unknown);
        assert_eq!(c.limit(), 32);
    }

    #[test]
    fn follows_a_latency_jump_up_and_back_down() {
        let mut c = Control::new(64, inputs(20, 300));
        assert_eq!(c.limit(), 2);
        let mut at = Instant::now();
        complete(&mut c, &mut at, MS(200), 10, inputs(20, 300));
        assert_eq!(c.limit(), 2);
        complete(&mut c, &mut at, MS(200), 10, inputs(1_000, 300));
        assert_eq!(c.limit(), 8);
        // Latency back down: the limit falls at once.
        let change = c.on_complete(at + MS(1), inputs(20, 300), false);
        assert_eq!(
            change,
            Some(Change {
                from: 8,
                to: 2,
                target: 2,
                cause: Cause::Target
            })
        );
    }

    #[test]
    fn a_limit_made_before_the_inputs_are_known_starts_at_the_target_once_they_are() {
        let mut c = Control::new(64, Inputs::default());
        assert_eq!(c.limit(), 1);
        assert_eq!(c.prime(Inputs::default()), None);
        assert_eq!(
            c.prime(inputs(1_000, 600)).map(|c| (c.to, c.cause)),
            Some((14, Cause::Start))
        );
        // Only once: later changes come from completions.
        assert_eq!(c.prime(inputs(2_000, 600)), None);
        // And not after a completion.
        let mut c = Control::new(64, Inputs::default());
        c.on_complete(Instant::now(), Inputs::default(), false);
        assert_eq!(c.prime(inputs(1_000, 600)), None);
        assert_eq!(c.limit(), 2);
    }

    #[test]
    fn shrinks_when_the_allowed_rate_drops() {
        let mut c = Control::new(64, inputs(200, 6_000));
        assert_eq!(c.limit(), 26);
        // Other integrations now use most of the budget.
        c.on_complete(Instant::now(), inputs(200, 600), false);
        assert_eq!(c.limit(), 4);
    }

    #[test]
    fn overload_halves_at_most_once_per_round_trip_then_grows_additively() {
        let i = inputs(200, 3_000);
        let mut c = Control::new(64, i);
        assert_eq!(c.limit(), 14);
        let t0 = Instant::now();
        assert_eq!(c.on_complete(t0, i, true).map(|c| c.to), Some(7));
        // More signals from the same round trip: no further halving.
        assert_eq!(c.on_complete(t0 + MS(50), i, true), None);
        assert_eq!(c.on_complete(t0 + MS(199), i, true), None);
        assert_eq!(c.limit(), 7);
        // A round trip later, a new signal halves again.
        assert_eq!(c.on_complete(t0 + MS(200), i, true).map(|c| c.to), Some(3));
        // Back up by one per limit's worth of completions.
        let mut at = t0 + MS(200);
        complete(&mut c, &mut at, MS(10), 2, i);
        assert_eq!(c.limit(), 3);
        complete(&mut c, &mut at, MS(10), 1, i);
        assert_eq!(c.limit(), 4);
        complete(&mut c, &mut at, MS(10), 4, i);
        assert_eq!(c.limit(), 5);
        // Once at the target, growth toward a higher one is fast again.
        complete(&mut c, &mut at, MS(10), 100, i);
        assert_eq!(c.limit(), 14);
        complete(&mut c, &mut at, MS(10), 3, inputs(400, 3_000));
        assert_eq!(c.limit(), 17);
    }

    #[test]
    fn the_phase_goes_from_unprimed_to_following_and_through_recovery() {
        let i = inputs(200, 3_000);
        let mut c = Control::new(64, Inputs::default());
        assert_eq!(c.phase, Phase::Unprimed);
        c.prime(i);
        assert_eq!(c.phase, Phase::Following);
        let t0 = Instant::now();
        c.on_complete(t0, i, true);
        assert_eq!(c.phase, Phase::Recovering { acked: 0 });
        c.on_complete(t0 + MS(1), i, false);
        assert_eq!(c.phase, Phase::Recovering { acked: 1 });
        let mut at = t0 + MS(1);
        complete(&mut c, &mut at, MS(10), 100, i);
        assert_eq!((c.limit(), c.phase), (14, Phase::Following));
        // An overload that leaves the limit at or above a lower target
        // ends the recovery at once.
        let mut c = Control::new(64, i);
        c.on_complete(t0, inputs(20, 300), true);
        assert_eq!((c.limit(), c.phase), (7, Phase::Following));
        // A completion ends the unprimed phase even without inputs.
        let mut c = Control::new(64, Inputs::default());
        c.on_complete(t0, Inputs::default(), false);
        assert_eq!(c.phase, Phase::Following);
    }

    #[test]
    fn never_below_one_nor_above_the_cap() {
        let i = inputs(100, 6_000);
        let mut c = Control::new(4, i);
        assert_eq!(c.limit(), 4);
        let mut at = Instant::now();
        for _ in 0..10 {
            at += Duration::from_secs(1);
            c.on_complete(at, i, true);
            assert!(c.limit() >= 1);
        }
        assert_eq!(c.limit(), 1);
        complete(&mut c, &mut at, MS(1), 1_000, i);
        assert_eq!(c.limit(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn permits_wait_for_a_place_and_wake_on_release() {
        let tracker = Tracker::new(None);
        let w = rate().in_flight_limit(8, tracker.clone());
        // Nothing known: one at a time to start.
        assert_eq!(tracker.snapshot().concurrency(), 1);
        let first = w.acquire().await;
        let waiting = tokio::spawn({
            let w = w.clone();
            async move { w.acquire().await }
        });
        tokio::time::sleep(MS(10)).await;
        assert!(!waiting.is_finished());
        drop(first);
        // Released: the waiter gets a place, and the limit grew.
        let second = waiting.await.unwrap();
        assert_eq!(tracker.snapshot().concurrency(), 2);
        let third = w.acquire().await;
        assert_eq!(w.lock().in_flight, 2);
        drop((second, third));
        assert_eq!(w.lock().in_flight, 0);
        assert_eq!(tracker.snapshot().concurrency(), 4);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn many_tasks_never_exceed_the_limit_and_none_is_left_waiting() {
        let rate = rate();
        let rounds = async {
            for _ in 0..300 {
                // A fresh limit of 1 each round: the last release of a
                // round is the only one that can wake its last waiter.
                let w = rate.in_flight_limit(1, Tracker::new(None));
                let tasks: Vec<_> = (0..4)
                    .map(|_| {
                        let w = w.clone();
                        tokio::spawn(async move {
                            let p = w.acquire().await;
                            assert_eq!(w.lock().in_flight, 1);
                            tokio::task::yield_now().await;
                            drop(p);
                        })
                    })
                    .collect();
                for t in futures::future::join_all(tasks).await {
                    t.expect("a task failed");
                }
                assert_eq!(w.lock().in_flight, 0);
            }
        };
        // A lost wake-up would leave a task waiting for ever.
        tokio::time::timeout(Duration::from_secs(30), rounds)
            .await
            .expect("a task was left waiting");
    }
}
