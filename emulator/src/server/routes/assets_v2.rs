//! `GET /fem/queries/external-assets/v2`: the cursor query, with the page
//! faults of [`Paging`] (a page handed back twice in a walk).

use super::assets::{page_ids, select};
use crate::config::Paging;
use crate::server::ctx::Ctx;
use crate::server::cursor::{Cursor, Leads};
use crate::server::error::Error;
use crate::server::params::Params;
use crate::server::reply;
use crate::server::state::Shared;
use axum::extract::{Extension, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The positions a reply hands back, and the cursor it gives to go on
/// (`None`: the walk ends, `after` is "").
struct Served {
    start: usize,
    end: usize,
    after: Option<Cursor>,
}

fn pos(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The `back` results before the cursor's start.
fn again(c: &Cursor, after: Option<Cursor>) -> Served {
    let end = c.start as usize;
    Served {
        start: end.saturating_sub(c.back as usize),
        end,
        after,
    }
}

/// What page `c` (`None`: the first page) leads to, with `size` results
/// at most out of `total`.
fn serve(paging: &Paging, c: Option<Cursor>, size: usize, total: usize) -> Served {
    let (start, page) = match c {
        None => (0, 1),
        Some(c) if c.leads == Leads::LastAgain => return again(&c, None),
        Some(c) if c.leads == Leads::Next && paging.repeat_page == Some(c.page) => {
            let fresh = Cursor {
                leads: Leads::AfterRepeat,
                ..c
            };
            return again(&c, Some(fresh));
        }
        Some(c) => (c.start as usize, c.page),
    };
    let end = start.saturating_add(size).min(total);
    let next = |leads| Cursor {
        start: pos(end),
        back: pos(end.saturating_sub(start)),
        page: page.saturating_add(1),
        leads,
    };
    let after = if end < total {
        Some(next(Leads::Next))
    } else if paging.repeat_last_page && start < end {
        Some(next(Leads::LastAgain))
    } else {
        None
    };
    Served { start, end, after }
}

/// `GET /fem/queries/external-assets/v2`: cursor pagination with `after`.
pub async fn query_v2(
    State(shared): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Result<Response, Error> {
    let st = shared.tenants.get(ctx.tenant);
    let paging = &shared.cfg.paging;
    let p = Params::parse(q);
    let limit = p.limit(paging.assets_v2, paging.refusal)?;
    let cursor = match p.get("after").map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            Cursor::decode(s)
                .ok_or_else(|| Error::bad_request(format!("invalid after cursor '{s}'")))?,
        ),
    };
    let (store, hits) = select(st, &p)?;
    // A refused limit answered with an empty page ends the walk there.
    let served = if limit.size == 0 {
        Served {
            start: 0,
            end: 0,
            after: None,
        }
    } else {
        serve(paging, cursor, limit.size, hits.len())
    };
    let page = page_ids(&store, &hits, served.start, served.end);
    let after = served.after.map(Cursor::encode).unwrap_or_default();
    let pagination = json!({"after": after, "limit": limit.reported, "total": hits.len()});
    Ok(reply::ok(&ctx, page).pagination(pagination).into_response())
}
