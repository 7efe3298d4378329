//! Log template mining and fingerprints (pure: values in, values out).
//!
//! [`Miner`] takes lines one at a time (streaming; memory bounded by the number of distinct
//! masked messages) and [`Miner::patterns`] groups them into templates.

mod classify;
mod columns;
pub mod header;
mod merge;
mod miner;
pub mod token;

pub use miner::{Miner, Options, Pattern, Patterns};
