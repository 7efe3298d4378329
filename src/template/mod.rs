//! Log template mining and fingerprints (pure: values in, values out).
//!
//! [`Miner`] takes lines one at a time (streaming; memory bounded by the number of templates:
//! distinct masked messages are compacted into templates past a limit) and
//! [`Miner::patterns`] groups them into templates. One configuration for every log: masking
//! (`token`, `classify`), grouping (`merge`, `columns`, over `tokens`); in raw-line mode the header is found by
//! [`crate::header`], as fetching finds it.

mod classify;
mod columns;
mod kind;
mod merge;
mod miner;
pub mod token;
mod tokens;

pub use miner::{Miner, Options, Pattern, Patterns};
