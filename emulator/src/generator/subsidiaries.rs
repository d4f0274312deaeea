//! The subsidiaries assets are attributed to, as the ecosystem-subsidiaries
//! operations list them.

use super::Generator;
use super::discovery::step;
use crate::catalogue::organisation::{ORGANIZATION, SUBSIDIARIES};
use crate::model::{Discovery, DiscoveryPath};
use crate::rng::Rng;

/// One generated subsidiary (`domain.FemEcosystemSubsidiary`).
#[derive(Debug, Clone)]
pub struct SubsidiaryInfo {
    /// Subsidiary id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Primary DNS domain.
    pub domain: String,
    /// Id of the parent subsidiary, empty for a top-level one.
    pub parent_id: String,
    /// Number of child subsidiaries.
    pub children_count: i32,
    /// How the subsidiary was linked to the organisation.
    pub discovery: Discovery,
}

impl Generator {
    /// The subsidiaries, with their discovery paths: organisation, then the
    /// parent subsidiary if any, then the subsidiary itself.
    pub fn subsidiaries(&self) -> Vec<SubsidiaryInfo> {
        // A stream of its own, so that the assets do not depend on it.
        let rng = &mut Rng::new(self.seed ^ 0x5B5D_1A21);
        let ownership = |owner: &str| format!("Subsidiary of {owner} (ownership records)");
        SUBSIDIARIES
            .iter()
            .zip(&self.subsidiaries)
            .enumerate()
            .map(|(i, (record, subsidiary))| {
                let mut steps = vec![step(
                    rng,
                    "Customer organization".into(),
                    ORGANIZATION.into(),
                    "subsidiary",
                )];
                let parent = record.parent.map(|p| &SUBSIDIARIES[p]);
                if let Some(parent) = parent {
                    let clue = ownership(ORGANIZATION);
                    steps.push(step(rng, clue, parent.name.into(), "subsidiary"));
                }
                let owner = parent.map_or(ORGANIZATION, |p| p.name);
                steps.push(step(
                    rng,
                    ownership(owner),
                    record.name.into(),
                    "subsidiary",
                ));
                SubsidiaryInfo {
                    id: subsidiary.id.to_string(),
                    name: subsidiary.name.to_string(),
                    domain: record.domain.to_string(),
                    parent_id: record
                        .parent
                        .map(|p| self.subsidiaries[p].id.to_string())
                        .unwrap_or_default(),
                    children_count: SUBSIDIARIES.iter().filter(|s| s.parent == Some(i)).count()
                        as i32,
                    discovery: Discovery {
                        path: DiscoveryPath { steps },
                        alternative_paths: Vec::new(),
                    },
                }
            })
            .collect()
    }
}
