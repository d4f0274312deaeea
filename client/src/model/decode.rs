//! How the generated models decode: one pass over the JSON, no buffering.
//!
//! serde's derive buffers a whole object into its `Content` tree when a
//! struct has a `#[serde(flatten)]` member (the `extra` map), and again
//! for every `#[serde(untagged)]` value (lenient scalars, one-or-many);
//! each nested model with an `extra` map buffers its part once more.
//! Here each model's member names are matched as they are read (borrowed
//! from the body when they hold no escape), each value is decoded straight
//! into its field (a nested model where it lies in its parent), and only a
//! member the model does not name is kept, as a `serde_json::Value`, in
//! `extra`. A member sent twice keeps its last value, as
//! `serde_json::Value` does.
//!
//! The generated code implements [`Members`] (the `match` from member name
//! to field) and calls [`model`] from its `Deserialize`; the scalar rules
//! are [`crate::model::lenient`]'s.

use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// A model decoded member by member (implemented by generated code).
pub trait Members: Default {
    /// The schema's name, for error messages.
    const NAME: &'static str;

    /// Decodes the value of member `key` into its field; `false` (with the
    /// value not read) when the model has no member of that name.
    fn member<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error>;

    /// Where the members the model does not name are kept; `None` for a
    /// model no reply holds, which skips them.
    fn extra(&mut self) -> Option<&mut serde_json::Map<String, serde_json::Value>> {
        None
    }
}

/// Decodes a model from a JSON object (`Deserialize::deserialize` of every
/// generated model).
pub fn model<'de, T: Members, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let mut out = T::default();
    d.deserialize_map(Fill(&mut out))?;
    Ok(out)
}

/// Decodes an object's members into a model in place: nested models are
/// filled where they lie in their parent, not built apart and moved in
/// (an asset is about 1.7 KB, a service 1.8 KB: moving them through each
/// layer of decoding copied more bytes than the body holds).
struct Fill<'a, T>(&'a mut T);

impl<'de, T: Members> Visitor<'de> for Fill<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object ({})", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let out = self.0;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if out.member(key.as_str(), &mut map)? {
                continue;
            }
            match out.extra() {
                Some(extra) => {
                    let value = map.next_value()?;
                    extra.insert(key.into_string(), value);
                }
                None => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A nested model field, decoded in place: `null` reads as absent, an
/// object replaces whatever the field held.
pub struct Nested<'a, T>(pub &'a mut Option<T>);

impl<'de, T: Members> DeserializeSeed<'de> for Nested<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, T: Members> Visitor<'de> for Nested<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object ({})", T::NAME)
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        *self.0 = None;
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.visit_none()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(Fill(self.0.insert(T::default())))
    }
}

/// A list of nested models, each decoded in place at the end of the list;
/// `null` entries are skipped, `null` reads as absent.
pub struct NestedList<'a, T>(pub &'a mut Option<Vec<T>>);

impl<'de, T: Members> DeserializeSeed<'de> for NestedList<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, T: Members> Visitor<'de> for NestedList<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of objects ({})", T::NAME)
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        *self.0 = None;
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.visit_none()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let items = self.0.insert(Vec::new());
        while seq.next_element_seed(Push(&mut *items))?.is_some() {}
        Ok(())
    }
}

/// One entry of a [`NestedList`]: an object is pushed and filled, `null`
/// skipped.
struct Push<'a, T>(&'a mut Vec<T>);

impl<'de, T: Members> DeserializeSeed<'de> for Push<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, T: Members> Visitor<'de> for Push<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object ({})", T::NAME)
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.0.push(T::default());
        match self.0.last_mut() {
            Some(last) => d.deserialize_map(Fill(last)),
            None => Ok(()),
        }
    }
}

/// A member name: borrowed from the body when it can be, so that matching
/// it allocates nothing.
pub(crate) enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }

    fn into_string(self) -> String {
        match self {
            Key::Borrowed(s) => s.to_owned(),
            Key::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(s))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(s.to_owned()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(s))
            }
        }
        d.deserialize_str(V)
    }
}

use crate::model::lenient;
pub use crate::model::lenient::List;

/// A text field of a model replies hold: a string, or `null` for absent,
/// read in one step (the option and the string at once).
pub struct Text(pub Option<crate::CompactString>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Text, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Text, E> {
                Ok(Text(Some(s.into())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Text, E> {
                Ok(Text(Some(s.into())))
            }
        }
        d.deserialize_any(V)
    }
}

/// An integer field ([`lenient::int`]): `map.next_value::<Int>()?.0`.
pub struct Int(pub Option<i64>);

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::int(d).map(Int)
    }
}

/// A number field ([`lenient::float`]).
pub struct Float(pub Option<f64>);

impl<'de> Deserialize<'de> for Float {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::float(d).map(Float)
    }
}

