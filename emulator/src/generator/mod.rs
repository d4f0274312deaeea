//! The generated inventory: the same seed and anchor always give the same
//! assets. Each asset draws from a stream of its own, seeded from the seed
//! and the asset's position, so that a change to how one asset is drawn
//! (a field added to one kind of asset) leaves every other asset as it was.

mod address;
mod asset;
mod certificate;
mod discovery;
mod service;
mod subsidiaries;
mod user_asset;

pub use subsidiaries::SubsidiaryInfo;
pub use user_asset::user_asset;

use crate::catalogue::organisation::SUBSIDIARIES;
use crate::model::{Asset, Subsidiary, Ts};
use crate::rng::Rng;

/// The anchor time and subsidiaries an inventory is generated around.
pub struct Generator {
    seed: u64,
    cid: String,
    now: i64,
    /// One per record of [`SUBSIDIARIES`], in its order.
    subsidiaries: Vec<Subsidiary>,
    mixed_fqdn_forms: bool,
}

impl Generator {
    /// A generator for `seed`, anchoring first/last seen times at `now`.
    pub fn new(seed: u64, cid: &str, now: i64) -> Self {
        let mut ids = Rng::new(seed);
        let subsidiaries = SUBSIDIARIES
            .iter()
            .map(|s| Subsidiary {
                id: ids.hex(16).into(),
                name: s.name.into(),
            })
            .collect();
        Generator {
            seed,
            cid: cid.to_string(),
            now,
            subsidiaries,
            mixed_fqdn_forms: false,
        }
    }

    /// With `on`, some assets carry `ip.fqdns` as one string and
    /// `dns_domain.fqdn` as a list, as real tenants are known to send them;
    /// the inventory is otherwise the same.
    pub fn mixed_fqdn_forms(mut self, on: bool) -> Self {
        self.mixed_fqdn_forms = on;
        self
    }

    /// The asset at position `index`.
    pub fn asset(&self, index: usize) -> Asset {
        self.asset_from(index, self.stream(index))
    }

    /// The random stream of the asset at `index`.
    fn stream(&self, index: usize) -> Rng {
        Rng::stream(self.seed, index as u64)
    }

    /// The asset at `index`, drawn from `rng`.
    fn asset_from(&self, index: usize, rng: Rng) -> Asset {
        AssetDraw {
            rng,
            generator: self,
            index,
        }
        .asset()
    }
}

/// The drawing of one asset: its random stream, and the generator it draws
/// for. Every draw happens in a fixed order, so a stream always gives the
/// same asset.
struct AssetDraw<'g> {
    rng: Rng,
    generator: &'g Generator,
    index: usize,
}

impl AssetDraw<'_> {
    /// A time in `lo..=hi` (at `lo` when `hi` is earlier).
    fn ts_between(&mut self, lo: i64, hi: i64) -> Ts {
        Ts(self.rng.range(lo, hi.max(lo)))
    }
}

#[cfg(test)]
mod tests;
