//! Deploys: which version of a service ran from when, recorded by hand or found in the logs.

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::{time_from_sql, time_to_sql, Db};

/// Where a deploy was learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeploySource {
    /// `luffy deploy add`.
    Cli,
    /// A version first seen in the service's records.
    Logs,
}

impl DeploySource {
    pub fn as_str(self) -> &'static str {
        match self {
            DeploySource::Cli => "cli",
            DeploySource::Logs => "logs",
        }
    }
}

/// A recorded deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deploy {
    pub id: i64,
    pub service_id: String,
    /// The full commit id; `None` while a version found in the logs names no commit of the
    /// repository (yet).
    pub commit: Option<String>,
    /// As given: a sha, a tag, a branch, or the version a record carried.
    pub rev: String,
    #[serde(serialize_with = "crate::service::rfc3339::time")]
    pub deployed_at: DateTime<Utc>,
    pub env: Option<String>,
    pub source: DeploySource,
}

/// A deploy to record.
#[derive(Debug, Clone)]
pub struct NewDeploy<'a> {
    pub service_id: &'a str,
    pub commit: Option<&'a str>,
    pub rev: &'a str,
    pub deployed_at: DateTime<Utc>,
    pub env: Option<&'a str>,
    pub source: DeploySource,
}

const COLUMNS: &str = "id, service_id, commit_id, rev, deployed_at, env, source";

fn deploy_from_row(row: &Row<'_>) -> rusqlite::Result<Deploy> {
    let source: String = row.get(6)?;
    Ok(Deploy {
        id: row.get(0)?,
        service_id: row.get(1)?,
        commit: row.get(2)?,
        rev: row.get(3)?,
        deployed_at: time_from_sql(&row.get::<_, String>(4)?)?,
        env: row.get(5)?,
        source: if source == "logs" {
            DeploySource::Logs
        } else {
            DeploySource::Cli
        },
    })
}

impl Db<'_> {
    /// Records a deploy; returns its id.
    pub fn insert_deploy(&self, deploy: &NewDeploy<'_>, now: DateTime<Utc>) -> Result<i64> {
        self.conn
            .prepare_cached(
                "INSERT INTO deploys (service_id, commit_id, rev, deployed_at, env, source, \
                 created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                deploy.service_id,
                deploy.commit,
                deploy.rev,
                time_to_sql(deploy.deployed_at),
                deploy.env,
                deploy.source.as_str(),
                time_to_sql(now),
            ])
            .with_context(|| format!("could not record the deploy of {}", deploy.service_id))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The deploys of one service or all, newest first (by deploy time, then id).
    pub fn deploys(&self, service_id: Option<&str>) -> Result<Vec<Deploy>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM deploys WHERE ?1 IS NULL OR service_id = ?1 \
             ORDER BY deployed_at DESC, id DESC"
        ))?;
        let rows = stmt.query_map([service_id], deploy_from_row)?;
        rows.collect::<rusqlite::Result<_>>()
            .context("could not read the deploys")
    }

    /// One deploy by id.
    pub fn deploy(&self, id: i64) -> Result<Option<Deploy>> {
        self.conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM deploys WHERE id = ?1"))?
            .query_row([id], deploy_from_row)
            .optional()
            .context("could not read the deploy")
    }

    /// Removes a deploy; whether there was one.
    pub fn remove_deploy(&self, id: i64) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM deploys WHERE id = ?1")?
            .execute([id])?
            > 0)
    }

    /// Records `version` as a deploy found in the service's logs at `first_seen`, the first
    /// time it is seen; a version seen again earlier (records read out of order) moves it back.
    /// Whether a deploy was recorded or moved.
    pub fn record_logged_version(
        &self,
        service_id: &str,
        version: &str,
        first_seen: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let at = time_to_sql(first_seen);
        let changed = self
            .conn
            .prepare_cached(
                "INSERT INTO deploys (service_id, commit_id, rev, deployed_at, env, source, \
                 created_at) VALUES (?1, NULL, ?2, ?3, NULL, 'logs', ?4) \
                 ON CONFLICT (service_id, rev) WHERE source = 'logs' \
                 DO UPDATE SET deployed_at = excluded.deployed_at \
                 WHERE excluded.deployed_at < deployed_at",
            )?
            .execute(params![service_id, version, at, time_to_sql(now)])
            .with_context(|| format!("could not record version {version} of {service_id}"))?;
        Ok(changed > 0)
    }

    /// [`Db::record_logged_version`] of each version a batch's records carried, at the time it
    /// was first seen in them.
    pub fn record_logged_versions(
        &self,
        service_id: &str,
        versions: &std::collections::HashMap<&str, DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        for (version, &first_seen) in versions {
            self.record_logged_version(service_id, version, first_seen, now)?;
        }
        Ok(())
    }

    /// Sets the commit of a deploy found in the logs, once its version names one.
    pub fn resolve_deploy(&self, id: i64, commit: &str) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE deploys SET commit_id = ?2 WHERE id = ?1")?
            .execute(params![id, commit])?;
        Ok(())
    }

    /// The deploy whose code ran at `at` for a cluster whose earliest versioned event said
    /// `version`: the deploy found in the logs for that version, else the latest deploy at or
    /// before `at`. Deploys whose version names no commit yet are passed over.
    pub fn deploy_at(
        &self,
        service_id: &str,
        at: DateTime<Utc>,
        version: Option<&str>,
    ) -> Result<Option<Deploy>> {
        if let Some(version) = version {
            let logged = self
                .conn
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM deploys WHERE service_id = ?1 AND source = 'logs' \
                     AND rev = ?2 AND commit_id IS NOT NULL"
                ))?
                .query_row(params![service_id, version], deploy_from_row)
                .optional()?;
            if logged.is_some() {
                return Ok(logged);
            }
        }
        self.conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM deploys WHERE service_id = ?1 AND deployed_at <= ?2 \
                 AND commit_id IS NOT NULL ORDER BY deployed_at DESC, id DESC LIMIT 1"
            ))?
            .query_row(params![service_id, time_to_sql(at)], deploy_from_row)
            .optional()
            .context("could not read the deploys")
    }

    /// When a regressed cluster came back: the time of the first event that reopened it.
    pub fn cluster_regressed_at(&self, cluster_id: i64) -> Result<Option<DateTime<Utc>>> {
        let text: Option<String> = self
            .conn
            .prepare_cached("SELECT regressed_at FROM clusters WHERE id = ?1")?
            .query_row([cluster_id], |row| row.get(0))
            .optional()?
            .flatten();
        text.map(|t| time_from_sql(&t).context("a cluster's regressed_at is not a time"))
            .transpose()
    }

    /// The version the earliest event of a cluster that carried one said.
    pub fn cluster_first_version(&self, cluster_id: i64) -> Result<Option<String>> {
        self.conn
            .prepare_cached(
                "SELECT e.version FROM event_runs r \
                 JOIN events e ON e.id BETWEEN r.first_id AND r.last_id \
                 WHERE r.cluster_id = ?1 AND e.version IS NOT NULL \
                 ORDER BY e.log_time, e.id LIMIT 1",
            )?
            .query_row([cluster_id], |row| row.get(0))
            .optional()
            .context("could not read the versions of the cluster's events")
    }
}
