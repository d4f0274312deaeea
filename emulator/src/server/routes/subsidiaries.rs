//! Ecosystem subsidiaries: the query, combined and entity operations, with
//! the small filter and sort language the documentation gives them.

use crate::config::Paging;
use crate::generator::SubsidiaryInfo;
use crate::server::ctx::Ctx;
use crate::server::error::Error;
use crate::server::params::Params;
use crate::server::reply::{self, ApiError};
use crate::server::state::Shared;
use crate::server::tenants::Tenant;
use axum::extract::{Extension, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

fn to_json(st: &Tenant, s: &SubsidiaryInfo) -> Value {
    let store = st.store.read();
    let count = store
        .map(|store| {
            store
                .iter()
                .filter(|(_, a)| a.subsidiaries.iter().any(|x| x.id == s.id))
                .count()
        })
        .unwrap_or(0);
    json!({
        "id": s.id,
        "cid": st.cid,
        "name": s.name,
        "primary_domain": s.domain,
        "parent_id": s.parent_id,
        "children_count": s.children_count,
        "discovery": s.discovery,
        "asset_count": count,
        "risk_score": ((s.id.len() * 7919 + count) % 100) as f64 / 10.0,
    })
}

/// Refuses a `version_id` other than the current one.
fn check_version(st: &Tenant, p: &Params) -> Result<(), Error> {
    match p.get("version_id").filter(|v| !v.is_empty()) {
        Some(v) if v != st.subsidiaries_version => {
            Err(Error::bad_request(format!("unknown version_id '{v}'")))
        }
        _ => Ok(()),
    }
}

/// The clauses of a subsidiary filter, `field:'value'` joined by `+`, on
/// name, primary_domain or id, `*` wildcards allowed.
fn filter_clauses(f: &str) -> Result<Vec<(String, String)>, Error> {
    let mut out = Vec::new();
    for clause in f.split('+') {
        let Some((field, value)) = clause.split_once(':') else {
            return Err(Error::bad_request(format!("invalid filter '{clause}'")));
        };
        let value = value.trim().trim_start_matches('*').trim_matches('\'');
        let field = field.trim();
        if !matches!(field, "name" | "primary_domain" | "id") {
            return Err(Error::bad_request(format!(
                "invalid filter: unknown filter field '{field}'"
            )));
        }
        out.push((field.to_string(), value.to_string()));
    }
    Ok(out)
}

fn matches(s: &SubsidiaryInfo, clauses: &[(String, String)]) -> bool {
    clauses.iter().all(|(f, v)| {
        let hay = match f.as_str() {
            "name" => &s.name,
            "id" => &s.id,
            _ => &s.domain,
        };
        crate::fql::wildcard_match(v, hay)
    })
}

/// The sorts the subsidiary queries document: `name` or `primary_domain`,
/// bare or with `|asc`, `|desc`, `.asc`, `.desc`. Returns (by domain, descending).
fn parse_sort(sort: &str) -> Result<(bool, bool), String> {
    let (field, dir) = sort.split_once(['|', '.']).unwrap_or((sort, "asc"));
    let by_domain = match field.trim() {
        "name" => false,
        "primary_domain" => true,
        other => {
            return Err(format!(
                "invalid sort: unknown sort field '{other}'; the allowed fields are name and primary_domain"
            ));
        }
    };
    let desc = match dir.trim().to_ascii_lowercase().as_str() {
        "asc" => false,
        "desc" => true,
        _ => {
            return Err(format!(
                "invalid sort: direction '{dir}' must be asc or desc"
            ));
        }
    };
    Ok((by_domain, desc))
}

fn sort(st: &Tenant, idx: &mut [usize], sort: &str) -> Result<(), Error> {
    let (by_domain, desc) = parse_sort(sort).map_err(Error::bad_request)?;
    idx.sort_by(|a, b| {
        let (a, b) = (&st.subsidiaries[*a], &st.subsidiaries[*b]);
        if by_domain {
            a.domain.cmp(&b.domain)
        } else {
            a.name.cmp(&b.name)
        }
    });
    if desc {
        idx.reverse();
    }
    Ok(())
}

/// The positions of the page of subsidiaries the request asks for, and
/// its `meta.pagination`.
fn page(st: &Tenant, paging: &Paging, p: &Params) -> Result<(Vec<usize>, Value), Error> {
    check_version(st, p)?;
    let limit = p.limit(paging.subsidiaries, paging.refusal)?;
    let offset: usize = match p.get("offset").filter(|s| !s.is_empty()) {
        None => 0,
        Some(s) => s
            .parse()
            .map_err(|_| Error::bad_request(format!("invalid offset '{s}'")))?,
    };
    let mut idx: Vec<usize> = (0..st.subsidiaries.len()).collect();
    if let Some(f) = p.get("filter").filter(|s| !s.trim().is_empty()) {
        let clauses = filter_clauses(f)?;
        idx.retain(|&i| matches(&st.subsidiaries[i], &clauses));
    }
    if let Some(s) = p.get("sort").map(str::trim).filter(|s| !s.is_empty()) {
        sort(st, &mut idx, s)?;
    }
    let total = idx.len();
    let page: Vec<usize> = idx.into_iter().skip(offset).take(limit.size).collect();
    Ok((
        page,
        json!({"offset": offset, "limit": limit.reported, "total": total}),
    ))
}

/// A page of the subsidiaries matching the query, each as `item` makes it.
fn listing(
    st: &Shared,
    ctx: &Ctx,
    q: Option<String>,
    item: fn(&Tenant, &SubsidiaryInfo) -> Value,
) -> Result<Response, Error> {
    let paging = &st.cfg.paging;
    let st = st.tenants.get(ctx.tenant);
    let (page, pagination) = page(st, paging, &Params::parse(q))?;
    let res: Vec<Value> = page
        .iter()
        .map(|i| item(st, &st.subsidiaries[*i]))
        .collect();
    Ok(reply::ok(ctx, res)
        .pagination(pagination)
        .version(&st.subsidiaries_version)
        .into_response())
}

/// `GET /fem/queries/ecosystem-subsidiaries/v1`.
pub async fn query(
    State(st): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Result<Response, Error> {
    listing(&st, &ctx, q, |_, s| Value::String(s.id.clone()))
}

/// `GET /fem/combined/ecosystem-subsidiaries/v1`.
pub async fn combined(
    State(st): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Result<Response, Error> {
    listing(&st, &ctx, q, to_json)
}

/// `GET /fem/entities/ecosystem-subsidiaries/v1`.
pub async fn get(
    State(st): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Result<Response, Error> {
    let st = st.tenants.get(ctx.tenant);
    let p = Params::parse(q);
    let ids = p.required_ids()?;
    check_version(st, &p)?;
    let mut res = Vec::new();
    let mut errors = Vec::new();
    for id in ids {
        match st.subsidiaries.iter().find(|s| s.id == id) {
            Some(s) => res.push(to_json(st, s)),
            None => errors.push(ApiError::for_id(
                404,
                format!("subsidiary not found: {id}"),
                &id,
            )),
        }
    }
    Ok(reply::ok(&ctx, res)
        .errors(errors)
        .version(&st.subsidiaries_version)
        .into_response())
}
