//! External assets: the offset query, get, patch and delete (the cursor
//! query is in `assets_v2`).

use crate::model::{Asset, Str, Triage, Ts};
use crate::server::ctx::Ctx;
use crate::server::error::Error;
use crate::server::params::{MAX_IDS, MAX_RESULT_WINDOW, Params};
use crate::server::reply::{self, ApiError};
use crate::server::state::Shared;
use crate::server::tenants::Tenant;
use crate::store::Store;
use crate::time::now_secs;
use axum::body::Bytes;
use axum::extract::{Extension, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::borrow::Cow;
use std::sync::{Arc, RwLockReadGuard};

type Handled = Result<Response, Error>;

/// The store and the positions of the assets matching the request's
/// `filter`, in its `sort` order.
pub(super) fn select<'a>(
    st: &'a Tenant,
    p: &Params,
) -> Result<(RwLockReadGuard<'a, Store>, Arc<Vec<u32>>), Error> {
    let store = st.store.read().map_err(|_| Error::poisoned())?;
    let hits = st
        .cache
        .query(
            &store,
            p.get("filter").unwrap_or(""),
            p.get("sort").unwrap_or(""),
            now_secs(),
        )
        .map_err(Error::bad_request)?;
    Ok((store, hits))
}

/// The ids of the hits from position `start` to `end`.
pub(super) fn page_ids<'s>(
    store: &'s Store,
    hits: &[u32],
    start: usize,
    end: usize,
) -> Vec<&'s str> {
    hits.get(start.min(end)..end)
        .unwrap_or_default()
        .iter()
        .filter_map(|i| store.at(*i).map(|a| a.id.as_ref()))
        .collect()
}

fn offset(p: &Params) -> Result<usize, Error> {
    let offset = match p.get("offset").map(str::trim).filter(|s| !s.is_empty()) {
        None => 0,
        Some(s) => match s.parse::<i64>() {
            Ok(n) if n >= 0 => n as usize,
            _ => {
                return Err(Error::bad_request(format!(
                    "invalid offset '{s}': must be a non-negative integer"
                )));
            }
        },
    };
    if offset >= MAX_RESULT_WINDOW {
        return Err(Error::bad_request(format!(
            "offset {offset} is out of range: offset pagination is limited to the first {MAX_RESULT_WINDOW} results; narrow the filter or use the v2 query with the after cursor"
        )));
    }
    Ok(offset)
}

