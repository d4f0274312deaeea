//! `POST /fem/aggregates/external-assets/v1`.

use crate::aggregate::{self, AggRequest};
use crate::server::ctx::Ctx;
use crate::server::error::Error;
use crate::server::reply;
use crate::server::state::Shared;
use crate::time::now_secs;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// The aggregation requests of a body: one object or a non-empty array.
fn requests(body: &[u8]) -> Result<Vec<AggRequest>, Error> {
    let value: Value = serde_json::from_slice(body).map_err(Error::invalid_body)?;
    let list = match value {
        Value::Array(a) => a,
        obj @ Value::Object(_) => vec![obj],
        _ => {
            return Err(Error::bad_request(
                "the body must be a JSON array of aggregation requests",
            ));
        }
    };
    if list.is_empty() {
        return Err(Error::bad_request(
            "at least one aggregation request is required",
        ));
    }
    list.into_iter()
        .map(|v| {
            serde_json::from_value::<AggRequest>(v)
                .map_err(|e| Error::bad_request(format!("invalid aggregation request: {e}")))
        })
        .collect()
}

/// `POST /fem/aggregates/external-assets/v1`.
pub async fn aggregate(
    State(st): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Result<Response, Error> {
    let st = st.tenants.get(ctx.tenant);
    let reqs = requests(&body)?;
    let now = now_secs();
    for r in &reqs {
        aggregate::validate(r, now).map_err(Error::bad_request)?;
    }
    let store = st.store.read().map_err(|_| Error::poisoned())?;
    let docs: Vec<u32> = store.iter().map(|(i, _)| i).collect();
    let results: Vec<_> = reqs
        .iter()
        .map(|r| aggregate::run(&store, r, &docs, now))
        .collect();
    Ok(reply::ok(&ctx, results).into_response())
}
