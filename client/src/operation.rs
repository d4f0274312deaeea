//! Static description of an API operation, as generated from the manifest.
//!
//! The generated operation table (`OPERATIONS`) is made of these values; the
//! runtime reads it to validate requests, pick a retry policy and call an
//! operation by its ID.

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PATCH`
    Patch,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
}

impl HttpMethod {
    /// The method as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
        }
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a keyword argument is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamLocation {
    /// A query-string parameter.
    Query,
    /// A field of the JSON body (see [`ParamSpec::body_path`]).
    Body,
}

/// One keyword argument of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpec {
    /// Name on the wire (query parameter or body keyword).
    pub name: &'static str,
    /// Query or body.
    pub location: ParamLocation,
    /// Data type, as named in the manifest (`string`, `integer`, `string_list`, ...).
    pub data_type: &'static str,
    /// Whether the API requires it.
    pub required: bool,
    /// Whether FalconPy's Service class takes it as a keyword.
    pub service: bool,
    /// Whether FalconPy's Uber class takes it as a keyword.
    pub uber: bool,
    /// The most values a list parameter may hold in one request.
    pub max_items: Option<usize>,
    /// For body keywords: where the value lands in the JSON body
    /// (`assets[].triage.action`; `[]` is the single element of an array).
    pub body_path: Option<&'static str>,
    /// Values the API accepts, when it documents a closed list.
    pub allowed_values: &'static [&'static str],
    /// One-line description.
    pub description: &'static str,
}

/// One API operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// Operation ID, e.g. `query_external_assets`.
    pub id: &'static str,
    /// PEP8 method name, e.g. `query_assets`; also the client method's name.
    pub method_name: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// HTTP method.
    pub http_method: HttpMethod,
    /// Route below the cloud's base URL, starting with `/`.
    pub route: &'static str,
    /// OAuth2 scope the API client needs, e.g. `assets:read`.
    pub scope: &'static str,
    /// Request content types.
    pub consumes: &'static [&'static str],
    /// Response content types.
    pub produces: &'static [&'static str],
    /// Whether a request may be sent again after it may have reached the
    /// server (reads, and writes the API applies idempotently).
    pub retry_safe: bool,
    /// Keyword arguments.
    pub params: &'static [ParamSpec],
}

impl Operation {
    /// The parameter named `name`, if the operation has one.
    pub fn param(&self, name: &str) -> Option<&'static ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }
}
