//! Calling an operation by its operation ID or method name, with query
//! parameters and a JSON body given as raw values: the untyped path, for
//! code written against FalconPy's `command()` or tools that take the
//! operation from their input.

use std::fmt::Display;
use std::time::Duration;

use serde_json::Value;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::model::response::RawResponse;
use crate::request::RequestParts;
use crate::request::operation::Operation;
use crate::transport::download::Download;

/// A request to an operation named at run time, built with
/// [`Client::command`]. Everything it sends is raw: query parameters as
/// text, the body as a JSON value, the reply as a JSON value. Prefer the
/// typed method of the operation when the name is known in advance.
///
/// ```no_run
/// # async fn f(client: falcon_exposure::Client) -> falcon_exposure::Result<()> {
/// let reply = client
///     .command("query_external_assets")?
///     .query("filter", "asset_type:'ip'")
///     .query("limit", 10)
///     .send()
///     .await?;
/// println!("{}", reply.body["resources"]);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a command does nothing until `send()` or `download()`"]
pub struct Command {
    client: Client,
    op: &'static Operation,
    parts: RequestParts,
}

/// Normalises a name for lookup: lower case, `-` as `_`.
fn norm(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace('-', "_")
}

/// Finds an operation by operation ID or method name in `table`; an
/// unknown name yields the closest names.
pub(crate) fn find_operation(
    table: &'static [Operation],
    name: &str,
) -> Result<&'static Operation> {
    let key = norm(name);
    if let Some(op) = table
        .iter()
        .find(|op| norm(op.id) == key || norm(op.method_name) == key)
    {
        return Ok(op);
    }
    let mut scored: Vec<(f64, &'static str)> = table
        .iter()
        .flat_map(|op| [op.id, op.method_name])
        .map(|cand| (strsim::jaro_winkler(&key, &norm(cand)), cand))
        .filter(|(score, _)| *score >= 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut suggestions: Vec<&'static str> = Vec::new();
    for (_, cand) in scored {
        if !suggestions.contains(&cand) && suggestions.len() < 3 {
            suggestions.push(cand);
        }
    }
    Err(Error::UnknownOperation {
        name: name.to_owned(),
        suggestions,
    })
}

fn value_to_query(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

impl Client {
    /// The operation with this operation ID (`query_external_assets`, also
    /// accepted with dashes) or method name (`query_assets`).
    pub fn operation(&self, name: &str) -> Result<&'static Operation> {
        find_operation(crate::OPERATIONS, name)
    }

    /// Starts a request to the operation with this operation ID or method
    /// name. An unknown name is an error listing the closest names.
    pub fn command(&self, name: &str) -> Result<Command> {
        Ok(self.command_for(self.operation(name)?))
    }

    /// Starts a request to `op`, an entry of [`OPERATIONS`](crate::OPERATIONS).
    pub fn command_for(&self, op: &'static Operation) -> Command {
        Command {
            client: self.clone(),
            op,
            parts: RequestParts::new(),
        }
    }
}

impl Command {
    /// The operation this command calls.
    pub fn operation(&self) -> &'static Operation {
        self.op
    }

    /// Appends a query parameter; call again with the same name for a
    /// repeated parameter (`ids=a&ids=b`).
    pub fn query(mut self, name: &str, value: impl Display) -> Self {
        self.parts.push_query(name, value.to_string());
        self
    }

    /// Appends every value of a repeated query parameter.
    pub fn query_values<I>(mut self, name: &str, values: I) -> Self
    where
        I: IntoIterator,
        I::Item: Display,
    {
        for v in values {
            self.parts.push_query(name, v.to_string());
        }
        self
    }

    /// Adds query parameters from a JSON object (what FalconPy takes as
    /// `parameters=`): arrays become repeated parameters, `null` is
    /// skipped, and anything but an object or `null` fails at `send()`.
    pub fn query_object(mut self, params: Value) -> Self {
        match params {
            Value::Object(map) => {
                for (k, v) in map {
                    match v {
                        Value::Array(items) => {
                            for item in &items {
                                if let Some(s) = value_to_query(item) {
                                    self.parts.push_query(&k, s);
                                }
                            }
                        }
                        other => {
                            if let Some(s) = value_to_query(&other) {
                                self.parts.push_query(&k, s);
                            }
                        }
                    }
                }
            }
            Value::Null => {}
            other => {
                self.parts.invalid = Some(format!(
                    "`query_object` takes a JSON object of query parameters, not {other}"
                ))
            }
        }
        self
    }

    /// The JSON body, sent as is: this builder's only body, since the
    /// operation is not known until run time (the typed builders take
    /// their model with `body(model)` and raw JSON with `raw_body`).
    pub fn body(mut self, body: Value) -> Self {
        self.parts.set_body(body);
        self
    }

    /// Timeout for this request, overriding the client's.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.parts.timeout = Some(d);
        self
    }

    /// Allows retrying this request after server errors even when the
    /// operation is not safe to send twice.
    pub fn retry_writes(mut self, yes: bool) -> Self {
        self.parts.retry_writes = yes;
        self
    }

    /// Sends the request and returns the JSON envelope as is. For an
    /// operation that returns a binary body, use [`Command::download`].
    pub async fn send(self) -> Result<RawResponse> {
        if self
            .op
            .produces
            .iter()
            .all(|p| *p == "application/octet-stream")
            && !self.op.produces.is_empty()
        {
            return Err(Error::InvalidRequest {
                operation: self.op.id,
                message:
                    "this operation returns a binary body: use `.download()` instead of `.send()`"
                        .into(),
            });
        }
        self.client.execute_json(self.op, self.parts).await
    }

    /// Sends the request and returns the binary body unread.
    pub async fn download(self) -> Result<Download> {
        self.client.execute_download(self.op, self.parts).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::operation::HttpMethod;

    const fn op(id: &'static str, method_name: &'static str) -> Operation {
        Operation {
            id,
            method_name,
            summary: "",
            http_method: HttpMethod::Get,
            route: "/x",
            scope: "",
            consumes: &[],
            produces: &[],
            retry_safe: true,
            params: &[],
        }
    }
    static TABLE: &[Operation] = &[
        op("query_external_assets", "query_assets"),
        op("get_external_assets", "get_assets"),
        op("aggregate_external_assets", "aggregate_assets"),
    ];

    #[test]
    fn finds_by_id_method_name_or_dashed_id() {
        assert_eq!(
            find_operation(TABLE, "query_external_assets").unwrap().id,
            "query_external_assets"
        );
        assert_eq!(
            find_operation(TABLE, "query_assets").unwrap().id,
            "query_external_assets"
        );
        assert_eq!(
            find_operation(TABLE, "get-external-assets").unwrap().id,
            "get_external_assets"
        );
    }

    #[test]
    fn unknown_names_suggest_the_closest() {
        let e = find_operation(TABLE, "query_external_asset").unwrap_err();
        let Error::UnknownOperation { suggestions, .. } = &e else {
            panic!("{e}")
        };
        assert_eq!(suggestions[0], "query_external_assets");
        assert!(
            e.to_string().contains("did you mean query_external_assets"),
            "{e}"
        );
        let e = find_operation(TABLE, "zzzz").unwrap_err();
        assert!(
            matches!(e, Error::UnknownOperation { ref suggestions, .. } if suggestions.is_empty())
        );
    }
}
