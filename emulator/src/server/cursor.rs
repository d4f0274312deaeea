//! The `after` cursor of the v2 query.
//!
//! Besides where the next page starts, it carries the length of the page
//! before it and the number of the page it leads to in the walk, so that
//! the repeat faults of [`Paging`](crate::Paging) can hand a page back; and
//! what kind of page it leads to, so that the cursor a fault hands out is a
//! string the walk has not seen. It is written as 40 hex digits: a check
//! word, then the fields scrambled with a key drawn from it. So cursors look
//! opaque, and a mangled one fails the check and is refused.

use crate::rng::Rng;

/// Length of an encoded cursor.
const LEN: usize = 40;

/// What the page a cursor leads to is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leads {
    /// The page starting at `start`.
    Next,
    /// The page starting at `start` too, reached after the page before it
    /// was handed back again: a different string from the cursor that was
    /// answered with the repeated page.
    AfterRepeat,
    /// The last page again (the `back` results before `start`), which ends
    /// the walk.
    LastAgain,
}

/// A decoded cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// Position of the first result of the page it leads to.
    pub start: u32,
    /// Length of the page that ended at `start`.
    pub back: u32,
    /// Number of the page it leads to; the first page of a walk, asked
    /// without a cursor, is 1.
    pub page: u32,
    /// What that page is.
    pub leads: Leads,
}

/// 64 well-mixed bits of `x` (one SplitMix64 step).
fn mix(x: u64) -> u64 {
    Rng::new(x).next_u64()
}

/// The check word of the packed fields.
fn check(lo: u64, hi: u64) -> u32 {
    (mix(lo ^ mix(hi)) >> 32) as u32
}

impl Cursor {
    /// The cursor as the reply's `after`.
    pub fn encode(self) -> String {
        let lo = u64::from(self.start) | u64::from(self.back) << 32;
        let hi = u64::from(self.page) | (self.leads as u64) << 32;
        let check = check(lo, hi);
        let key = u64::from(check);
        format!("{check:08x}{:016x}{:016x}", lo ^ mix(key), hi ^ mix(!key))
    }

    /// The cursor `s` encodes; `None` for anything [`encode`](Self::encode)
    /// did not write.
    pub fn decode(s: &str) -> Option<Cursor> {
        let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
        if s.len() != LEN || !s.bytes().all(lower_hex) {
            return None;
        }
        let word = |range: std::ops::Range<usize>| u64::from_str_radix(&s[range], 16).ok();
        let key = word(0..8)?;
        let lo = word(8..24)? ^ mix(key);
        let hi = word(24..LEN)? ^ mix(!key);
        if u64::from(check(lo, hi)) != key {
            return None;
        }
        let leads = match hi >> 32 {
            0 => Leads::Next,
            1 => Leads::AfterRepeat,
            2 => Leads::LastAgain,
            _ => return None,
        };
        Some(Cursor {
            start: lo as u32,
            back: (lo >> 32) as u32,
            page: hi as u32,
            leads,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(start: u32, back: u32, page: u32, leads: Leads) -> Cursor {
        Cursor {
            start,
            back,
            page,
            leads,
        }
    }

    #[test]
    fn round_trips_and_differs_by_every_field() {
        let all = [
            cursor(100, 100, 2, Leads::Next),
            cursor(200, 100, 3, Leads::Next),
            cursor(200, 100, 3, Leads::AfterRepeat),
            cursor(200, 100, 3, Leads::LastAgain),
            cursor(200, 99, 3, Leads::Next),
            cursor(u32::MAX, u32::MAX, u32::MAX, Leads::LastAgain),
        ];
        let encoded: Vec<String> = all.iter().map(|c| c.encode()).collect();
        for (c, s) in all.iter().zip(&encoded) {
            assert_eq!(s.len(), LEN);
            assert_eq!(Cursor::decode(s), Some(*c), "{s}");
        }
        let distinct: std::collections::HashSet<_> = encoded.iter().collect();
        assert_eq!(distinct.len(), all.len());
    }

    #[test]
    fn refuses_what_it_did_not_write() {
        let good = cursor(64, 64, 2, Leads::Next).encode();
        let mut flipped = good.clone().into_bytes();
        flipped[20] = if flipped[20] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).unwrap();
        for bad in [
            "",
            "garbage",
            "c5a5a5a1a",
            &good[1..],
            &format!("{good}0"),
            &good.to_uppercase(),
            &format!("+{}", &good[1..]),
            &flipped,
        ] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }
}
