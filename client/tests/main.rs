//! The client's integration tests, one module per file, linked into one test
//! binary (one link of the client and its dependencies instead of one per
//! file). A new file joins with a `mod` line below; the workspace's
//! `test_layout` check names any file in `tests/` that no binary compiles.

mod export_page_size;
mod export_plan;
mod fixture_compile;
mod fql_builder;
mod fql_compile_fail;
mod fql_parser;
mod fql_proptest;
mod pagination_mock;
mod public_surface;
mod runtime;
mod vocabularies;
