//! The values replies decode into: the envelope (`meta`, `resources`,
//! `errors`) and the helpers the generated models use (lenient scalars,
//! one-or-many values, vocabularies, shape reports).

pub(crate) mod decode;
pub(crate) mod lenient;
pub(crate) mod one_or_many;
pub(crate) mod response;
pub mod shape;
pub(crate) mod vocabulary;
