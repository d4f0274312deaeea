//! An asset's own fields: who it belongs to, when it was seen, its
//! assessment, triage and origin.

use super::AssetDraw;
use super::service::ServiceHost;
use crate::catalogue::network::NETWORKS;
use crate::catalogue::organisation::{SUBSIDIARIES, USERS};
use crate::catalogue::service::SYSTEMS;
use crate::catalogue::vocabulary::{
    APPLICABLE_ACTIONS, AUTO, CRITICALITY_ASSESSED, DATA_PROVIDERS, ENTITY_TYPE, UNASSIGNED,
};
use crate::model::{Asset, Str, Subsidiary, Triage, Ts};

/// The criticality assessment of an asset; all `None` when unassessed.
struct Assessment {
    level: Option<&'static str>,
    timestamp: Option<Ts>,
    username: Option<Str>,
    description: Option<Str>,
}

impl AssetDraw<'_> {
    /// The asset.
    pub(super) fn asset(mut self) -> Asset {
        let generator = self.generator;
        let is_ip = self.rng.chance(0.6);
        let owner = self.rng.below(SUBSIDIARIES.len() as u64) as usize;
        let primary_domain = SUBSIDIARIES[owner].domain;
        let subsidiary = generator.subsidiaries[owner].clone();
        let subsidiaries = self.asset_subsidiaries(owner);
        let (first_seen, last_seen) = self.seen();
        let id: Str = self.rng.hex(16).into();
        let network = self.rng.pick(NETWORKS);
        let system = self.rng.pick(SYSTEMS);
        let names = self.names(is_ip, primary_domain);
        let host = ServiceHost {
            asset_id: &id,
            network,
            system,
            fqdn: &names.fqdn,
            primary_domain,
            first_seen,
            last_seen,
            subsidiary: &subsidiary,
        };
        let services = self.services(&host);
        let exposed = !services.is_empty();
        let confidence = *self.rng.pick(&[50, 70, 80, 90, 95, 100]);
        let (dns_domain, ip) = if is_ip {
            (
                None,
                Some(self.ip_record(network, system, &names, services)),
            )
        } else {
            (Some(self.dns_record(network, &names, services)), None)
        };
        let assessment = self.assessment(first_seen);
        let triage = self.triage(first_seen);
        let data_providers = self.data_providers();
        let (manual, discovered_by) = self.origin();
        let status = self.status(last_seen);
        let discovery = self.discovery(&subsidiary, &names);
        let perimeter = if self.rng.chance(0.85) {
            "Official"
        } else {
            "Unofficial"
        };
        Asset {
            id,
            cid: generator.cid.clone().into(),
            asset_type: (if is_ip { "ip" } else { "dns_domain" }).into(),
            entity_type: ENTITY_TYPE.into(),
            status: status.into(),
            applicable_actions: APPLICABLE_ACTIONS.iter().map(|a| Str::from(*a)).collect(),
            confidence,
            connectivity_status: None,
            criticality: Some(assessment.level.unwrap_or(UNASSIGNED).into()),
            criticality_description: assessment.description,
            criticality_timestamp: assessment.timestamp,
            criticality_username: assessment.username,
            data_providers,
            discovered_by,
            discovery: Some(discovery),
            dns_domain,
            ip,
            first_seen,
            last_seen,
            internet_exposure: (if exposed { "Yes" } else { "No" }).into(),
            manual,
            perimeter: perimeter.into(),
            subsidiaries,
            triage,
        }
    }

    /// When an asset was first and last seen, in the year before the anchor.
    fn seen(&mut self) -> (Ts, Ts) {
        let now = self.generator.now;
        let year = 365 * 86_400;
        let first_seen = self.ts_between(now - year, now - 86_400);
        let last_seen = self.ts_between(first_seen.0 + 3600, now);
        (first_seen, last_seen)
    }

    /// Whether an asset was added by hand, and who found it: manually added
    /// assets name who added them (any value other than `auto` means manual).
    fn origin(&mut self) -> (bool, Str) {
        let manual = self.rng.chance(0.05);
        let discovered_by = if manual { *self.rng.pick(USERS) } else { AUTO };
        (manual, discovered_by.into())
    }

    /// The subsidiaries of an asset: its owner's, and for a few a second one.
    fn asset_subsidiaries(&mut self, owner: usize) -> Vec<Subsidiary> {
        let all = &self.generator.subsidiaries;
        let mut subsidiaries = vec![all[owner].clone()];
        if self.rng.chance(0.05) {
            let other = self.rng.below(all.len() as u64) as usize;
            if other != owner {
                subsidiaries.push(all[other].clone());
            }
        }
        subsidiaries
    }

    /// Most assets were never assessed; the rest carry who assessed them.
    fn assessment(&mut self, first_seen: Ts) -> Assessment {
        let level = match self.rng.below(100) {
            0..=54 => None,
            roll => {
                Some(CRITICALITY_ASSESSED[(roll as usize - 55) * CRITICALITY_ASSESSED.len() / 45])
            }
        };
        let Some(level) = level else {
            return Assessment {
                level: None,
                timestamp: None,
                username: None,
                description: None,
            };
        };
        Assessment {
            level: Some(level),
            timestamp: Some(self.ts_between(first_seen.0, self.generator.now)),
            username: Some((*self.rng.pick(USERS)).into()),
            description: Some(format!("{level}: reviewed during the quarterly asset audit").into()),
        }
    }

    /// The triage assignment of about a third of the assets: who it is
    /// assigned to, a note, who changed it and when. No status or action:
    /// no public source lists their values, and CrowdStrike's sample counts
    /// an asset as triaged only when it has a status, so most real assets
    /// have none. A PATCH sets them.
    fn triage(&mut self, first_seen: Ts) -> Option<Triage> {
        if !self.rng.chance(0.3) {
            return None;
        }
        Some(Triage {
            action: None,
            assigned_to: Some((*self.rng.pick(USERS)).into()),
            description: Some("Reviewed by the exposure management team".into()),
            status: None,
            updated_by: Some((*self.rng.pick(USERS)).into()),
            updated_timestamp: Some(self.ts_between(first_seen.0, self.generator.now)),
        })
    }

    fn data_providers(&mut self) -> Vec<Str> {
        let mut providers = vec![Str::from(DATA_PROVIDERS[0])];
        for p in &DATA_PROVIDERS[1..] {
            if self.rng.chance(0.3) {
                providers.push((*p).into());
            }
        }
        providers
    }

    /// `online` when seen in the last 30 days. The status is compared
    /// case-insensitively by its one public reader: some assets carry it
    /// capitalised.
    fn status(&mut self, last_seen: Ts) -> &'static str {
        let online = last_seen.0 > self.generator.now - 30 * 86_400;
        match (online, self.rng.chance(0.1)) {
            (true, false) => "online",
            (true, true) => "Online",
            (false, false) => "offline",
            (false, true) => "Offline",
        }
    }
}
