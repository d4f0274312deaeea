//! Pagination: the page parameters of an operation.

use super::{Ctx, key};
use crate::ir;
use crate::locate::Step;
use crate::manifest::{Operation, Pagination};

/// The page parameters of an operation (`Some(None)`: not paginated).
pub(super) fn pagination(
    cx: &mut Ctx<'_>,
    op: &Operation,
    at: &dyn Fn(&[Step]) -> Vec<Step>,
) -> Option<Option<ir::Pagination>> {
    let Some(pg) = &op.pagination else {
        return Some(None);
    };
    let before = cx.out.len();
    let here = |k: &str| at(&[key("pagination"), key(k)]);
    query_param(cx, op, &here, "limit", &pg.limit, "page size");
    let alternative = alternative(cx, pg, &here);
    let style = match pg.style.as_str() {
        "offset" => offset_style(cx, op, pg, &here, alternative),
        "cursor" => cursor_style(cx, op, pg, &here),
        other => {
            cx.push(
                here("style"),
                format!("unknown pagination style `{other}`"),
                "use one of offset, cursor",
            );
            None
        }
    };
    if pg.page_size == 0 {
        cx.push(
            here("page_size"),
            "the page size is 0",
            "give the number of items to ask for per page",
        );
    }
    if op.response.binary {
        cx.push(
            at(&[key("pagination")]),
            "a binary reply has no pages",
            "remove `pagination`",
        );
    }
    let pagination = ir::Pagination {
        style: style?,
        limit: pg.limit.clone(),
        page_size: pg.page_size,
    };
    (cx.out.len() == before).then_some(Some(pagination))
}

fn offset_style(
    cx: &mut Ctx<'_>,
    op: &Operation,
    pg: &Pagination,
    here: &dyn Fn(&str) -> Vec<Step>,
    alternative: Option<Option<ir::OpId>>,
) -> Option<ir::PageStyle> {
    match &pg.offset {
        Some(o) => query_param(cx, op, here, "offset", o, "starting offset"),
        None => cx.push(
            here("style"),
            "offset pagination needs the `offset` parameter",
            "add `offset:` naming the query parameter of the offset",
        ),
    }
    if pg.cursor.is_some() {
        cx.push(
            here("cursor"),
            "`cursor` applies to cursor pagination only",
            "remove `cursor` or set `style: cursor`",
        );
    }
    Some(ir::PageStyle::Offset {
        offset: pg.offset.clone()?,
        max_offset: pg.max_offset,
        alternative: alternative?,
    })
}

fn cursor_style(
    cx: &mut Ctx<'_>,
    op: &Operation,
    pg: &Pagination,
    here: &dyn Fn(&str) -> Vec<Step>,
) -> Option<ir::PageStyle> {
    match &pg.cursor {
        Some(c) => query_param(cx, op, here, "cursor", c, "cursor"),
        None => cx.push(
            here("style"),
            "cursor pagination needs the `cursor` parameter",
            "add `cursor:` naming the query parameter of the cursor (e.g. `after`)",
        ),
    }
    for (k, set) in [
        ("offset", pg.offset.is_some()),
        ("max_offset", pg.max_offset.is_some()),
        ("alternative", pg.alternative.is_some()),
    ] {
        if set {
            cx.push(
                here(k),
                format!("`{k}` applies to offset pagination only"),
                format!("remove `{k}` or set `style: offset`"),
            );
        }
    }
    Some(ir::PageStyle::Cursor {
        cursor: pg.cursor.clone()?,
    })
}

/// The cursor-paginated operation to suggest past `max_offset` (`Some(None)`: none).
fn alternative(
    cx: &mut Ctx<'_>,
    pg: &Pagination,
    here: &dyn Fn(&str) -> Vec<Step>,
) -> Option<Option<ir::OpId>> {
    match &pg.alternative {
        None => Some(None),
        Some(alt) => match cx.operations.get(alt.as_str()).copied() {
            None => {
                cx.push(
                    here("alternative"),
                    format!("operation `{alt}` is not defined"),
                    "name the operation ID of a cursor-paginated operation",
                );
                None
            }
            Some(id)
                if cx.m.operations[id.0]
                    .pagination
                    .as_ref()
                    .is_none_or(|p| p.style != "cursor") =>
            {
                cx.push(
                    here("alternative"),
                    format!("operation `{alt}` has no cursor pagination"),
                    "name an operation with `pagination: {style: cursor, ...}`",
                );
                None
            }
            Some(id) => Some(Some(id)),
        },
    }
}

/// Checks that `name`, given as the pagination's `k`, is a query parameter
/// of the operation (an integer one for the page size).
fn query_param(
    cx: &mut Ctx<'_>,
    op: &Operation,
    here: &dyn Fn(&str) -> Vec<Step>,
    k: &str,
    name: &str,
    want: &str,
) {
    let problem = match op.parameters.iter().find(|p| p.name == name) {
        None => (
            format!("`{name}` is not a parameter of this operation"),
            format!("name the query parameter that takes the {want}"),
        ),
        Some(p) if p.location != "query" => (
            format!("`{name}` is not a query parameter"),
            "pagination parameters are sent in the query".into(),
        ),
        Some(p) if k == "limit" && p.ty != "integer" => (
            format!("the page size `{name}` is of type `{}`", p.ty),
            "name an `integer` parameter".into(),
        ),
        Some(_) => return,
    };
    cx.push(here(k), problem.0, problem.1);
}
