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

use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Scalar>, D::Error> {
    Option::<Scalar>::deserialize(d)
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
fn integer(v: Option<Scalar>) -> Result<Option<i64>, String> {
    let not_int = |found: &str| format!("expected an integer, found {found}");
    match v {
        None => Ok(None),
        Some(Scalar::Int(i)) => Ok(Some(i)),
        Some(Scalar::Float(f)) => whole(f).map(Some).ok_or_else(|| not_int(&f.to_string())),
        Some(Scalar::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(Scalar::Text(s)) => {
            let t = s.trim();
            t.parse::<i64>()
                .ok()
                .or_else(|| t.parse::<f64>().ok().and_then(whole))
                .map(Some)
                .ok_or_else(|| not_int(&format!("{s:?}")))
        }
        Some(Scalar::Bool(b)) => Err(not_int(&b.to_string())),
    }
}

/// An integer, or a string holding one; `null` and `""` read as absent;
/// anything else (`1.5`, `"x"`, `true`) fails the decoding.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    integer(scalar(d)?).map_err(serde::de::Error::custom)
}

/// Like [`int`], but a value that is not an integer reads as absent
/// instead of failing: for the members of the reply envelope.
pub(crate) fn int_or_absent<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.and_then(|v| Scalar::deserialize(v).ok())
        .and_then(|s| integer(Some(s)).ok().flatten()))
}

/// Like [`float`], but a value that is not a number reads as absent
/// instead of failing: for the members of the reply envelope.
pub(crate) fn float_or_absent<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.and_then(|v| float(v).ok().flatten()))
}

/// A number, or a string holding one; `null` and `""` read as absent.
pub fn float<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    use serde::de::Error;
    match scalar(d)? {
        None => Ok(None),
        Some(Scalar::Int(i)) => Ok(Some(i as f64)),
        Some(Scalar::Float(f)) => Ok(Some(f)),
        Some(Scalar::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(Scalar::Text(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("expected a number, found {s:?}"))),
        Some(Scalar::Bool(_)) => Err(D::Error::custom("expected a number")),
    }
}

/// A boolean, or `"true"`/`"false"`; `null` reads as absent.
pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    use serde::de::Error;
    match scalar(d)? {
        None => Ok(None),
        Some(Scalar::Bool(b)) => Ok(Some(b)),
        Some(Scalar::Text(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            "" => Ok(None),
            _ => Err(D::Error::custom(format!("expected a boolean, found {s:?}"))),
        },
        Some(_) => Err(D::Error::custom("expected a boolean")),
    }
}

/// Text, or a number or boolean read as its text: a vocabulary value never
/// fails decoding for being sent as another scalar.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    use serde::de::Error;
    match scalar(d)? {
        Some(Scalar::Text(s)) => Ok(s),
        Some(Scalar::Int(i)) => Ok(i.to_string()),
        Some(Scalar::Float(f)) => Ok(f.to_string()),
        Some(Scalar::Bool(b)) => Ok(b.to_string()),
        None => Err(D::Error::custom("expected text, found null")),
    }
}

/// A list whose `null` entries are skipped (FalconPy's own aggregate
/// template sends `"sub_aggregates": [null]`); `null` reads as absent.
pub fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Vec<T>>, D::Error> {
    Ok(Option::<Vec<Option<T>>>::deserialize(d)?.map(|v| v.into_iter().flatten().collect()))
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
