//! Where luffy keeps its files by default: the platform's data and config folders.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
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

/// Makes the folder that holds luffy's own checkouts (the parent of a [`default_repo_path`])
/// private, as the database is: created with mode 0700, or brought to it. A private
/// repository's code is nobody else's to read on a shared machine.
pub fn make_repos_dir_private(checkout: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let Some(repos) = checkout.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    if repos.is_dir() {
        std::fs::set_permissions(repos, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot make {} private (mode 0700)", repos.display()))
    } else {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(repos)
            .with_context(|| format!("cannot create {}", repos.display()))
    }
}

/// The configuration file read when neither `--config` nor `LUFFY_CONFIG` is given.
pub fn default_config_path() -> Option<PathBuf> {
    project_dirs()
        .ok()
        .map(|dirs| dirs.config_dir().join("config.toml"))
}
