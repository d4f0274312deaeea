//! The tool's end-to-end tests: the binary run against the emulator, one
//! module per command, linked into one test binary.

mod common;

mod blobs;
mod config;
mod diff;
mod doctor;
mod export;
mod help;
mod parquet_export;
