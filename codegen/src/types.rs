//! Type expressions of the manifest: `string`, `list<Model>`, `map<string>`...

/// A data type of a model field, a parameter or a reply's resources; `M`
/// names a model (its manifest name, or once resolved its [`crate::ir::ModelId`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeExpr<M = String> {
    /// Text.
    String,
    /// 64-bit integer (accepted as a number or a numeric string).
    Integer,
    /// 64-bit float (accepted as a number or a numeric string).
    Number,
    /// Boolean.
    Boolean,
    /// RFC 3339 timestamp, kept as text.
    DateTime,
    /// Any JSON value.
    Json,
    /// `list<T>`.
    List(Box<TypeExpr<M>>),
    /// `map<T>`: an object with string keys.
    Map(Box<TypeExpr<M>>),
    /// `one_or_many<T>`: one value or a list of them, kept in the form sent.
    OneOrMany(Box<TypeExpr<M>>),
    /// A model of the manifest.
    Model(M),
}

/// The names a type expression may use, for error messages.
pub const SCALARS: &str = "string, integer, number, boolean, datetime, json, list<T>, map<T>, one_or_many<T> or a model name";

/// What a keyword argument is, beyond its data type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamType {
    /// A value of a plain type.
    Value(TypeExpr),
    /// One or more strings (`ids`): repeated in a query, an array in a body.
    StringList,
    /// An FQL filter.
    Fql,
    /// A sort order (`field|asc`).
    Sort,
    /// The whole JSON body.
    RawBody,
    /// Extra query parameters.
    RawQuery,
}

/// The names a parameter type may use, for error messages.
pub const PARAM_TYPES: &str = "string, integer, number, boolean, json, json_list, string_list, fql, sort, raw_body, raw_query, list<Model> or a model name";

/// Parses a type expression.
pub fn parse(text: &str) -> Result<TypeExpr, String> {
    let text = text.trim();
    let inner = |prefix: &str| text.strip_prefix(prefix).and_then(|r| r.strip_suffix('>'));
    Ok(match text {
        "string" => TypeExpr::String,
        "integer" => TypeExpr::Integer,
        "number" => TypeExpr::Number,
        "boolean" => TypeExpr::Boolean,
        "datetime" => TypeExpr::DateTime,
        "json" => TypeExpr::Json,
        _ => {
            if let Some(t) = inner("list<") {
                TypeExpr::List(Box::new(parse(t)?))
            } else if let Some(t) = inner("map<") {
                TypeExpr::Map(Box::new(parse(t)?))
            } else if let Some(t) = inner("one_or_many<") {
                TypeExpr::OneOrMany(Box::new(parse(t)?))
            } else if is_model_name(text) {
                TypeExpr::Model(text.to_owned())
            } else {
                return Err(format!("unknown data type `{text}`"));
            }
        }
    })
}

/// Parses a parameter's `type`.
pub fn parse_param(text: &str) -> Result<ParamType, String> {
    Ok(match text.trim() {
        "string_list" => ParamType::StringList,
        "fql" => ParamType::Fql,
        "sort" => ParamType::Sort,
        "raw_body" => ParamType::RawBody,
        "raw_query" => ParamType::RawQuery,
        "json_list" => ParamType::Value(TypeExpr::List(Box::new(TypeExpr::Json))),
        "datetime" => return Err("unknown data type `datetime` for a parameter".into()),
        other => ParamType::Value(parse(other)?),
    })
}

/// A model name is PascalCase: an ASCII capital, then letters and digits.
pub fn is_model_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

impl<M> TypeExpr<M> {
    /// Models this type refers to.
    pub fn models(&self) -> Vec<&M> {
        match self {
            TypeExpr::List(t) | TypeExpr::Map(t) | TypeExpr::OneOrMany(t) => t.models(),
            TypeExpr::Model(m) => vec![m],
            _ => Vec::new(),
        }
    }

    /// The same type with each model replaced by `f`'s answer; `None` when
    /// `f` has none for one of them.
    pub fn try_map<N>(&self, f: &impl Fn(&M) -> Option<N>) -> Option<TypeExpr<N>> {
        Some(match self {
            TypeExpr::String => TypeExpr::String,
            TypeExpr::Integer => TypeExpr::Integer,
            TypeExpr::Number => TypeExpr::Number,
            TypeExpr::Boolean => TypeExpr::Boolean,
            TypeExpr::DateTime => TypeExpr::DateTime,
            TypeExpr::Json => TypeExpr::Json,
            TypeExpr::List(t) => TypeExpr::List(Box::new(t.try_map(f)?)),
            TypeExpr::Map(t) => TypeExpr::Map(Box::new(t.try_map(f)?)),
            TypeExpr::OneOrMany(t) => TypeExpr::OneOrMany(Box::new(t.try_map(f)?)),
            TypeExpr::Model(m) => TypeExpr::Model(f(m)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_types() {
        assert_eq!(
            parse("list<map<AggregationResult>>"),
            Ok(TypeExpr::List(Box::new(TypeExpr::Map(Box::new(
                TypeExpr::Model("AggregationResult".into())
            )))))
        );
        assert_eq!(parse("strin"), Err("unknown data type `strin`".into()));
        assert_eq!(parse_param("string_list"), Ok(ParamType::StringList));
    }
}
