//! A field the API sends as one value or as a list of them.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{
    BoolDeserializer, BorrowedStrDeserializer, F64Deserializer, I64Deserializer,
    MapAccessDeserializer, SeqAccessDeserializer, StrDeserializer, StringDeserializer,
    U64Deserializer,
};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

/// One value or a list of values, kept in the form the API sent, so a
/// value re-serialises as it arrived: `"a.example"` stays a string and
/// `["a.example"]` a list. Whatever the form, it reads as a slice (it
/// dereferences to `[T]`: `first()`, `len()`, `iter()`...).
///
/// ```
/// use falcon_exposure::OneOrMany;
///
/// let one: OneOrMany<String> = serde_json::from_str(r#""a.example""#).unwrap();
/// let many: OneOrMany<String> = serde_json::from_str(r#"["a.example","b.example"]"#).unwrap();
/// assert_eq!(one.as_slice(), ["a.example"]);
/// assert_eq!(many.len(), 2);
/// assert_eq!(many.first().map(String::as_str), Some("a.example"));
/// assert_eq!(serde_json::to_string(&one).unwrap(), r#""a.example""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// A single value, sent without a list.
    One(T),
    /// A list of values.
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// The values, whatever the form.
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(v) => std::slice::from_ref(v),
            OneOrMany::Many(vs) => vs,
        }
    }

    /// The values as a list.
    pub fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(v) => vec![v],
            OneOrMany::Many(vs) => vs,
        }
    }
}

impl<T> std::ops::Deref for OneOrMany<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany::Many(Vec::new())
    }
}

impl<T> From<T> for OneOrMany<T> {
    fn from(v: T) -> Self {
        OneOrMany::One(v)
    }
}

impl<T> From<Vec<T>> for OneOrMany<T> {
    fn from(vs: Vec<T>) -> Self {
        OneOrMany::Many(vs)
    }
}

impl<'a, T> IntoIterator for &'a OneOrMany<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// A list is `Many`; anything else is handed to `T` as `One`. The value is
/// read once, where serde's untagged enums buffer it to try each form.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(OneOrManyVisitor(PhantomData))
    }
}

struct OneOrManyVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> OneOrManyVisitor<T> {
    fn one<E: de::Error, D: Deserializer<'de, Error = E>>(d: D) -> Result<OneOrMany<T>, E> {
        T::deserialize(d).map(OneOrMany::One)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrManyVisitor<T> {
    type Value = OneOrMany<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value or a list of values")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Vec::deserialize(SeqAccessDeserializer::new(seq)).map(OneOrMany::Many)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Self::one(MapAccessDeserializer::new(map))
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        Self::one(BorrowedStrDeserializer::new(s))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Self::one(StrDeserializer::new(s))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
        Self::one(StringDeserializer::new(s))
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
        Self::one(BoolDeserializer::new(b))
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Self::Value, E> {
        Self::one(I64Deserializer::new(i))
    }
    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Self::Value, E> {
        Self::one(U64Deserializer::new(u))
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Self::Value, E> {
        Self::one(F64Deserializer::new(f))
    }
}

#[cfg(test)]
mod tests {
    use super::OneOrMany;

    #[test]
    fn each_form_reads_once_and_a_wrong_one_fails() {
        let one: OneOrMany<String> = serde_json::from_str(r#""a""#).unwrap();
        assert_eq!(one, OneOrMany::One("a".to_owned()));
        let escaped: OneOrMany<String> = serde_json::from_str(r#""\u0061""#).unwrap();
        assert_eq!(escaped, OneOrMany::One("a".to_owned()));
        let many: OneOrMany<String> = serde_json::from_str(r#"["a","b"]"#).unwrap();
        assert_eq!(many.len(), 2);
        let n: OneOrMany<i64> = serde_json::from_str("7").unwrap();
        assert_eq!(n, OneOrMany::One(7));
        let v: OneOrMany<String> = serde_json::from_value(serde_json::json!(["x"])).unwrap();
        assert_eq!(v, OneOrMany::Many(vec!["x".to_owned()]));
        assert!(serde_json::from_str::<OneOrMany<String>>("7").is_err());
        assert!(serde_json::from_str::<OneOrMany<String>>(r#"["a",1]"#).is_err());
        assert!(serde_json::from_str::<OneOrMany<String>>(r#"{"a":1}"#).is_err());
    }
}
