//! Behaviour of the client runtime against mock servers, one module per
//! area.

mod common;

mod auth;
mod budget;
mod command;
mod decoding;
mod operations;
mod retries;
mod secrets;
