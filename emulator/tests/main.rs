//! The emulator's route-by-route tests, one module per file, linked into one
//! test binary (one link of the emulator and its dependencies instead of one
//! per file). A new file joins with a `mod` line below; the workspace's
//! `test_layout` check names any file in `tests/` that no binary compiles.

mod common;

mod aggregate;
mod assets;
mod auth;
mod budget;
mod coherence;
mod dataset;
mod faults;
mod fql;
mod fql_proptest;
mod latency;
mod paging;
mod unlisted_values;