/// `GET /fem/queries/external-assets/v1`.
pub async fn query(
    State(shared): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Handled {
    let st = shared.tenants.get(ctx.tenant);
    let p = Params::parse(q);
    let paging = &shared.cfg.paging;
    let limit = p.limit(paging.assets_v1, paging.refusal)?;
    let offset = offset(&p)?;
    let (store, hits) = select(st, &p)?;
    // The 10,000-result window holds whatever the page limit.
    let end = offset
        .saturating_add(limit.size)
        .min(hits.len())
        .min(MAX_RESULT_WINDOW);
    let page = page_ids(&store, &hits, offset, end);
    let pagination = json!({"offset": offset, "limit": limit.reported, "total": hits.len()});
    Ok(reply::ok(&ctx, page).pagination(pagination).into_response())
}

/// `GET /fem/entities/external-assets/v1`.
pub async fn get(
    State(st): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Handled {
    let st = st.tenants.get(ctx.tenant);
    let ids = Params::parse(q).required_ids()?;
    let store = st.store.read().map_err(|_| Error::poisoned())?;
    let mut found: Vec<&Asset> = Vec::with_capacity(ids.len());
    let mut errors = Vec::new();
    for id in &ids {
        match store.get(id) {
            Some(a) => found.push(a),
            None => errors.push(ApiError::not_found(id)),
        }
    }
    Ok(reply::ok(&ctx, found).errors(errors).into_response())
}

#[derive(Deserialize)]
struct PatchBody {
    assets: Option<Vec<PatchItem>>,
}

#[derive(Deserialize)]
struct PatchItem {
    id: Option<String>,
    #[allow(dead_code)]
    cid: Option<String>,
    criticality: Option<String>,
    criticality_description: Option<String>,
    triage: Option<TriagePatch>,
}

#[derive(Deserialize)]
struct TriagePatch {
    action: Option<String>,
    assigned_to: Option<String>,
    description: Option<String>,
    status: Option<String>,
}

/// The items of a patch body: 1 to [`MAX_IDS`], each with an id.
fn patch_items(body: &[u8]) -> Result<Vec<PatchItem>, Error> {
    let parsed: PatchBody = serde_json::from_slice(body).map_err(Error::invalid_body)?;
    let items = parsed.assets.unwrap_or_default();
    if items.is_empty() {
        return Err(Error::bad_request(
            "assets is required and must not be empty",
        ));
    }
    if items.len() > MAX_IDS {
        return Err(Error::bad_request(format!(
            "too many assets: at most {MAX_IDS} per request"
        )));
    }
    if items
        .iter()
        .any(|i| i.id.as_deref().is_none_or(|s| s.trim().is_empty()))
    {
        return Err(Error::bad_request("every asset needs an id"));
    }
    Ok(items)
}

/// Applies one patch item to its asset, recording `who` changed it `now`.
fn apply_patch(a: &mut Asset, item: PatchItem, who: &Str, now: Ts) {
    if let Some(c) = item.criticality {
        a.criticality = Some(Cow::Owned(c));
        a.criticality_username = Some(who.clone());
        a.criticality_timestamp = Some(now);
    }
    if let Some(d) = item.criticality_description {
        a.criticality_description = Some(Cow::Owned(d));
    }
    if let Some(t) = item.triage {
        let tr = a.triage.get_or_insert_with(Triage::default);
        let set = |slot: &mut Option<Str>, v: Option<String>| {
            if let Some(v) = v {
                *slot = Some(Cow::Owned(v));
            }
        };
        set(&mut tr.action, t.action);
        set(&mut tr.assigned_to, t.assigned_to);
        set(&mut tr.description, t.description);
        set(&mut tr.status, t.status);
        tr.updated_by = Some(who.clone());
        tr.updated_timestamp = Some(now);
    }
}

/// `PATCH /fem/entities/external-assets/v1`.
pub async fn patch(
    State(st): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Handled {
    let st = st.tenants.get(ctx.tenant);
    let items = patch_items(&body)?;
    let now = Ts(now_secs());
    let who: Str = Cow::Owned(ctx.client_id.to_string());
    let mut store = st.store.write().map_err(|_| Error::poisoned())?;
    let mut errors = Vec::new();
    let mut updated = Vec::new();
    for mut item in items {
        let id = item.id.take().unwrap_or_default();
        match store.get_mut(&id) {
            Some(a) => {
                apply_patch(a, item, &who, now);
                updated.push(id);
            }
            None => errors.push(ApiError::not_found(&id)),
        }
    }
    let resources: Vec<&Asset> = updated.iter().filter_map(|id| store.get(id)).collect();
    let n = resources.len();
    Ok(reply::ok(&ctx, resources)
        .errors(errors)
        .writes(n)
        .into_response())
}

/// `DELETE /fem/entities/external-assets/v1`.
pub async fn delete(
    State(st): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Handled {
    let st = st.tenants.get(ctx.tenant);
    let ids = Params::parse(q).required_ids()?;
    if !body.iter().all(u8::is_ascii_whitespace) {
        #[derive(Deserialize)]
        struct DeleteBody {
            #[allow(dead_code)]
            description: Option<String>,
        }
        serde_json::from_slice::<DeleteBody>(&body).map_err(Error::invalid_body)?;
    }
    let mut store = st.store.write().map_err(|_| Error::poisoned())?;
    let mut deleted = Vec::new();
    let mut errors = Vec::new();
    for id in ids {
        if store.delete(&id) {
            deleted.push(id);
        } else {
            errors.push(ApiError::not_found(&id));
        }
    }
    let n = deleted.len();
    Ok(reply::ok(&ctx, deleted)
        .errors(errors)
        .writes(n)
        .into_response())
}
