//! The fixed records the generator draws from: the organisation and its
//! subsidiaries, places, networks, services and certificate authorities.
//! Each record is one coherent thing (a product names its ports, software,
//! page and platforms together), so that whatever is drawn from it agrees
//! with itself.

pub mod network;
pub mod organisation;
pub mod place;
pub mod service;
pub mod tls;
pub mod vocabulary;
