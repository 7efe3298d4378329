//! Root-cause reports: what they hold ([`report`]), how suspect commits are ranked
//! ([`suspects`]), how a report reads as Markdown ([`markdown`]), and the optional narrative
//! an LLM writes from its evidence ([`llm`]). The rca task gathers the evidence and stores
//! the reports; nothing here reads the store.

pub mod llm;
pub mod markdown;
pub mod report;
pub mod suspects;

pub use report::{
    ChainLink, CodeLine, DeployRef, FrameReport, Narrative, Related, Report, SourceCount, Suspect,
    What,
};
