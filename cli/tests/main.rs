//! The tool's end-to-end tests: the binary run against the emulator, one
//! module per command, linked into one test binary.

mod common;

mod blobs;
mod call;
mod config;
mod diff;
mod doctor;
mod emulator;
mod export;
mod help;
mod parquet_export;
mod report;
mod triage;
