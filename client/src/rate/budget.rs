//! The rate budget of one account over the sliding minute, shared by
//! every client of that account in the process (the design: the
//! [module docs](super)).
//!
//! One [`Budget`] per (base URL, account) records this process's sends
//! over the last minute, the limit and `X-RateLimit-Remaining` of the
//! replies, others' use as a sliding maximum, the next due time of the
//! spread sends and the 429 cooldown.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use tokio::time::Instant;

use crate::model::response::RateLimit;

/// The span the API counts requests over: a sliding minute.
const MINUTE: Duration = Duration::from_secs(60);
/// Added to the minute before a send is taken to have left it: the server
/// counts in whole seconds, so its minute may end up to a second later.
const SLACK: Duration = Duration::from_secs(1);
/// Largest limit believed from a reply; a larger one is taken as this.
/// The real limit is 6,000; the bound keeps every product below in range.
const MAX_LIMIT: u64 = 1_000_000;
/// The part of a minute's allowance that may go out at once before sends
/// are spread (1/10: six seconds' worth).
const BURST_DIVISOR: u64 = 10;

/// Which budget a client draws from: the base URL it was built for and the
/// account it acts on. Holds the member CID: never printed.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    base: String,
    account: Account,
}

/// The account part of a [`Key`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) enum Account {
    /// A CID: the builder's account hint or the member CID.
    Cid(String),
    /// Nothing names the CID: the API client stands for its account.
    ClientId(String),
}

impl Account {
    /// A CID, compared without case and surrounding blanks.
    pub(crate) fn cid(cid: &str) -> Self {
        Account::Cid(cid.trim().to_ascii_lowercase())
    }
}

impl Key {
    pub(crate) fn new(base: &str, account: Account) -> Self {
        Key {
            base: base.to_owned(),
            account,
        }
    }
}

/// How much of the budget a client uses, as seen now.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BudgetStatus {
    /// This client's share of the account's limit.
    pub share: f64,
    /// The account's limit per minute, from the last reply that gave it
    /// (`None` before the first).
    pub limit: Option<u64>,
    /// Requests this process sent to the account in the last minute, by
    /// every client that shares the budget.
    pub sent_in_window: u64,
    /// Requests this client may have in the minute now: its share of the
    /// limit, less what other integrations were last seen using
    /// (`None` while the limit is unknown: no pacing).
    pub allowed: Option<u64>,
    /// Requests in the last minute by others (other integrations or
    /// processes): the highest estimate from the `X-RateLimit-Remaining`
    /// of the last minute's replies (others this client crowds out stop
    /// showing in the API's count, so the latest would understate them);
    /// `None` when no recent reply gave it.
    pub others_in_window: Option<u64>,
}

/// One account's budget.
#[derive(Default)]
pub(crate) struct Budget {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// This process's sends in the last minute, oldest first.
    sends: VecDeque<Instant>,
    /// `X-RateLimit-Limit`, bounded.
    limit: Option<u64>,
    /// The last `X-RateLimit-Remaining`.
    remaining: Option<u64>,
    /// Others' use of the minute as each reply showed it, and when: the
    /// readings that may still be the minute's highest, in decreasing
    /// order (a sliding maximum; why: the module docs of `rate`).
    others: VecDeque<(u64, Instant)>,
    /// When the next send is due when sends are spread evenly (the
    /// "theoretical arrival time" of a generic cell rate algorithm).
    due: Option<Instant>,
    /// Until when nobody sends, after a 429.
    cooldown: Option<Instant>,
}

/// The process-wide budgets, by key. Weak: a budget goes away with the
/// last client using it.
static REGISTRY: OnceLock<Mutex<HashMap<Key, Weak<Budget>>>> = OnceLock::new();

/// The budget of `key`, shared with every live client of the same key.
pub(crate) fn shared(key: Key) -> Arc<Budget> {
    let registry = REGISTRY.get_or_init(Default::default);
    let Ok(mut map) = registry.lock() else {
        // A panic elsewhere while holding the lock: pace alone rather than
        // fail.
        return Arc::default();
    };
    map.retain(|_, b| b.strong_count() > 0);
    if let Some(b) = map.get(&key).and_then(Weak::upgrade) {
        return b;
    }
    let b = Arc::new(Budget::default());
    map.insert(key, Arc::downgrade(&b));
    b
}

/// The most sends a client of `share` may have in the minute.
fn cap(limit: u64, share: f64, others: Option<u64>) -> u64 {
    // `limit` ≤ MAX_LIMIT and 0 < share ≤ 1: the product is in range.
    let own = (share * limit as f64).floor() as u64;
    let left = others.map_or(limit, |o| limit.saturating_sub(o));
    own.min(left).max(1)
}

impl State {
    fn prune(&mut self, now: Instant) {
        while self
            .sends
            .front()
            .is_some_and(|&t| t + MINUTE + SLACK <= now)
        {
            self.sends.pop_front();
        }
        while self
            .others
            .front()
            .is_some_and(|&(_, seen)| seen + MINUTE + SLACK <= now)
        {
            self.others.pop_front();
        }
    }

