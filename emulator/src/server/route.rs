//! The routes the emulator serves: one table giving each its method, path,
//! operation id and scope. The router, the request counters and the layers
//! all read this table.

use crate::config::{SCOPE_READ, SCOPE_WRITE};
use axum::http::Method;

/// A route of the API, or `Unknown` for any other request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Token,
    Revoke,
    QueryAssets,
    QueryAssetsV2,
    GetAssets,
    PatchAssets,
    DeleteAssets,
    AggregateAssets,
    BlobDownload,
    BlobPreview,
    InventoryPost,
    QuerySubsidiaries,
    GetSubsidiaries,
    CombinedSubsidiaries,
    Unknown,
}

/// Every route, in counter order.
pub const ROUTES: [Route; 15] = [
    Route::Token,
    Route::Revoke,
    Route::QueryAssets,
    Route::QueryAssetsV2,
    Route::GetAssets,
    Route::PatchAssets,
    Route::DeleteAssets,
    Route::AggregateAssets,
    Route::BlobDownload,
    Route::BlobPreview,
    Route::InventoryPost,
    Route::QuerySubsidiaries,
    Route::GetSubsidiaries,
    Route::CombinedSubsidiaries,
    Route::Unknown,
];

impl Route {
    /// The operation id (or `oauth2_token` / `oauth2_revoke` / `unknown`).
    pub fn name(self) -> &'static str {
        match self {
            Route::Token => "oauth2_token",
            Route::Revoke => "oauth2_revoke",
            Route::QueryAssets => "query_external_assets",
            Route::QueryAssetsV2 => "query_external_assets_v2",
            Route::GetAssets => "get_external_assets",
            Route::PatchAssets => "patch_external_assets",
            Route::DeleteAssets => "delete_external_assets",
            Route::AggregateAssets => "aggregate_external_assets",
            Route::BlobDownload => "blob_download_external_assets",
            Route::BlobPreview => "blob_preview_external_assets",
            Route::InventoryPost => "post_external_assets_inventory_v1",
            Route::QuerySubsidiaries => "query_ecosystem_subsidiaries",
            Route::GetSubsidiaries => "get_ecosystem_subsidiaries",
            Route::CombinedSubsidiaries => "combined_ecosystem_subsidiaries",
            Route::Unknown => "unknown",
        }
    }

    /// The method and path the route answers; `None` for `Unknown`.
    pub fn endpoint(self) -> Option<(Method, &'static str)> {
        let (method, path) = match self {
            Route::Token => (Method::POST, "/oauth2/token"),
            Route::Revoke => (Method::POST, "/oauth2/revoke"),
            Route::QueryAssets => (Method::GET, "/fem/queries/external-assets/v1"),
            Route::QueryAssetsV2 => (Method::GET, "/fem/queries/external-assets/v2"),
            Route::GetAssets => (Method::GET, "/fem/entities/external-assets/v1"),
            Route::PatchAssets => (Method::PATCH, "/fem/entities/external-assets/v1"),
            Route::DeleteAssets => (Method::DELETE, "/fem/entities/external-assets/v1"),
            Route::AggregateAssets => (Method::POST, "/fem/aggregates/external-assets/v1"),
            Route::BlobDownload => (Method::GET, "/fem/entities/blobs-download/v1"),
            Route::BlobPreview => (Method::GET, "/fem/entities/blobs-preview/v1"),
            Route::InventoryPost => (Method::POST, "/fem/entities/external-asset-inventory/v1"),
            Route::QuerySubsidiaries => (Method::GET, "/fem/queries/ecosystem-subsidiaries/v1"),
            Route::GetSubsidiaries => (Method::GET, "/fem/entities/ecosystem-subsidiaries/v1"),
            Route::CombinedSubsidiaries => (Method::GET, "/fem/combined/ecosystem-subsidiaries/v1"),
            Route::Unknown => return None,
        };
        Some((method, path))
    }

    /// The route a request is counted and limited under. A trailing `/`
    /// counts as the route (the router itself answers it with 404).
    pub fn of(method: &Method, path: &str) -> Route {
        let path = path.trim_end_matches('/');
        ROUTES
            .into_iter()
            .find(|r| r.endpoint().is_some_and(|(m, p)| m == method && p == path))
            .unwrap_or(Route::Unknown)
    }

    /// Position in [`ROUTES`], the index of the route's counter.
    pub fn index(self) -> usize {
        ROUTES
            .iter()
            .position(|r| *r == self)
            .unwrap_or(ROUTES.len() - 1)
    }

    /// The scope a token needs; `None` for routes that take no token.
    pub fn scope(self) -> Option<&'static str> {
        match self {
            Route::Token | Route::Revoke | Route::Unknown => None,
            Route::PatchAssets | Route::DeleteAssets | Route::InventoryPost => Some(SCOPE_WRITE),
            _ => Some(SCOPE_READ),
        }
    }

    /// The OAuth2 routes, which have their own rate-limit class.
    pub fn is_oauth(self) -> bool {
        matches!(self, Route::Token | Route::Revoke)
    }
}
