//! The current values of the rows' assets, read in batches
//! (`get_external_assets`) before anything is planned or written. An id
//! that the credentials' tenant does not have is looked up again in the
//! member CID its row names (an MSSP parent's child), when that is
//! another CID.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use falcon_exposure::models::FemExternalAsset;
use falcon_exposure::{Client, Error};
use futures::StreamExt;

use crate::exit::Failure;
use crate::output::terminal;
use crate::triage::failure::RowFailure;
use crate::triage::input::{Row, cid_key};

/// An asset as read, and the client that reads and writes it.
pub struct Current {
    /// The asset.
    pub asset: FemExternalAsset,
    /// The credentials' client, or one for the member CID.
    pub client: Client,
    /// The member CID it was found in, when not the credentials' tenant.
    pub member: Option<String>,
}

/// What the lookup found.
#[derive(Default)]
pub struct Lookup {
    /// By asset id.
    pub found: HashMap<String, Current>,
    /// The rows whose asset could not be read.
    pub failures: Vec<RowFailure>,
    /// The CIDs of the assets found in the credentials' tenant.
    pub tenant_cids: BTreeSet<String>,
}

/// Ids not read: `None` when the API has no such asset, else why the
/// request failed.
type Missing = HashMap<String, Option<String>>;

/// Reads `ids` through `client`.
async fn read(
    client: &Client,
    ids: Vec<String>,
) -> Result<(Vec<FemExternalAsset>, Missing), Failure> {
    let (mut assets, mut missing) = (Vec::new(), HashMap::new());
    let mut items = client.get_assets().ids(ids).items();
    while let Some(item) = items.next().await {
        match item {
            Ok(a) => assets.push(a),
            Err(Error::NotFound { id, .. }) => {
                missing.insert(id, None);
            }
            Err(Error::Batch { ids, source, .. }) => {
                for id in ids {
                    missing.insert(id, Some(source.to_string()));
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok((assets, missing))
}

/// The current values of `rows`' assets.
pub async fn current(client: &Client, rows: &[Row]) -> Result<Lookup, Failure> {
    let ids = rows.iter().map(|r| r.id.clone()).collect();
    let (assets, mut missing) = read(client, ids).await?;
    let mut lookup = Lookup::default();
    for asset in assets {
        if let Some(cid) = &asset.cid {
            lookup.tenant_cids.insert(cid_key(cid));
        }
        if let Some(id) = asset.id.as_deref().map(str::to_owned) {
            lookup.found.insert(
                id,
                Current {
                    asset,
                    client: client.clone(),
                    member: None,
                },
            );
        }
    }
    // Ids the tenant does not have, by the other CID their rows name.
    let mut by_member: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for row in rows {
        if matches!(missing.get(&row.id), Some(None))
            && !lookup.tenant_cids.contains(&cid_key(&row.cid))
        {
            by_member.entry(cid_key(&row.cid)).or_default().push(row);
        }
    }
    let mut member_errors: HashMap<String, String> = HashMap::new();
    for (member, rows) in by_member {
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let result = match client.for_member(member.clone()) {
            Ok(c) => read(&c, ids).await.map(|r| (c, r)),
            Err(e) => Err(e.into()),
        };
        match result {
            Ok((member_client, (assets, member_missing))) => {
                for asset in assets {
                    if let Some(id) = asset.id.as_deref().map(str::to_owned) {
                        missing.remove(&id);
                        lookup.found.insert(
                            id,
                            Current {
                                asset,
                                client: member_client.clone(),
                                member: Some(member.clone()),
                            },
                        );
                    }
                }
                for (id, why) in member_missing {
                    if let Some(why) = why {
                        missing.insert(id, Some(why));
                    }
                }
            }
            Err(e) => {
                for row in rows {
                    member_errors.insert(row.id.clone(), e.to_string());
                }
            }
        }
    }
    for row in rows {
        let reason = match (lookup.found.get(&row.id), missing.get(&row.id)) {
            (Some(current), _) => match &current.asset.cid {
                Some(cid) if cid_key(cid) != cid_key(&row.cid) => format!(
                    "the asset belongs to CID {}, not {}: correct the cid column",
                    terminal(cid),
                    terminal(&row.cid)
                ),
                _ => continue,
            },
            (None, Some(Some(why))) => format!("the asset could not be read: {why}"),
            (None, _) => {
                let mut reason = format!(
                    "unknown id: no external asset has it in the tenant{} (it may be a Discover \
                     asset id, not an external-asset id: the two APIs' ids differ, see FalconPy \
                     issue #1303)",
                    if lookup.tenant_cids.contains(&cid_key(&row.cid)) {
                        String::new()
                    } else {
                        format!(" or member CID {}", row.cid)
                    }
                );
                if let Some(e) = member_errors.get(&row.id) {
                    reason.push_str(&format!("; member CID {} could not be read: {e}", row.cid));
                }
                reason
            }
        };
        lookup.found.remove(&row.id);
        lookup
            .failures
            .push(RowFailure::new(row.line, Some(&row.id), reason));
    }
    Ok(lookup)
}
