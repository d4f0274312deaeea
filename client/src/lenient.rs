//! Lenient decoding of scalars: the API sometimes sends numbers and booleans
//! as strings. Used by the generated models.

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

/// An integer, or a string holding one; `null` and `""` read as absent.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    use serde::de::Error;
    match scalar(d)? {
        None => Ok(None),
        Some(Scalar::Int(i)) => Ok(Some(i)),
        Some(Scalar::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
        Some(Scalar::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(Scalar::Text(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("expected an integer, found {s:?}"))),
        Some(_) => Err(D::Error::custom("expected an integer")),
    }
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
