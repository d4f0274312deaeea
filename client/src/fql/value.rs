//! Filter values and how each field value type accepts them.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::field::{Boolean, Integer, IpAddress, Text, Timestamp};

/// A value on the right of a comparison, as it is rendered in FQL.
///
/// Text, timestamps, relative times and IP addresses are rendered in single
/// quotes with `\` and `'` escaped by a backslash (`'it\'s'`). CrowdStrike
/// documents no escaping rule: this one is common practice and has not been
/// verified against the API. Integers, booleans and `null` are unquoted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Value {
    /// Quoted text. For a timestamp field this may be a partial date
    /// (`'2024-01'`) and for an IP field a partial or CIDR-like address.
    Text(String),
    /// An unquoted integer.
    Integer(i64),
    /// `true` or `false`.
    Boolean(bool),
    /// `null`.
    Null,
    /// A point in time, rendered in RFC 3339 UTC (`'2024-01-01T00:00:00Z'`).
    Timestamp(time::OffsetDateTime),
    /// A time relative to now (`'now-7d'`).
    Relative(RelativeTime),
    /// An IP address (`'192.0.2.1'`).
    Ip(IpAddr),
}

pub(crate) fn write_quoted(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_char('\'')?;
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('\'')
}

/// RFC 3339 in UTC with `Z`, fractional seconds only when present.
/// `t` in RFC 3339, UTC, with the fraction of a second only when there is one.
pub(crate) fn write_rfc3339(f: &mut impl fmt::Write, t: time::OffsetDateTime) -> fmt::Result {
    let t = t.to_offset(time::UtcOffset::UTC);
    write!(
        f,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )?;
    let nanos = t.nanosecond();
    if nanos != 0 {
        let digits = format!("{nanos:09}");
        write!(f, ".{}", digits.trim_end_matches('0'))?;
    }
    f.write_char('Z')
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(s) => write_quoted(f, s),
            Value::Integer(n) => write!(f, "{n}"),
            Value::Boolean(b) => write!(f, "{b}"),
            Value::Null => f.write_str("null"),
            Value::Timestamp(t) => {
                let mut s = String::new();
                write_rfc3339(&mut s, *t)?;
                write_quoted(f, &s)
            }
            Value::Relative(r) => write!(f, "'{r}'"),
            Value::Ip(ip) => write!(f, "'{ip}'"),
        }
    }
}

/// A time relative to the moment the API evaluates the filter, such as
/// `now-7d` or `now-24h`. Only the units `d` (days) and `h` (hours) are
/// documented, so only those can be built.
///
/// ```
/// use falcon_exposure::fql::RelativeTime;
/// assert_eq!(RelativeTime::days_ago(7).to_string(), "now-7d");
/// assert_eq!(RelativeTime::hours_ago(24).to_string(), "now-24h");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RelativeTime {
    amount: u32,
    unit: TimeUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum TimeUnit {
    Days,
    Hours,
}

impl RelativeTime {
    /// Now (`now`).
    pub const fn now() -> Self {
        Self {
            amount: 0,
            unit: TimeUnit::Days,
        }
    }

    /// `days` days ago (`now-{days}d`).
    pub const fn days_ago(days: u32) -> Self {
        Self {
            amount: days,
            unit: TimeUnit::Days,
        }
    }

    /// `hours` hours ago (`now-{hours}h`).
    pub const fn hours_ago(hours: u32) -> Self {
        Self {
            amount: hours,
            unit: TimeUnit::Hours,
        }
    }
}

impl fmt::Display for RelativeTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.amount == 0 {
            return f.write_str("now");
        }
        let unit = match self.unit {
            TimeUnit::Days => 'd',
            TimeUnit::Hours => 'h',
        };
        write!(f, "now-{}{unit}", self.amount)
    }
}

/// A Rust value that a field of value type `V` accepts.
///
/// Implemented for `&str`/`String` ([`Text`]), the integer types that fit in
/// `i64` ([`Integer`]), `bool` ([`Boolean`]), [`time::OffsetDateTime`]
/// and [`RelativeTime`] ([`Timestamp`]), and
/// [`IpAddr`], [`Ipv4Addr`], [`Ipv6Addr`] and `&str`/`String` for partial or
/// CIDR-like addresses ([`IpAddress`]).
pub trait IntoValue<V> {
    /// The FQL value.
    fn into_value(self) -> Value;
}

impl IntoValue<Text> for &str {
    fn into_value(self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl IntoValue<Text> for String {
    fn into_value(self) -> Value {
        Value::Text(self)
    }
}
impl IntoValue<Text> for &String {
    fn into_value(self) -> Value {
        Value::Text(self.clone())
    }
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl IntoValue<Integer> for $t {
            fn into_value(self) -> Value {
                Value::Integer(i64::from(self))
            }
        }
    )*};
}
integers!(i8, i16, i32, i64, u8, u16, u32);

impl IntoValue<Boolean> for bool {
    fn into_value(self) -> Value {
        Value::Boolean(self)
    }
}

impl IntoValue<Timestamp> for time::OffsetDateTime {
    fn into_value(self) -> Value {
        Value::Timestamp(self)
    }
}
impl IntoValue<Timestamp> for RelativeTime {
    fn into_value(self) -> Value {
        Value::Relative(self)
    }
}

impl IntoValue<IpAddress> for IpAddr {
    fn into_value(self) -> Value {
        Value::Ip(self)
    }
}
impl IntoValue<IpAddress> for Ipv4Addr {
    fn into_value(self) -> Value {
        Value::Ip(self.into())
    }
}
impl IntoValue<IpAddress> for Ipv6Addr {
    fn into_value(self) -> Value {
        Value::Ip(self.into())
    }
}
impl IntoValue<IpAddress> for &str {
    fn into_value(self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl IntoValue<IpAddress> for String {
    fn into_value(self) -> Value {
        Value::Text(self)
    }
}
