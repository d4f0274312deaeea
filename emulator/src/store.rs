//! The in-memory inventory: assets in generation order, an id index, and a
//! cache of query results that is invalidated by every write.

use crate::fields::{self, Val};
use crate::fql::{self, Expr, SortKey};
use crate::model::Asset;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The assets and their index.
pub struct Store {
    assets: Vec<Option<Asset>>,
    by_id: HashMap<Box<str>, u32>,
    live: usize,
    /// Bumped on every write; query cache entries of older generations are stale.
    pub generation: u64,
}

impl Store {
    /// A store holding `assets`.
    pub fn new(assets: Vec<Asset>) -> Self {
        let by_id = assets
            .iter()
            .enumerate()
            .map(|(i, a)| (Box::from(a.id.as_ref()), i as u32))
            .collect();
        Store {
            live: assets.len(),
            assets: assets.into_iter().map(Some).collect(),
            by_id,
            generation: 0,
        }
    }

    /// How many assets exist.
    pub fn len(&self) -> usize {
        self.live
    }

    /// The asset with `id`.
    pub fn get(&self, id: &str) -> Option<&Asset> {
        let i = *self.by_id.get(id)?;
        self.assets.get(i as usize)?.as_ref()
    }

    /// The asset at internal position `i`.
    pub fn at(&self, i: u32) -> Option<&Asset> {
        self.assets.get(i as usize)?.as_ref()
    }

    /// Mutable access to the asset with `id`; counts as a write.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Asset> {
        let i = *self.by_id.get(id)?;
        self.generation += 1;
        self.assets.get_mut(i as usize)?.as_mut()
    }

    /// Adds `asset` after the others; false (and nothing added) when its id
    /// exists.
    pub fn insert(&mut self, asset: Asset) -> bool {
        if self.by_id.contains_key(asset.id.as_ref()) {
            return false;
        }
        self.generation += 1;
        self.live += 1;
        self.by_id
            .insert(Box::from(asset.id.as_ref()), self.assets.len() as u32);
        self.assets.push(Some(asset));
        true
    }

    /// Removes the asset with `id`; true when it existed.
    pub fn delete(&mut self, id: &str) -> bool {
        let Some(i) = self.by_id.remove(id) else {
            return false;
        };
        self.generation += 1;
        self.live -= 1;
        self.assets[i as usize] = None;
        true
    }

    /// Iterates over live assets with their positions.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Asset)> {
        self.assets
            .iter()
            .enumerate()
            .filter_map(|(i, a)| a.as_ref().map(|a| (i as u32, a)))
    }

    /// Positions of the assets matching `filter`, ordered by `sort` (ties and
    /// the default order follow generation order).
    pub fn select(&self, filter: Option<&Expr>, sort: &[SortKey]) -> Vec<u32> {
        let hits = self
            .iter()
            .filter(|(_, a)| filter.is_none_or(|f| f.matches(a)))
            .map(|(i, _)| i);
        if sort.is_empty() {
            return hits.collect();
        }
        let mut keyed: Vec<(Vec<SortVal>, u32)> = hits
            .map(|i| {
                let a = self.at(i).expect("live asset");
                (sort.iter().map(|k| sort_val(a, k)).collect(), i)
            })
            .collect();
        keyed.sort_by(|(ka, ia), (kb, ib)| {
            for (n, key) in sort.iter().enumerate() {
                let o = cmp_sort(&ka[n], &kb[n], key.desc);
                if o != Ordering::Equal {
                    return o;
                }
            }
            ia.cmp(ib)
        });
        keyed.into_iter().map(|(_, i)| i).collect()
    }
}

/// A sortable value; missing values sort last in both directions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortVal {
    /// Number (integers, timestamps, IP addresses).
    Num(i128),
    /// Text.
    Text(String),
    /// No value.
    Missing,
}

fn sort_val(a: &Asset, key: &SortKey) -> SortVal {
    let vals = fields::values(a, key.field.path);
    let conv = |v: &Val| match v {
        Val::I(i) | Val::T(i) => SortVal::Num(*i as i128),
        Val::B(b) => SortVal::Num(*b as i128),
        Val::Ip(n, _) => SortVal::Num(*n as i128),
        Val::S(s) => SortVal::Text(s.to_string()),
    };
    let it = vals.iter().map(conv);
    // Multi-valued fields sort by their smallest value ascending, largest descending.
    if key.desc { it.max() } else { it.min() }.unwrap_or(SortVal::Missing)
}

fn cmp_sort(a: &SortVal, b: &SortVal, desc: bool) -> Ordering {
    match (a, b) {
        (SortVal::Missing, SortVal::Missing) => Ordering::Equal,
        (SortVal::Missing, _) => Ordering::Greater,
        (_, SortVal::Missing) => Ordering::Less,
        _ if desc => b.cmp(a),
        _ => a.cmp(b),
    }
}

type CacheMap = HashMap<(String, String), (u64, Arc<Vec<u32>>)>;

/// Caches query results by (filter, sort) for the current store generation.
#[derive(Default)]
pub struct QueryCache {
    entries: Mutex<CacheMap>,
}

const CACHE_ENTRIES: usize = 256;

impl QueryCache {
    /// The cached or freshly computed result of `filter` and `sort` over
    /// `store`. Relative times are resolved against `now`.
    pub fn query(
        &self,
        store: &Store,
        filter: &str,
        sort: &str,
        now: i64,
    ) -> Result<Arc<Vec<u32>>, String> {
        // Filters with relative times are cached per second of `now`.
        let anchor = if filter.contains("now") { now } else { 0 };
        let key = (format!("{anchor}\u{0}{filter}"), sort.to_string());
        if let Some((generation, hit)) =
            self.entries.lock().map_err(|_| "cache poisoned")?.get(&key)
        {
            if *generation == store.generation {
                return Ok(hit.clone());
            }
        }
        let expr = if filter.trim().is_empty() {
            None
        } else {
            Some(fql::parse(filter, now)?)
        };
        let keys = fql::parse_sort(sort)?;
        let result = Arc::new(store.select(expr.as_ref(), &keys));
        let mut entries = self.entries.lock().map_err(|_| "cache poisoned")?;
        if entries.len() >= CACHE_ENTRIES {
            entries.clear();
        }
        entries.insert(key, (store.generation, result.clone()));
        Ok(result)
    }
}
