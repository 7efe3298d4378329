//! One module per command group; each takes the [`Context`] and writes to `out`.

pub mod cluster_show;
pub mod clusters;
pub mod code;
pub mod completions;
pub mod demo;
pub mod deploy;
pub mod merge;
pub mod notify;
pub mod patterns;
pub mod rca;
pub mod rules;
pub mod run;
pub mod schedule;
pub mod secrets;
pub mod service;
pub mod source;
pub mod status;

use std::path::PathBuf;

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::error::bad_input;
use crate::service::ServiceId;
use crate::store::{Db, Store};
use crate::suggest::closest;
use crate::tasks::fetch::FetchOptions;
use crate::tasks::index::IndexOptions;
use crate::tasks::TaskEnv;

/// What every command may need: where the database is, the configuration, the time, output style.
pub struct Context {
    pub db_path: PathBuf,
    pub config: Config,
    /// The clock, read once at start (`LUFFY_NOW` fixes it for tests).
    pub now: DateTime<Utc>,
    pub json: bool,
    pub color: bool,
    pub quiet: bool,
    /// How fetches cut their work (from the environment, read once at start).
    pub fetch: FetchOptions,
}

impl Context {
    /// Opens the database, creating and migrating it when needed.
    pub fn open_store(&self) -> Result<Store> {
        Store::open(&self.db_path)
    }

    /// Opens the database for a command that only reads: read-only when it cannot be written.
    pub fn open_store_for_reading(&self) -> Result<Store> {
        Store::open_for_reading(&self.db_path)
    }

    /// What a task run needs from this context.
    pub fn task_env(&self) -> TaskEnv<'_> {
        TaskEnv {
            now: self.now,
            config: &self.config,
            db_path: &self.db_path,
            fetch: self.fetch,
            index: IndexOptions::default(),
            rca: crate::tasks::rca::RcaRun::default(),
            started: None,
        }
    }

    /// Where a service's checkout lives when it has no `git_repo_path`.
    pub fn default_repo_path(&self, id: &ServiceId) -> PathBuf {
        crate::paths::default_repo_path(&self.config, &self.db_path, id)
    }
}

/// The error for an id that names no service, with a suggestion when one is close.
pub fn unknown_service(db: &Db<'_>, id: &ServiceId) -> anyhow::Error {
    let ids = db.service_ids().unwrap_or_default();
    match closest(id.as_str(), ids.iter().map(String::as_str)) {
        Some(near) => bad_input(format!("no service '{id}'; did you mean '{near}'?")),
        None if ids.is_empty() => bad_input(format!(
            "no service '{id}'; there are no services yet (add one with `luffy service add {id}`)"
        )),
        None => bad_input(format!("no service '{id}' (see `luffy service list`)")),
    }
}
