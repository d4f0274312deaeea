//! Bulk work built on single requests: every item across pages
//! ([`Paginator`]), any number of ids in batches ([`BatchReader`],
//! [`BatchWriter`]) and full exports ([`Export`]), each reporting
//! [`Progress`]. The four are configuration only; their `items()` or
//! `send_all()` starts them and returns a stream ([`Items`],
//! [`BatchItems`], [`WriteResults`]) with no setter left. Batches run on
//! one engine (`engine.rs`); the pages of a cursor chain follow one another
//! (`paginate.rs`), an export reading several chains at once (`shards.rs`).

pub(crate) mod batch;
mod engine;
pub(crate) mod export;
mod page_size;
pub(crate) mod paginate;
pub(crate) mod progress;
pub(crate) mod resume;
pub(crate) mod shards;

/// A set of ids or cursors from the server. foldhash, seeded at random for
/// each set as std's SipHash is (the server chooses the keys), hashes a
/// 32-character id in a fraction of SipHash's time; an export hashes each
/// id several times (the set of ids seen, the resume ledger, matching).
pub(crate) type IdSet = std::collections::HashSet<String, IdHasher>;

/// The hasher of [`IdSet`], and of maps keyed by ids.
pub(crate) type IdHasher = foldhash::fast::RandomState;

pub use batch::{BatchItems, BatchReader, BatchWriter, WriteOutcome, WriteResult, WriteResults};
pub use export::Export;
pub use paginate::{Items, Paginator};
pub use progress::Progress;
pub use resume::ResumePoint;
