//! The wire: reading reply bodies within a limit, turning replies into
//! values or errors, deciding whether to retry, and streaming downloads.
//! Nothing here knows about tokens or the client; the send loop in
//! `client::send` puts the pieces together.

pub(crate) mod body;
pub(crate) mod download;
pub(crate) mod reply;
pub(crate) mod retry;