    /// This process's sends in the last minute (as of the last prune).
    fn sent_in_minute(&self) -> u64 {
        u64::try_from(self.sends.len()).unwrap_or(u64::MAX)
    }

    /// The highest reading of others' use in the last minute.
    fn others(&self) -> Option<u64> {
        self.others.front().map(|&(o, _)| o)
    }

    fn saw_others(&mut self, others: u64, now: Instant) {
        while self.others.back().is_some_and(|&(o, _)| o <= others) {
            self.others.pop_back();
        }
        self.others.push_back((others, now));
    }
}

impl Budget {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent at every step: a poisoned lock is
        // still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a send slot at `now` for a client of `share`, or says when to
    /// ask again.
    pub(crate) fn reserve(&self, now: Instant, share: f64) -> Option<Instant> {
        let mut s = self.lock();
        s.prune(now);
        if let Some(until) = s.cooldown.filter(|&u| u > now) {
            return Some(until);
        }
        if let Some(limit) = s.limit {
            let cap = cap(limit, share, s.others());
            let n = s.sends.len();
            let cap_n = usize::try_from(cap).unwrap_or(usize::MAX);
            if n >= cap_n {
                // Wait until enough of the oldest sends leave the minute.
                return Some(s.sends[n - cap_n] + MINUTE + SLACK);
            }
            // Spread: after a burst of a tenth of the allowance, one send
            // per `MINUTE / cap`.
            let interval = MINUTE / u32::try_from(cap).unwrap_or(u32::MAX);
            let burst = (cap / BURST_DIVISOR).max(1);
            let ahead = interval.saturating_mul(u32::try_from(burst - 1).unwrap_or(u32::MAX));
            let due = s.due.map_or(now, |d| d.max(now));
            let earliest = due.checked_sub(ahead).unwrap_or(now);
            if earliest > now {
                return Some(earliest);
            }
            s.due = Some(due + interval);
        }
        s.sends.push_back(now);
        None
    }

    /// Waits for a send slot.
    pub(crate) async fn acquire(&self, share: f64) {
        while let Some(until) = self.reserve(Instant::now(), share) {
            tracing::debug!(
                wait_ms = until.saturating_duration_since(Instant::now()).as_millis() as u64,
                share,
                "pacing to the account's rate budget"
            );
            tokio::time::sleep_until(until).await;
        }
    }

    /// Records the rate-limit figures of a reply that reports the
    /// account's budget.
    pub(crate) fn observe(&self, now: Instant, rl: &RateLimit) {
        let mut s = self.lock();
        s.prune(now);
        if let Some(l) = rl.limit.filter(|&l| l > 0) {
            s.limit = Some(l.min(MAX_LIMIT));
        }
        if let Some(r) = rl.remaining {
            s.remaining = Some(r);
            if let Some(limit) = s.limit {
                let used = limit.saturating_sub(r.min(limit));
                let own = s.sent_in_minute();
                s.saw_others(used.saturating_sub(own), now);
            }
        }
    }

    /// Nobody sends before `until`.
    pub(crate) fn cool_down(&self, until: Instant) {
        let mut s = self.lock();
        if s.cooldown.is_none_or(|u| u < until) {
            s.cooldown = Some(until);
        }
    }

    /// The last `X-RateLimit-Remaining`; `None` before a reply gave it.
    pub(crate) fn remaining(&self) -> Option<u64> {
        self.lock().remaining
    }

