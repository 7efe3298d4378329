//! The code of a service: its git repository kept in sync at its branch ([`git`]), the files of
//! a commit and what changed between two ([`tree`]), each file read with its symbols ([`read`],
//! [`symbols`]), and frame paths matched to repository paths ([`paths`]).
//! git2 and tree-sitter live here and nowhere else.

pub mod blame;
mod blank;
pub mod git;
pub mod history;
mod kind;
pub mod lang;
pub mod owners;
pub mod paths;
pub mod read;
pub mod revs;
pub mod symbols;
mod tags;
pub mod tree;

pub use kind::SymbolKind;
pub use lang::Language;
pub use symbols::{Extractor, Symbol};
