//! Log template mining and fingerprints (pure: values in, values out).
//!
//! [`Miner`] takes lines one at a time (streaming; memory bounded by the number of templates:
//! distinct masked messages are compacted into templates past a limit) and
//! [`Miner::patterns`] groups them into templates. One configuration for every log: masking
//! (`token`, `classify`), header detection (`header_end`), grouping (`merge`, `columns`).

mod classify;
mod columns;
pub mod header_end;
mod merge;
mod miner;
pub mod token;

pub use miner::{Miner, Options, Pattern, Patterns};
