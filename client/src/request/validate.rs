//! Checks made on a request before it is sent, driven by the operation table.

use crate::error::{Error, Result};
use crate::request::RequestParts;
use crate::request::operation::{Operation, ParamLocation};

/// Refuses a request the API would reject: a problem recorded while
/// building, a missing required query parameter, an empty list parameter,
/// or more values than the API takes in one request.
pub(crate) fn validate(op: &'static Operation, parts: &RequestParts) -> Result<()> {
    let invalid = |message: String| Error::InvalidRequest {
        operation: op.id,
        message,
    };
    if let Some(m) = &parts.invalid {
        return Err(invalid(m.clone()));
    }
    if !parts.bulk_values.is_empty() {
        return Err(invalid(format!(
            "{} values were given to a bulk setter: send them with `send_all()` (writes) or `items()` (reads), which batch them",
            parts.bulk_values.len()
        )));
    }
    for p in op
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Query)
    {
        let values: Vec<&str> = parts.query_values(p.name).collect();
        if p.required && values.is_empty() {
            return Err(invalid(format!(
                "the required query parameter `{}` is missing: set it on the request builder \
                 (or in the raw query parameters)",
                p.name
            )));
        }
        if values.is_empty() {
            continue;
        }
        if p.list {
            let count: usize = values
                .iter()
                .map(|v| v.split(',').filter(|s| !s.trim().is_empty()).count())
                .sum();
            if count == 0 || values.iter().any(|v| v.trim().is_empty()) {
                return Err(invalid(format!(
                    "`{}` holds an empty value: give one or more non-empty values",
                    p.name
                )));
            }
            if let Some(max) = p.max_items {
                if count > max {
                    return Err(invalid(format!(
                        "`{}` holds {count} values but the API accepts at most {max} per request: \
                         split them into batches of {max} (a batched keyword's `items()` or `send_all()` does it)",
                        p.name
                    )));
                }
            }
        } else if p.required && values.iter().all(|v| v.is_empty()) {
            return Err(invalid(format!(
                "the required query parameter `{}` is empty",
                p.name
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::operation::{HttpMethod, ParamSpec};

    const IDS: ParamSpec = ParamSpec {
        name: "ids",
        location: ParamLocation::Query,
        data_type: "string_list",
        list: true,
        required: true,
        service: true,
        uber: true,
        max_items: Some(100),
        body_path: None,
        allowed_values: &[],
        description: "ids",
    };
    static OP: Operation = Operation {
        id: "get_external_assets",
        method_name: "get_assets",
        summary: "",
        http_method: HttpMethod::Get,
        route: "/fem/entities/external-assets/v1",
        scope: "assets:read",
        consumes: &[],
        produces: &["application/json"],
        retry_safe: true,
        params: &[IDS],
    };

    fn with_ids(ids: &[&str]) -> RequestParts {
        let mut p = RequestParts::new();
        for i in ids {
            p.push_query("ids", *i);
        }
        p
    }

    #[test]
    fn ids_are_checked() {
        let msg = |p: &RequestParts| validate(&OP, p).unwrap_err().to_string();
        assert!(msg(&with_ids(&[])).contains("`ids` is missing"));
        assert!(msg(&with_ids(&[""])).contains("empty"));
        assert!(msg(&with_ids(&["a", ""])).contains("empty"));
        let many: Vec<String> = (0..101).map(|i| format!("id{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let m = msg(&with_ids(&many));
        assert!(m.contains("101") && m.contains("at most 100"), "{m}");
        assert!(validate(&OP, &with_ids(&many[..100])).is_ok());
        assert!(validate(&OP, &with_ids(&["a", "b"])).is_ok());
    }

    #[test]
    fn a_keyword_taking_one_value_is_not_split_at_commas() {
        const FILTER: ParamSpec = ParamSpec {
            name: "filter",
            data_type: "fql",
            list: false,
            max_items: None,
            ..IDS
        };
        static ONE: Operation = Operation {
            params: &[FILTER],
            ..OP
        };
        let mut p = RequestParts::new();
        p.push_query("filter", "a:'x',b:'y',");
        assert!(validate(&ONE, &p).is_ok());
    }

    #[test]
    fn recorded_problems_are_reported() {
        let mut p = with_ids(&["a"]);
        p.invalid = Some("bad filter".into());
        assert!(
            validate(&OP, &p)
                .unwrap_err()
                .to_string()
                .contains("bad filter")
        );
    }
}
