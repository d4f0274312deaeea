//! The PATCHes: the planned changes in requests of at most 100 assets
//! (`patch_external_assets`), per client (tenant or member CID), each sent
//! once, with an outcome per asset.

use std::collections::HashMap;

use falcon_exposure::models::{ExternalAssetApiPatchRequestV1, FemExternalAsset};

use crate::triage::plan::Planned;

/// The most assets in one PATCH (the API's limit on `assets[].id`).
const BATCH: usize = 100;

/// What became of one asset's PATCH.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Applied; the asset as the reply gave it, if it did.
    Applied(Option<Box<FemExternalAsset>>),
    /// The API refused it.
    Rejected(String),
    /// The request failed.
    Failed {
        /// Why.
        reason: String,
        /// Whether it may have reached the API all the same.
        may_have_applied: bool,
    },
}

impl Outcome {
    /// The word for the audit file.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Applied(_) => "applied",
            Outcome::Rejected(_) => "rejected",
            Outcome::Failed { .. } => "failed",
        }
    }

    /// Why it did not apply, for the report.
    pub fn failure(&self) -> Option<String> {
        match self {
            Outcome::Applied(_) => None,
            Outcome::Rejected(why) => Some(format!("the API refused the change: {why}")),
            Outcome::Failed {
                reason,
                may_have_applied: true,
            } => Some(format!(
                "the request failed and may have been applied: {reason} (check the asset before retrying)"
            )),
            Outcome::Failed { reason, .. } => Some(format!("the request failed: {reason}")),
        }
    }
}

/// Sends the changes of `planned` (those with any), calling `done` with
/// each asset's outcome as its request ends.
pub async fn apply(planned: &[&Planned], mut done: impl FnMut(&Planned, Outcome)) {
    // One client per tenant or member CID, in the file's order.
    let mut groups: Vec<Vec<&Planned>> = Vec::new();
    let mut index: HashMap<Option<&str>, usize> = HashMap::new();
    for p in planned.iter().copied().filter(|p| !p.changes.is_empty()) {
        let i = *index.entry(p.member.as_deref()).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[i].push(p);
    }
    for group in groups {
        for chunk in group.chunks(BATCH) {
            let body = ExternalAssetApiPatchRequestV1 {
                assets: Some(chunk.iter().map(|p| p.patch()).collect()),
            };
            let reply = chunk[0].client.update_assets().body(body).send().await;
            match reply {
                Ok(reply) => {
                    let mut items: HashMap<String, FemExternalAsset> = reply
                        .resources
                        .into_iter()
                        .filter_map(|a| Some((a.id.as_deref()?.to_owned(), a)))
                        .collect();
                    let general = reply.errors.iter().find(|e| e.id.is_none());
                    for p in chunk {
                        let named = reply
                            .errors
                            .iter()
                            .find(|e| e.id.as_deref() == Some(p.row.id.as_str()));
                        let outcome = match (items.remove(&p.row.id), named.or(general)) {
                            (Some(asset), _) => Outcome::Applied(Some(Box::new(asset))),
                            (None, Some(e)) => Outcome::Rejected(format!(
                                "{}{}",
                                e.message.as_deref().unwrap_or("refused"),
                                e.code.map(|c| format!(" (code {c})")).unwrap_or_default()
                            )),
                            (None, None) => Outcome::Applied(None),
                        };
                        done(p, outcome);
                    }
                }
                Err(e) => {
                    let may_have_applied = e.may_have_applied();
                    for p in chunk {
                        done(
                            p,
                            Outcome::Failed {
                                reason: e.to_string(),
                                may_have_applied,
                            },
                        );
                    }
                }
            }
        }
    }
}
