//! The end-to-end suites, one module per file, linked into one test binary:
//! each binary links the client, the emulator and their dependencies again,
//! so one instead of one per file saves most of the suite's link time.
//!
//! A new suite file joins with a `mod` line below (`test_layout.rs` fails,
//! naming the file, while a file in `tests/` belongs to no test binary).
//! Two suites are binaries of their own (see `Cargo.toml`): `hostile_memory`
//! measures the peak memory of its process, which other tests would move,
//! and `live` is run by name against a real tenant.

mod common;
#[path = "common/hostile.rs"]
mod hostile;

mod adaptive_concurrency;
mod architecture;
mod bulk;
mod bulk_faults;
mod dependency_hygiene;
mod emulator_field_table;
mod emulator_hardening;
mod export_chains;
mod fql_examples;
mod hostile_bodies;
mod hostile_config;
mod hostile_injection;
mod hostile_redirects;
mod hostile_tokens;
mod module_circles;
mod newer_ops;
mod page_limits;
mod payload_corpus;
mod readme_samples;
mod resume;
mod runtime_emulator;
mod test_layout;
