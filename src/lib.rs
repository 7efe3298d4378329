//! luffy: watches many services' logs and tells each team what broke and which commit probably broke it.

pub mod cluster;
pub mod error;
pub mod parse;
