//! The trait implementations every generated vocabulary enum shares, and
//! the value its `Unknown` variant holds. The enums themselves (variants,
//! `as_str`, `parse`) are generated into [`crate::vocabularies`].

use std::fmt;

/// A value outside a closed vocabulary's list, kept as sent: what the
/// `Unknown` variant of a vocabulary enum holds.
///
/// Only reading a value (decoding, `parse`, `From<&str>`) makes one, and
/// only for a value outside the list, so a known value always comes out as
/// its variant: `Criticality::from("High") == Criticality::High`, and no
/// `Unknown` can hold `"High"`. Read it with [`as_str`](Self::as_str).
///
/// ```compile_fail,E0423
/// # use falcon_exposure::vocabularies::{Criticality, UnknownVariantValue};
/// let fake = Criticality::Unknown(UnknownVariantValue("High".into()));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownVariantValue(String);

impl UnknownVariantValue {
    /// Keeps `value`, which the caller has found outside the list.
    pub(crate) fn new(value: &str) -> Self {
        UnknownVariantValue(value.to_owned())
    }

    /// The value as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnknownVariantValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Implements, for a generated vocabulary enum with `as_str` and `parse`:
/// `Default` (the empty text), `Display`, an infallible `FromStr`, conversions from and to text,
/// `Deref<Target = str>` (so `field.as_deref()` reads the text), comparisons
/// with `str`, serde as a plain string (any scalar is read as text, so a
/// value never fails decoding), FQL text values and the shape report.
macro_rules! vocabulary_impls {
    ($name:ident) => {
        impl Default for $name {
            /// The empty text, outside the list, as an absent text field
            /// reads with `unwrap_or_default()`.
            fn default() -> Self {
                Self::Unknown(Default::default())
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            /// Never fails: a value outside the list becomes `Unknown`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::parse(s))
            }
        }
        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::parse(s)
            }
        }
        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self::parse(&s)
            }
        }
        impl From<&String> for $name {
            fn from(s: &String) -> Self {
                Self::parse(s)
            }
        }
        impl From<&$name> for $name {
            fn from(v: &$name) -> Self {
                v.clone()
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_owned()
            }
        }
        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                self.as_str()
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::model::lenient::text(d, Self::parse)
            }
        }
        impl crate::fql::IntoValue<crate::fql::Text> for $name {
            fn into_value(self) -> crate::fql::Value {
                crate::fql::Value::Text(self.as_str().to_owned())
            }
        }
        impl crate::fql::IntoValue<crate::fql::Text> for &$name {
            fn into_value(self) -> crate::fql::Value {
                crate::fql::Value::Text(self.as_str().to_owned())
            }
        }
        impl crate::model::shape::Shape for $name {
            fn visit(&self, v: &mut crate::model::shape::Visitor<'_>) {
                if self.is_unknown() {
                    v.unknown_value();
                }
            }
        }
    };
}
pub(crate) use vocabulary_impls;
