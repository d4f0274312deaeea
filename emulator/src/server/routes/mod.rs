//! The operation handlers, one module per resource. Each takes what the
//! layers established ([`Ctx`](super::ctx::Ctx)) and returns a reply or
//! an [`Error`].

mod aggregates;
mod assets;
mod assets_v2;
mod blobs;
mod inventory;
mod oauth;
mod subsidiaries;

use super::error::Error;
use super::route::Route;
use super::state::Shared;
use axum::http::{Method, Uri};
use axum::routing::{MethodFilter, MethodRouter, on};

/// The handler of `route`, answering its method; `None` for `Unknown`.
pub fn handler(route: Route) -> Option<MethodRouter<Shared>> {
    let (method, _) = route.endpoint()?;
    let m = MethodFilter::try_from(method).ok()?;
    Some(match route {
        Route::Token => on(m, oauth::token),
        Route::Revoke => on(m, oauth::revoke),
        Route::QueryAssets => on(m, assets::query),
        Route::QueryAssetsV2 => on(m, assets_v2::query_v2),
        Route::GetAssets => on(m, assets::get),
        Route::PatchAssets => on(m, assets::patch),
        Route::DeleteAssets => on(m, assets::delete),
        Route::AggregateAssets => on(m, aggregates::aggregate),
        Route::BlobDownload => on(m, blobs::download),
        Route::BlobPreview => on(m, blobs::preview),
        Route::InventoryPost => on(m, inventory::post),
        Route::QuerySubsidiaries => on(m, subsidiaries::query),
        Route::GetSubsidiaries => on(m, subsidiaries::get),
        Route::CombinedSubsidiaries => on(m, subsidiaries::combined),
        Route::Unknown => return None,
    })
}

/// Fallback for unknown routes.
pub async fn not_found(method: Method, uri: Uri) -> Error {
    Error::not_found(format!("no route for {method} {}", uri.path()))
}
