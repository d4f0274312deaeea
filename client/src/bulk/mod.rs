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

pub use batch::{BatchItems, BatchReader, BatchWriter, WriteOutcome, WriteResult, WriteResults};
pub use export::Export;
pub use paginate::{Items, Paginator};
pub use progress::Progress;
pub use resume::ResumePoint;
