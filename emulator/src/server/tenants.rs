//! The customer accounts the emulator serves: the parent CID and its
//! member CIDs, each with its own inventory.

use crate::generator::SubsidiaryInfo;
use crate::rng::Rng;
use crate::store::{QueryCache, Store};
use std::sync::RwLock;

/// One customer account (the parent CID or a member CID): its inventory,
/// its query cache and its subsidiaries.
pub struct Tenant {
    pub cid: String,
    pub store: RwLock<Store>,
    pub cache: QueryCache,
    pub subsidiaries: Vec<SubsidiaryInfo>,
    /// Version of the subsidiary set (ecosystem-subsidiaries `version_id`).
    pub subsidiaries_version: String,
}

impl Tenant {
    /// The account `cid` holding `store` and `subsidiaries`; `seed` draws
    /// the subsidiary set's version.
    pub fn new(cid: String, store: Store, subsidiaries: Vec<SubsidiaryInfo>, seed: u64) -> Self {
        Tenant {
            cid,
            store: RwLock::new(store),
            cache: QueryCache::default(),
            subsidiaries,
            subsidiaries_version: Rng::new(seed ^ 0x5EB5).hex(8),
        }
    }
}

/// The accounts, the parent first. A request's account is an index into
/// this list (`Ctx::tenant`, the token's CID).
pub struct Tenants(Vec<Tenant>);

impl Tenants {
    /// The accounts `list`, the parent's first (at least one).
    pub fn new(list: Vec<Tenant>) -> Self {
        assert!(!list.is_empty(), "the parent account comes first");
        Tenants(list)
    }

    /// The account at `index` (the parent when out of range).
    pub fn get(&self, index: usize) -> &Tenant {
        self.0.get(index).unwrap_or(&self.0[0])
    }

    /// The index of the account `cid` (compared case-insensitively).
    pub fn index_of(&self, cid: &str) -> Option<usize> {
        self.0.iter().position(|t| t.cid.eq_ignore_ascii_case(cid))
    }

    /// Every account, the parent first.
    pub fn iter(&self) -> impl Iterator<Item = &Tenant> {
        self.0.iter()
    }
}
