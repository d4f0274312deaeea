//! `POST /fem/entities/external-asset-inventory/v1`: registers assets the
//! user names (an IP address or a DNS domain) under a subsidiary.

use crate::generator::SubsidiaryInfo;
use crate::model::Subsidiary;
use crate::server::ctx::Ctx;
use crate::server::error::Error;
use crate::server::reply;
use crate::server::state::Shared;
use crate::server::tenants::Tenant;
use crate::time::now_secs;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::borrow::Cow;

#[derive(Deserialize)]
struct Req {
    data: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    subsidiary_id: String,
    assets: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    id: String,
    value: String,
}

/// The asset type a value names: `ip` or `dns_domain`.
fn kind_of(value: &str) -> Option<&'static str> {
    if crate::fields::ip_number(value).is_some() {
        Some("ip")
    } else if value.contains('.')
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        Some("dns_domain")
    } else {
        None
    }
}

/// Registers one item of `group`; the result entry says what became of it.
fn register(
    st: &Tenant,
    group: &str,
    sub: Option<&SubsidiaryInfo>,
    item: Item,
    index: usize,
) -> Result<Value, Error> {
    let value = item.value.trim().to_lowercase();
    let mut r = json!({
        "id": item.id,
        "index": index,
        "raw_value": item.value,
        "subsidiary": {"id": group, "name": sub.map(|s| s.name.as_str()).unwrap_or("")},
    });
    let (sub, kind) = match (sub, kind_of(&value)) {
        (None, _) => {
            r["error"] = json!({"code": 404, "message": "subsidiary not found", "details": group});
            return Ok(r);
        }
        (_, None) => {
            r["error"] =
                json!({"code": 400, "message": "value is neither an IP address nor a DNS domain"});
            return Ok(r);
        }
        (Some(sub), Some(kind)) => (sub, kind),
    };
    let subsidiary = Subsidiary {
        id: Cow::Owned(sub.id.to_string()),
        name: Cow::Owned(sub.name.to_string()),
    };
    let asset = crate::generator::user_asset(
        &item.id,
        &value,
        kind == "ip",
        subsidiary,
        &st.cid,
        now_secs(),
    );
    let mut store = st.store.write().map_err(|_| Error::poisoned())?;
    if store.insert(asset) {
        r["asset_type"] = json!(kind);
        r["value"] = json!(value);
    } else {
        r["error"] =
            json!({"code": 409, "message": "an asset with this id exists", "details": item.id});
    }
    Ok(r)
}

/// `POST /fem/entities/external-asset-inventory/v1`.
pub async fn post(
    State(st): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Result<Response, Error> {
    let st = st.tenants.get(ctx.tenant);
    let req: Req = serde_json::from_slice(&body).map_err(Error::invalid_body)?;
    let mut results = Vec::new();
    for g in req.data {
        let sub = st.subsidiaries.iter().find(|s| s.id == g.subsidiary_id);
        for item in g.assets {
            results.push(register(st, &g.subsidiary_id, sub, item, results.len())?);
        }
    }
    let n = results.iter().filter(|r| r.get("error").is_none()).count();
    Ok(reply::ok(&ctx, results).writes(n).into_response())
}
