//! The generator's integration tests, one module per file, linked into one
//! test binary. A new file joins with a `mod` line below; the workspace's
//! `test_layout` check names any file in `tests/` that no binary compiles.
//! Snapshots are named after the module path (`codegen__generator__…`).

mod bulk_keys;
mod generator;
mod schema_coverage;
mod seed;
