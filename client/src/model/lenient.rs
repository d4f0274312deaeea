//! Lenient decoding of scalars: the API sometimes sends numbers and booleans
//! as strings. Used by the generated models and the reply envelope.
//!
//! One rule for integers everywhere: an integer is a JSON integer, a JSON
//! number without a fraction (`2.0`, below 2^53 in size so that it is
//! exact) or a string holding either. `1.5` is not an integer: a model
//! field refuses it ([`int`] fails the decoding, as serde would), and an
//! envelope member (`meta.pagination.total`, `errors[].code`, ...) reads it
//! as absent ([`int_or_absent`]), since a broken `meta` must not hide the
//! `resources` of a reply.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// One JSON scalar as read, its text borrowed: the rules below take it
/// straight from the parser, without buffering the value first.
enum Scalar<'a> {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(&'a str),
}

/// Reads one scalar and hands it to `rule`; a list or an object fails,
/// naming `what` was expected.
fn read<'de, D, T, F>(d: D, what: &'static str, rule: F) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    F: FnOnce(Scalar<'_>) -> Result<T, String>,
{
    d.deserialize_any(ScalarVisitor { what, rule })
}

struct ScalarVisitor<F> {
    what: &'static str,
    rule: F,
}

impl<F> ScalarVisitor<F> {
    fn apply<T, E: de::Error>(self, v: Scalar<'_>) -> Result<T, E>
    where
        F: FnOnce(Scalar<'_>) -> Result<T, String>,
    {
        (self.rule)(v).map_err(E::custom)
    }
}

impl<'de, T, F: FnOnce(Scalar<'_>) -> Result<T, String>> Visitor<'de> for ScalarVisitor<F> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        self.apply(Scalar::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        self.apply(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<T, E> {
        self.apply(Scalar::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> Result<T, E> {
        self.apply(Scalar::Int(i))
    }
    fn visit_u64<E: de::Error>(self, u: u64) -> Result<T, E> {
        // Above i64::MAX: a float, which the integer rule then refuses as inexact.
        self.apply(i64::try_from(u).map_or(Scalar::Float(u as f64), Scalar::Int))
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<T, E> {
        self.apply(Scalar::Float(f))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
        self.apply(Scalar::Text(s))
    }
}

/// Largest float magnitude read as an integer: every integer below it is
/// exact in an `f64`.
const EXACT_FLOAT: f64 = 9.0e15;

/// `f` as an integer, if it has no fraction and is exact.
fn whole(f: f64) -> Option<i64> {
    // The range check comes first, so the cast is exact.
    (f.fract() == 0.0 && f.abs() < EXACT_FLOAT).then_some(f as i64)
}

/// The module's integer rule: `Ok(None)` for absent (`null`, `""`),
/// `Err` with what was found for anything that is not an integer.
fn integer(v: Scalar<'_>) -> Result<Option<i64>, String> {
    let not_int = |found: &str| format!("expected an integer, found {found}");
    match v {
        Scalar::Null => Ok(None),
        Scalar::Int(i) => Ok(Some(i)),
        Scalar::Float(f) => whole(f).map(Some).ok_or_else(|| not_int(&f.to_string())),
        Scalar::Text(s) if s.trim().is_empty() => Ok(None),
        Scalar::Text(s) => {
            let t = s.trim();
            t.parse::<i64>()
                .ok()
                .or_else(|| t.parse::<f64>().ok().and_then(whole))
                .map(Some)
                .ok_or_else(|| not_int(&format!("{s:?}")))
        }
        Scalar::Bool(b) => Err(not_int(&b.to_string())),
    }
}

/// An integer, or a string holding one; `null` and `""` read as absent;
/// anything else (`1.5`, `"x"`, `true`) fails the decoding.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    read(d, "an integer", integer)
}

/// Like [`int`], but a value that is not an integer reads as absent
/// instead of failing: for the members of the reply envelope.
pub(crate) fn int_or_absent<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    // Read whole first, so that a list or an object is consumed, not refused.
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.and_then(|v| int(v).ok().flatten()))
}

/// Like [`float`], but a value that is not a number reads as absent
/// instead of failing: for the members of the reply envelope.
pub(crate) fn float_or_absent<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.and_then(|v| float(v).ok().flatten()))
}

/// A number, or a string holding one; `null` and `""` read as absent.
pub fn float<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    read(d, "a number", |v| match v {
        Scalar::Null => Ok(None),
        Scalar::Int(i) => Ok(Some(i as f64)),
        Scalar::Float(f) => Ok(Some(f)),
        Scalar::Text(s) if s.trim().is_empty() => Ok(None),
        Scalar::Text(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("expected a number, found {s:?}")),
        Scalar::Bool(_) => Err("expected a number".to_owned()),
    })
}

/// A boolean, or `"true"`/`"false"`; `null` reads as absent.
pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    read(d, "a boolean", |v| match v {
        Scalar::Null => Ok(None),
        Scalar::Bool(b) => Ok(Some(b)),
        Scalar::Text(s) => match s.trim() {
            t if t.eq_ignore_ascii_case("true") => Ok(Some(true)),
            t if t.eq_ignore_ascii_case("false") => Ok(Some(false)),
            "" => Ok(None),
            _ => Err(format!("expected a boolean, found {s:?}")),
        },
        _ => Err("expected a boolean".to_owned()),
    })
}

