//! Multi-line assembly and stack-trace parsers, one file per language (pure: values in, values out).

pub mod dotnet;
pub mod go;
pub mod java;
pub mod node;
pub mod python;
pub mod ruby;
pub mod rust;
pub mod trace;

pub use trace::{ExceptionInfo, Frame, Language, ParsedException, Relation};
