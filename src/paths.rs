//! Where luffy keeps its files by default: the platform's data and config folders.

use std::path::PathBuf;

use anyhow::Result;
use directories::ProjectDirs;

use crate::error::bad_input;

fn project_dirs() -> Result<ProjectDirs> {
    ProjectDirs::from("", "", "luffy").ok_or_else(|| {
        bad_input("cannot find a home folder for luffy's files; pass --db and --config")
    })
}

/// The database used when neither `--db` nor `LUFFY_DB` is given.
pub fn default_db_path() -> Result<PathBuf> {
    Ok(project_dirs()?.data_dir().join("luffy.db"))
}

/// Where a service's checkout lives when it has no `git_repo_path`: `repos_dir` from the
/// configuration, or `repos/` beside the database.
pub fn default_repo_path(
    config: &crate::config::Config,
    db_path: &std::path::Path,
    id: &crate::service::ServiceId,
) -> PathBuf {
    let repos = config.repos_dir.clone().unwrap_or_else(|| {
        db_path
            .parent()
            .map_or_else(|| PathBuf::from("repos"), |dir| dir.join("repos"))
    });
    repos.join(id.as_str())
}

/// The configuration file read when neither `--config` nor `LUFFY_CONFIG` is given.
pub fn default_config_path() -> Option<PathBuf> {
    project_dirs()
        .ok()
        .map(|dirs| dirs.config_dir().join("config.toml"))
}
