//! The tasks luffy runs per service (fetch now; rca, index and notify follow), each under a lease
//! and recorded as a task run.

pub mod fetch;
pub mod lease;
mod read_file;
mod read_remote;

use serde::Serialize;

/// Why a task runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Schedule,
    Manual,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
        }
    }
}
