//! What each row would change: the fields whose value differs from the
//! asset's current one.

use falcon_exposure::Client;
use falcon_exposure::models::{ExternalAssetsApiPatch, FemExternalAsset};

use crate::triage::fields::Field;
use crate::triage::input::Row;
use crate::triage::lookup::Lookup;

/// One field's change.
#[derive(Debug, Clone)]
pub struct Change {
    /// The field.
    pub field: Field,
    /// Its value now (`None`: unset).
    pub before: Option<String>,
    /// The value the row sets.
    pub after: String,
}

/// A row whose asset was read, and what it changes.
pub struct Planned {
    /// The row.
    pub row: Row,
    /// The asset as read.
    pub before: FemExternalAsset,
    /// The client that reads and writes it.
    pub client: Client,
    /// The member CID it is in, when not the credentials' tenant.
    pub member: Option<String>,
    /// The fields that change (none: the asset has the values already).
    pub changes: Vec<Change>,
}

impl Planned {
    /// The PATCH element: the id, the CID and the fields that change.
    pub fn patch(&self) -> ExternalAssetsApiPatch {
        let mut patch = ExternalAssetsApiPatch {
            id: Some(self.row.id.clone()),
            cid: Some(self.row.cid.clone()),
            ..Default::default()
        };
        for c in &self.changes {
            c.field.set(&mut patch, &c.after);
        }
        patch
    }
}

/// The rows whose asset was found, in the file's order, with their
/// changes.
pub fn plan(rows: Vec<Row>, lookup: &mut Lookup) -> Vec<Planned> {
    let mut planned = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(current) = lookup.found.remove(&row.id) else {
            continue;
        };
        let changes = row
            .values
            .iter()
            .filter_map(|(&field, after)| {
                let before = field.current(&current.asset);
                (before.as_deref() != Some(after.as_str())).then(|| Change {
                    field,
                    before,
                    after: after.clone(),
                })
            })
            .collect();
        planned.push(Planned {
            row,
            before: current.asset,
            client: current.client,
            member: current.member,
            changes,
        });
    }
    planned
}
