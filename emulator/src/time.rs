//! Minimal UTC calendar arithmetic: RFC 3339 formatting and parsing of the
//! ISO-8601 forms FQL accepts (full timestamps, partial dates, `now-7d`).

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Days since 1970-01-01 for a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// Calendar date (year, month, day) for days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Formats epoch seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// A parsed point in time with the width of its precision: `'2024-01'`
/// covers the whole month, a full timestamp covers one second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSpan {
    /// First second covered.
    pub start: i64,
    /// First second after the span.
    pub end: i64,
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `now`, `now-7d`, `now+1h` (units s, m, h, d, w, y) relative to `now`.
pub fn parse_relative(s: &str, now: i64) -> Option<i64> {
    let rest = s.trim().strip_prefix("now")?;
    if rest.is_empty() {
        return Some(now);
    }
    let (sign, rest) = match rest.as_bytes()[0] {
        b'-' => (-1, &rest[1..]),
        b'+' => (1, &rest[1..]),
        _ => return None,
    };
    let unit = rest.chars().last()?;
    let n = num(&rest[..rest.len() - unit.len_utf8()])?;
    let mult = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        'y' => 365 * 86_400,
        _ => return None,
    };
    now.checked_add(sign * n.checked_mul(mult)?)
}

/// Parses ISO-8601 dates and timestamps (`2024`, `2024-05`, `2024-05-01`,
/// `2024-05-01T10:00`, `2024-05-01T10:00:00Z`, fractional seconds, `+02:00`
/// offsets, a space instead of `T`) and relative `now-…` expressions.
pub fn parse_time(s: &str, now: i64) -> Option<TimeSpan> {
    let s = s.trim();
    if s.starts_with("now") {
        let t = parse_relative(s, now)?;
        return Some(TimeSpan {
            start: t,
            end: t.checked_add(1)?,
        });
    }
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut parts = date.split('-');
    let y = num(parts.next()?)?;
    // ISO-8601 years have four digits; larger ones would overflow the arithmetic.
    if y > 9999 {
        return None;
    }
    let m = parts.next().map(num);
    let d = parts.next().map(num);
    if parts.next().is_some() {
        return None;
    }
    let Some(time) = time else {
        return date_span(y, m, d);
    };
    let (m, d) = (m??, d??);
    if !valid_md(m, d) {
        return None;
    }
    let (clock, offset) = split_zone(time)?;
    let (secs, has_sec) = clock_secs(clock)?;
    let start = days_from_civil(y, m as u32, d as u32) * 86_400 + secs - offset;
    Some(TimeSpan {
        start,
        end: start + if has_sec { 1 } else { 60 },
    })
}

fn valid_md(m: i64, d: i64) -> bool {
    (1..=12).contains(&m) && (1..=31).contains(&d)
}

/// The whole period a date without a time covers: a year, a month or a
/// day. `m` and `d` are absent (`None`) or parsed (`Some(None)` when not a
/// number).
fn date_span(y: i64, m: Option<Option<i64>>, d: Option<Option<i64>>) -> Option<TimeSpan> {
    match (m, d) {
        (None, _) => Some(TimeSpan {
            start: days_from_civil(y, 1, 1) * 86_400,
            end: days_from_civil(y + 1, 1, 1) * 86_400,
        }),
        (Some(m), None) => {
            let m = m?;
            if !valid_md(m, 1) {
                return None;
            }
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            Some(TimeSpan {
                start: days_from_civil(y, m as u32, 1) * 86_400,
                end: days_from_civil(ny, nm as u32, 1) * 86_400,
            })
        }
        (Some(m), Some(d)) => {
            let (m, d) = (m?, d?);
            if !valid_md(m, d) {
                return None;
            }
            let start = days_from_civil(y, m as u32, d as u32) * 86_400;
            Some(TimeSpan {
                start,
                end: start + 86_400,
            })
        }
    }
}

/// Splits a time of day from its zone designator (`Z`, `±HH:MM`, `±HHMM`,
/// `±HH`): the clock text and the offset in seconds.
fn split_zone(time: &str) -> Option<(&str, i64)> {
    if let Some(c) = time.strip_suffix(['Z', 'z']) {
        return Some((c, 0));
    }
    let Some(i) = time.rfind(['+', '-']) else {
        return Some((time, 0));
    };
    let (c, z) = time.split_at(i);
    let sign = if z.starts_with('-') { -1 } else { 1 };
    let z = &z[1..];
    let (hh, mm) = match z.split_once(':') {
        Some((h, m)) => (num(h)?, num(m)?),
        None if z.len() == 4 => (num(z.get(..2)?)?, num(z.get(2..)?)?),
        None => (num(z)?, 0),
    };
    if hh > 23 || mm > 59 {
        return None;
    }
    Some((c, sign * (hh * 3600 + mm * 60)))
}

/// `HH[:MM[:SS[.fff]]]` as seconds into the day, and whether it gave
/// seconds.
fn clock_secs(clock: &str) -> Option<(i64, bool)> {
    let mut hms = clock.split(':');
    let h = num(hms.next()?)?;
    let mi = hms.next().map(num).unwrap_or(Some(0))?;
    let (sec, has_sec) = match hms.next() {
        Some(sec) => {
            let whole = sec.split(['.', ',']).next()?;
            (num(whole)?, true)
        }
        None => (0, false),
    };
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some((h * 3600 + mi * 60 + sec, has_sec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for t in [0, 951_782_400, 1_700_000_000, 1_798_761_599] {
            let s = format_rfc3339(t);
            assert_eq!(parse_time(&s, 0).unwrap().start, t, "{s}");
        }
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn partial_and_relative() {
        let d = parse_time("2024-02", 0).unwrap();
        assert_eq!(d.end - d.start, 29 * 86_400);
        assert_eq!(
            parse_time("now-7d", 1_000_000).unwrap().start,
            1_000_000 - 604_800
        );
        assert_eq!(parse_time("now-24h", 100_000).unwrap().start, 13_600);
        assert_eq!(
            parse_time("2024-01-01T02:00:00+02:00", 0).unwrap().start,
            parse_time("2024-01-01", 0).unwrap().start
        );
        assert!(parse_time("yesterday", 0).is_none());
        assert!(parse_time("2024-13-01", 0).is_none());
    }
}
