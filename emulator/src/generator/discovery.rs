//! Discovery paths: how an asset, or a subsidiary, was linked to the
//! organisation.

use super::AssetDraw;
use super::address::Names;
use crate::catalogue::organisation::ORGANIZATION;
use crate::model::{Discovery, DiscoveryPath, DiscoveryStep, RedirectStep, Subsidiary};
use crate::rng::Rng;

/// A step of a discovery path, with no redirect.
pub(super) fn step(
    rng: &mut Rng,
    clue: String,
    entity: String,
    entity_type: &'static str,
) -> DiscoveryStep {
    DiscoveryStep {
        id: rng.hex(8).into(),
        clue: clue.into(),
        entity: entity.into(),
        entity_type: entity_type.into(),
        redirect_path: Vec::new(),
    }
}

impl AssetDraw<'_> {
    /// How an asset was linked to the inventory: from its subsidiary through
    /// the primary domain, the subdomain, and for an IP the domain that
    /// resolves to it (2 to 4 steps). Some steps went through HTTP
    /// redirects; some assets were also found another way.
    pub(super) fn discovery(&mut self, subsidiary: &Subsidiary, names: &Names) -> Discovery {
        let rng = &mut self.rng;
        let primary = names.primary_domain;
        let fqdn = names.fqdn.as_str();
        let subsidiary_step = |rng: &mut Rng| {
            step(
                rng,
                format!("Subsidiary of {ORGANIZATION}"),
                subsidiary.name.to_string(),
                "subsidiary",
            )
        };
        let mut steps = vec![
            subsidiary_step(rng),
            step(
                rng,
                format!("Primary domain of {}", subsidiary.name),
                primary.to_string(),
                "dns_domain",
            ),
        ];
        if fqdn != primary {
            let mut s = step(
                rng,
                format!("Subdomain of {primary}"),
                fqdn.to_string(),
                "dns_domain",
            );
            if rng.chance(0.2) {
                s.redirect_path = vec![
                    redirect(rng, primary.to_string(), 301),
                    redirect(rng, fqdn.to_string(), 302),
                ];
            }
            steps.push(s);
        }
        if names.is_ip {
            let clue = format!("Resolved from {fqdn}");
            steps.push(step(rng, clue, names.ip_address.clone(), "ip"));
        }
        let mut alternative_paths = Vec::new();
        if rng.chance(0.25) {
            let (entity, entity_type) = if names.is_ip {
                (&names.ip_address, "ip")
            } else {
                (&names.fqdn, "dns_domain")
            };
            let first = subsidiary_step(rng);
            let clue = format!("Named in the TLS certificate of {primary}");
            alternative_paths.push(DiscoveryPath {
                steps: vec![first, step(rng, clue, entity.clone(), entity_type)],
            });
        }
        Discovery {
            path: DiscoveryPath { steps },
            alternative_paths,
        }
    }
}

fn redirect(rng: &mut Rng, entity: String, code: u16) -> RedirectStep {
    RedirectStep {
        id: rng.hex(8).into(),
        clue: format!("HTTP {code} redirect").into(),
        entity: entity.into(),
        entity_type: "dns_domain".into(),
    }
}