    /// The budget as a client of `share` sees it at `now`.
    pub(crate) fn status(&self, now: Instant, share: f64) -> BudgetStatus {
        let mut s = self.lock();
        s.prune(now);
        BudgetStatus {
            share,
            limit: s.limit,
            sent_in_window: s.sent_in_minute(),
            allowed: s.limit.map(|l| cap(l, share, s.others())),
            others_in_window: s.others(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rl(limit: u64, remaining: u64) -> RateLimit {
        RateLimit {
            limit: Some(limit),
            remaining: Some(remaining),
            retry_after: None,
        }
    }

    #[test]
    fn the_cap_is_the_share_less_what_others_use() {
        assert_eq!(cap(6000, 0.5, None), 3000);
        assert_eq!(cap(60, 0.1, None), 6);
        // Others leave 1,000: that is less than the share.
        assert_eq!(cap(6000, 0.5, Some(5000)), 1000);
        // Others leave more than the share: the share rules.
        assert_eq!(cap(6000, 0.5, Some(1000)), 3000);
        // Never zero: one probe per minute, which a 429 then governs.
        assert_eq!(cap(6000, 0.5, Some(6000)), 1);
        assert_eq!(cap(1, 0.1, None), 1);
    }

    #[test]
    fn without_a_known_limit_nothing_is_paced_but_sends_are_counted() {
        let b = Budget::default();
        let now = Instant::now();
        for _ in 0..100 {
            assert_eq!(b.reserve(now, 0.1), None);
        }
        assert_eq!(b.status(now, 0.1).sent_in_window, 100);
    }

    #[tokio::test(start_paused = true)]
    async fn a_low_share_spreads_sends_and_the_seventh_waits_for_the_minute() {
        let b = Arc::new(Budget::default());
        b.observe(Instant::now(), &rl(60, 60));
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..7 {
            b.acquire(0.1).await;
            at.push(Instant::now() - start);
        }
        // Share 0.1 of 60 = 6 a minute, one every 10 s (no burst at this
        // size); the 7th waits until the 1st has left the minute.
        let secs: Vec<u64> = at.iter().map(|d| d.as_secs()).collect();
        assert_eq!(secs, [0, 10, 20, 30, 40, 50, 61]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_larger_share_bursts_a_tenth_then_spreads() {
        let b = Budget::default();
        b.observe(Instant::now(), &rl(6000, 6000));
        let start = Instant::now();
        for _ in 0..300 {
            b.acquire(0.5).await;
        }
        // 3,000 a minute: 300 at once...
        assert_eq!(Instant::now() - start, Duration::ZERO);
        // ...then one every 20 ms.
        b.acquire(0.5).await;
        b.acquire(0.5).await;
        assert_eq!(Instant::now() - start, Duration::from_millis(40));
    }

    #[tokio::test(start_paused = true)]
    async fn others_in_the_minute_shrink_the_allowance() {
        let b = Budget::default();
        let start = Instant::now();
        // Limit 60, share 0.5 = 30; a reply says 13 remain after our one
        // send: others used 46, leaving 14.
        b.reserve(start, 0.5);
        b.observe(start, &rl(60, 13));
        let st = b.status(start, 0.5);
        assert_eq!(st.others_in_window, Some(46));
        assert_eq!(st.allowed, Some(14));
        for _ in 1..14 {
            b.acquire(0.5).await;
        }
        assert_eq!(b.status(Instant::now(), 0.5).sent_in_window, 14);
        let before = Instant::now();
        b.acquire(0.5).await;
        // The 15th waits for the first to leave the minute.
        assert_eq!(Instant::now() - start, MINUTE + SLACK);
        assert!(Instant::now() > before);
    }

    #[test]
    fn others_squeezed_out_still_count_for_a_minute() {
        let b = Budget::default();
        let start = Instant::now();
        // Limit 6,000, share 0.9: others were seen using 1,800...
        b.observe(start, &rl(6000, 4200));
        assert_eq!(b.status(start, 0.9).allowed, Some(4200));
        // ...then fewer, as if refused: the allowance keeps room for the
        // 1,800 until that reading is a minute old.
        let later = start + Duration::from_secs(30);
        b.observe(later, &rl(6000, 5000));
        assert_eq!(b.status(later, 0.9).others_in_window, Some(1800));
        assert_eq!(b.status(later, 0.9).allowed, Some(4200));
        let after = start + MINUTE + SLACK;
        assert_eq!(b.status(after, 0.9).others_in_window, Some(1000));
        assert_eq!(b.status(after, 0.9).allowed, Some(5000));
        // A higher reading replaces the lower ones at once.
        b.observe(after, &rl(6000, 3000));
        assert_eq!(b.status(after, 0.9).others_in_window, Some(3000));
    }

    #[test]
    fn remaining_is_unknown_until_a_reply_gives_it() {
        let b = Budget::default();
        let now = Instant::now();
        assert_eq!(b.remaining(), None);
        b.observe(
            now,
            &RateLimit {
                limit: Some(60),
                ..RateLimit::default()
            },
        );
        assert_eq!(b.remaining(), None);
        b.observe(now, &rl(60, 0));
        assert_eq!(b.remaining(), Some(0));
    }

    #[test]
    fn a_cooldown_holds_everyone() {
        let b = Budget::default();
        let now = Instant::now();
        b.cool_down(now + Duration::from_secs(5));
        assert_eq!(b.reserve(now, 0.5), Some(now + Duration::from_secs(5)));
        assert_eq!(b.reserve(now + Duration::from_secs(5), 0.5), None);
    }

    #[test]
    fn hostile_figures_stay_in_range() {
        let b = Budget::default();
        let now = Instant::now();
        b.observe(now, &rl(u64::MAX, u64::MAX));
        b.observe(now, &rl(0, u64::MAX));
        let st = b.status(now, 1.0);
        assert_eq!(st.limit, Some(MAX_LIMIT));
        assert_eq!(st.allowed, Some(MAX_LIMIT));
        assert_eq!(b.reserve(now, 1.0), None);
    }

    #[test]
    fn one_key_one_budget() {
        let k = |a: &str| Key::new("http://127.0.0.1:1/", Account::cid(a));
        let a = shared(k("ABC"));
        let b = shared(k(" abc "));
        assert!(Arc::ptr_eq(&a, &b));
        let c = shared(Key::new(
            "http://127.0.0.1:1/",
            Account::ClientId("abc".into()),
        ));
        assert!(!Arc::ptr_eq(&a, &c));
    }
}
