//! A field the API sends as one value or as a list of them.

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
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
