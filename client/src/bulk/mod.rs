//! Bulk work built on single requests: every item across pages
//! ([`Paginator`]), any number of ids in batches ([`BatchReader`],
//! [`BatchWriter`]) and full exports ([`Export`]), each reporting
//! [`Progress`].

pub(crate) mod batch;
pub(crate) mod export;
mod lazy;
mod page_size;
pub(crate) mod paginate;
pub(crate) mod progress;
pub(crate) mod resume;
mod window;

pub use batch::{BatchReader, BatchWriter, WriteOutcome, WriteResult};
pub use export::Export;
pub use paginate::Paginator;
pub use progress::Progress;
pub use resume::ResumePoint;
pub use window::DEFAULT_MAX_CONCURRENCY;