/// Text, or a number or boolean read as its text, handed to `parse` (a
/// vocabulary's): a vocabulary value never fails decoding for being sent
/// as another scalar, and text is read in place, not copied first.
pub fn text<'de, D: Deserializer<'de>, T>(d: D, parse: fn(&str) -> T) -> Result<T, D::Error> {
    read(d, "text", |v| match v {
        Scalar::Text(s) => Ok(parse(s)),
        Scalar::Int(i) => Ok(parse(&i.to_string())),
        Scalar::Float(f) => Ok(parse(&f.to_string())),
        Scalar::Bool(b) => Ok(parse(&b.to_string())),
        Scalar::Null => Err("expected text, found null".to_owned()),
    })
}

/// A list whose `null` entries are skipped (FalconPy's own aggregate
/// template sends `"sub_aggregates": [null]`); `null` reads as absent.
pub fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Vec<T>>, D::Error> {
    List::deserialize(d).map(|l| l.0)
}

/// A list whose `null` entries are skipped; `null` reads as absent.
pub struct List<T>(pub Option<Vec<T>>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_unit<E: de::Error>(self) -> Result<List<T>, E> {
                Ok(List(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<List<T>, E> {
                Ok(List(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<List<T>, D::Error> {
                d.deserialize_seq(self)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
                // The hint comes from the body: never trust it for more
                // than a small reservation.
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(item) = seq.next_element::<Option<T>>()? {
                    if let Some(item) = item {
                        out.push(item);
                    }
                }
                Ok(List(Some(out)))
            }
        }
        d.deserialize_option(V(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct T {
        #[serde(deserialize_with = "super::int")]
        i: Option<i64>,
        #[serde(deserialize_with = "super::float")]
        f: Option<f64>,
        #[serde(deserialize_with = "super::boolean")]
        b: Option<bool>,
    }

    #[test]
    fn accepts_numbers_as_strings_and_null() {
        let t: T = serde_json::from_str(r#"{"i":"42","f":"1.5","b":"true"}"#).unwrap();
        assert_eq!((t.i, t.f, t.b), (Some(42), Some(1.5), Some(true)));
        let t: T = serde_json::from_str(r#"{"i":null,"f":2,"b":false}"#).unwrap();
        assert_eq!((t.i, t.f, t.b), (None, Some(2.0), Some(false)));
        let t: T = serde_json::from_str("{}").unwrap();
        assert_eq!((t.i, t.f, t.b), (None, None, None));
        assert!(serde_json::from_str::<T>(r#"{"i":"x"}"#).is_err());
    }

    #[test]
    fn integers_follow_one_rule() {
        let t: T = serde_json::from_str(r#"{"i":2.0}"#).unwrap();
        assert_eq!(t.i, Some(2));
        let t: T = serde_json::from_str(r#"{"i":"7.0"}"#).unwrap();
        assert_eq!(t.i, Some(7));
        let t: T = serde_json::from_str(r#"{"i":""}"#).unwrap();
        assert_eq!(t.i, None);
        for refused in [
            r#"{"i":1.5}"#,
            r#"{"i":"1.5"}"#,
            r#"{"i":true}"#,
            r#"{"i":1e300}"#,
        ] {
            let e = serde_json::from_str::<T>(refused).err();
            assert!(
                e.as_ref()
                    .is_some_and(|e| e.to_string().contains("expected an integer")),
                "{refused}: {e:?}"
            );
        }
    }

    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Envelope {
        #[serde(deserialize_with = "super::int_or_absent")]
        i: Option<i64>,
        #[serde(deserialize_with = "super::float_or_absent")]
        f: Option<f64>,
    }

    #[test]
    fn envelope_members_read_non_integers_as_absent() {
        let e: Envelope = serde_json::from_str(r#"{"i":"42","f":"0.25"}"#).unwrap();
        assert_eq!((e.i, e.f), (Some(42), Some(0.25)));
        let e: Envelope = serde_json::from_str(r#"{"i":3.0,"f":2}"#).unwrap();
        assert_eq!((e.i, e.f), (Some(3), Some(2.0)));
        for absent in [
            r#"{"i":1.5,"f":"x"}"#,
            r#"{"i":"1.5","f":true}"#,
            r#"{"i":{"a":1},"f":[1]}"#,
            r#"{"i":null,"f":null}"#,
        ] {
            let e: Envelope = serde_json::from_str(absent).unwrap();
            assert_eq!((e.i, e.f), (None, None), "{absent}");
        }
    }

    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct L {
        #[serde(deserialize_with = "super::list")]
        l: Option<Vec<String>>,
    }

    #[test]
    fn null_list_entries_are_skipped() {
        let l: L = serde_json::from_str(r#"{"l":[null,"a",null]}"#).unwrap();
        assert_eq!(l.l, Some(vec!["a".to_owned()]));
        let l: L = serde_json::from_str(r#"{"l":null}"#).unwrap();
        assert_eq!(l.l, None);
    }
}