/// A boolean field ([`lenient::boolean`]).
pub struct Bool(pub Option<bool>);

impl<'de> Deserialize<'de> for Bool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::boolean(d).map(Bool)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default, Debug, PartialEq)]
    struct Point {
        x: Option<String>,
        tags: Option<Vec<String>>,
        extra: serde_json::Map<String, serde_json::Value>,
    }

    impl Members for Point {
        const NAME: &'static str = "Point";
        fn member<'de, A: MapAccess<'de>>(
            &mut self,
            key: &str,
            map: &mut A,
        ) -> Result<bool, A::Error> {
            match key {
                "x" => self.x = map.next_value()?,
                "tags" => self.tags = map.next_value::<List<_>>()?.0,
                _ => return Ok(false),
            }
            Ok(true)
        }
        fn extra(&mut self) -> Option<&mut serde_json::Map<String, serde_json::Value>> {
            Some(&mut self.extra)
        }
    }

    impl<'de> Deserialize<'de> for Point {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            model(d)
        }
    }

    #[derive(Default, Debug, PartialEq)]
    struct Outer {
        one: Option<Point>,
        many: Option<Vec<Point>>,
    }

    impl Members for Outer {
        const NAME: &'static str = "Outer";
        fn member<'de, A: MapAccess<'de>>(
            &mut self,
            key: &str,
            map: &mut A,
        ) -> Result<bool, A::Error> {
            match key {
                "one" => map.next_value_seed(Nested(&mut self.one))?,
                "many" => map.next_value_seed(NestedList(&mut self.many))?,
                _ => return Ok(false),
            }
            Ok(true)
        }
    }

    impl<'de> Deserialize<'de> for Outer {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            model(d)
        }
    }

    #[test]
    fn nested_models_are_filled_in_place_and_a_repeated_member_replaces() {
        let o: Outer = serde_json::from_str(
            r#"{"one":{"x":"a","q":1},"many":[{"x":"b"},null,{"tags":["t"]}],"skipped":[1]}"#,
        )
        .unwrap();
        assert_eq!(o.one.as_ref().and_then(|p| p.x.as_deref()), Some("a"));
        assert_eq!(o.one.as_ref().map(|p| p.extra.len()), Some(1));
        let many = o.many.unwrap();
        assert_eq!(many.len(), 2, "the null entry is skipped");
        assert_eq!(many[0].x.as_deref(), Some("b"));
        assert_eq!(many[1].tags, Some(vec!["t".to_owned()]));
        // The last of a repeated member wins, whole: nothing of the first stays.
        let o: Outer =
            serde_json::from_str(r#"{"one":{"x":"a","tags":["t"]},"one":{"x":"b"}}"#).unwrap();
        assert_eq!(o.one.as_ref().and_then(|p| p.x.as_deref()), Some("b"));
        assert_eq!(o.one.and_then(|p| p.tags), None);
        let o: Outer = serde_json::from_str(r#"{"one":null,"many":null}"#).unwrap();
        assert_eq!(o, Outer::default());
        let e = serde_json::from_str::<Outer>(r#"{"many":{"x":"a"}}"#).unwrap_err();
        assert!(e.to_string().contains("a list of objects (Point)"), "{e}");
        let e = serde_json::from_str::<Outer>(r#"{"one":"a"}"#).unwrap_err();
        assert!(e.to_string().contains("an object (Point)"), "{e}");
    }

    #[test]
    fn named_members_go_to_fields_and_the_rest_to_extra() {
        let p: Point =
            serde_json::from_str(r#"{"x":"a","y":{"z":[1]},"tags":["t",null],"x\u0041":2}"#)
                .unwrap();
        assert_eq!(p.x.as_deref(), Some("a"));
        assert_eq!(p.tags, Some(vec!["t".to_owned()]));
        assert_eq!(
            serde_json::Value::Object(p.extra),
            serde_json::json!({"y": {"z": [1]}, "xA": 2})
        );
    }

    #[test]
    fn null_reads_as_absent_and_a_wrong_shape_fails() {
        let p: Point = serde_json::from_str(r#"{"x":null,"tags":null}"#).unwrap();
        assert_eq!(p, Point::default());
        // From a `Value` as well as from text: the keys are owned there.
        let p: Point = serde_json::from_value(serde_json::json!({"x": "a", "w": 1})).unwrap();
        assert_eq!((p.x.as_deref(), p.extra.len()), (Some("a"), 1));
        let e = serde_json::from_str::<Point>(r#"[1]"#).unwrap_err();
        assert!(e.to_string().contains("an object (Point)"), "{e}");
        let e = serde_json::from_str::<Point>(r#"{"tags":"t"}"#).unwrap_err();
        assert!(e.to_string().contains("a list"), "{e}");
    }
}
