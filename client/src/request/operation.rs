//! Static description of an API operation, as generated from the manifest.
//!
//! The generated operation table (`OPERATIONS`) is made of these values; the
//! runtime reads it to validate requests, pick a retry policy and call an
//! operation by its ID.

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
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

/// Where a parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamLocation {
    /// A query-string parameter.
    Query,
    /// A field of the JSON body (see [`ParamSpec::body_path`]).
    Body,
}

/// One parameter of an operation: a query parameter or a field of the JSON
/// body. Read it through [`Operation::params`] or [`Operation::param`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParamSpec {
    pub(crate) name: &'static str,
    pub(crate) location: ParamLocation,
    pub(crate) data_type: &'static str,
    pub(crate) list: bool,
    pub(crate) required: bool,
    /// FalconPy parity: whether FalconPy's Service class takes it as a
    /// keyword. Recorded from the manifest; the client does not use it.
    #[allow(dead_code)]
    pub(crate) service: bool,
    /// FalconPy parity: whether FalconPy's Uber class takes it as a
    /// keyword. Recorded from the manifest; the client does not use it.
    #[allow(dead_code)]
    pub(crate) uber: bool,
    pub(crate) max_items: Option<usize>,
    pub(crate) body_path: Option<&'static str>,
    pub(crate) allowed_values: &'static [&'static str],
    pub(crate) description: &'static str,
}

impl ParamSpec {
    /// Name on the wire (query parameter or body keyword).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Query or body.
    pub fn location(&self) -> ParamLocation {
        self.location
    }

    /// Data type, as named in the manifest (`string`, `integer`,
    /// `string_list`, ...).
    pub fn data_type(&self) -> &'static str {
        self.data_type
    }

    /// Whether it takes many values (a list of strings or of models): a
    /// query parameter repeated once per value, or a JSON array.
    pub fn is_list(&self) -> bool {
        self.list
    }

    /// Whether the API requires it.
    pub fn is_required(&self) -> bool {
        self.required
    }

    /// The most values a list parameter may hold in one request.
    pub fn max_items(&self) -> Option<usize> {
        self.max_items
    }

    /// For body parameters: where the value lands in the JSON body
    /// (`assets[].triage.action`; `[]` is the single element of an array).
    pub fn body_path(&self) -> Option<&'static str> {
        self.body_path
    }

    /// Values the API accepts, when it documents a closed list (else empty).
    pub fn allowed_values(&self) -> &'static [&'static str] {
        self.allowed_values
    }

    /// One-line description.
    pub fn description(&self) -> &'static str {
        self.description
    }
}

/// One API operation, as listed in [`OPERATIONS`](crate::OPERATIONS) and
/// returned by [`Client::operation`](crate::Client::operation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Operation {
    pub(crate) id: &'static str,
    pub(crate) method_name: &'static str,
    pub(crate) summary: &'static str,
    pub(crate) http_method: HttpMethod,
    pub(crate) route: &'static str,
    pub(crate) scope: &'static str,
    pub(crate) consumes: &'static [&'static str],
    pub(crate) produces: &'static [&'static str],
    pub(crate) retry_safe: bool,
    pub(crate) params: &'static [ParamSpec],
}

impl Operation {
    /// Operation ID, e.g. `query_external_assets`.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The [`Client`](crate::Client) method that calls it, e.g.
    /// `query_assets` (FalconPy's name for the operation too).
    pub fn method_name(&self) -> &'static str {
        self.method_name
    }

    /// One-line summary.
    pub fn summary(&self) -> &'static str {
        self.summary
    }

    /// HTTP method.
    pub fn http_method(&self) -> HttpMethod {
        self.http_method
    }

    /// Route below the cloud's base URL, starting with `/`.
    pub fn route(&self) -> &'static str {
        self.route
    }

    /// OAuth2 scope the API client needs, e.g. `assets:read`.
    pub fn scope(&self) -> &'static str {
        self.scope
    }

    /// Request content types.
    pub fn consumes(&self) -> &'static [&'static str] {
        self.consumes
    }

    /// Response content types.
    pub fn produces(&self) -> &'static [&'static str] {
        self.produces
    }

    /// Whether a request may be sent again after it may have reached the
    /// server (reads, and writes the API applies idempotently).
    pub fn is_retry_safe(&self) -> bool {
        self.retry_safe
    }

    /// Every parameter.
    pub fn params(&self) -> &'static [ParamSpec] {
        self.params
    }

    /// The parameter named `name`, if the operation has one.
    pub fn param(&self, name: &str) -> Option<&'static ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }
}
