//! The `services` table, and the per-service counts that `status` shows.

use std::collections::HashMap;

use anyhow::{Context as _, Result};
use rusqlite::{OptionalExtension, Row, ToSql};

use super::{time_from_sql, time_to_sql, Db};
use crate::service::{Service, ServiceId};

const COLUMNS: &str = "id, name, repository_url, git_branch, git_repo_path, \
    log_fetch_interval_minutes, rca_generation_enabled, rca_generation_interval_minutes, \
    code_indexing_enabled, code_indexing_interval_hours, notification_enabled, \
    notification_webhook_url, notification_email, is_active, last_log_fetch, \
    last_rca_generation, last_code_indexing, created_at, updated_at, level_threshold, \
    app_paths, app_packages";

/// Log sources and open clusters of one service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub log_sources: u64,
    pub active_log_sources: u64,
    pub open_clusters: u64,
}

fn optional_time(
    row: &Row<'_>,
    index: usize,
) -> rusqlite::Result<Option<chrono::DateTime<chrono::Utc>>> {
    row.get::<_, Option<String>>(index)?
        .map(|text| time_from_sql(&text))
        .transpose()
}

fn json_list(row: &Row<'_>, index: usize) -> rusqlite::Result<Vec<String>> {
    serde_json::from_str(&row.get::<_, String>(index)?).map_err(|err| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(err))
    })
}

fn service_from_row(row: &Row<'_>) -> rusqlite::Result<Service> {
    let id: String = row.get(0)?;
    let id = id.parse::<ServiceId>().map_err(|err| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, err.into())
    })?;
    Ok(Service {
        id,
        name: row.get(1)?,
        repository_url: row.get(2)?,
        git_branch: row.get(3)?,
        git_repo_path: row.get(4)?,
        log_fetch_interval_minutes: row.get(5)?,
        rca_generation_enabled: row.get(6)?,
        rca_generation_interval_minutes: row.get(7)?,
        code_indexing_enabled: row.get(8)?,
        code_indexing_interval_hours: row.get(9)?,
        notification_enabled: row.get(10)?,
        notification_webhook_url: row.get(11)?,
        notification_email: row.get(12)?,
        is_active: row.get(13)?,
        last_log_fetch: optional_time(row, 14)?,
        last_rca_generation: optional_time(row, 15)?,
        last_code_indexing: optional_time(row, 16)?,
        created_at: time_from_sql(&row.get::<_, String>(17)?)?,
        updated_at: time_from_sql(&row.get::<_, String>(18)?)?,
        level_threshold: row.get(19)?,
        app_paths: json_list(row, 20)?,
        app_packages: json_list(row, 21)?,
    })
}

impl Db<'_> {
    /// Every service, ordered by id.
    pub fn services(&self) -> Result<Vec<Service>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM services ORDER BY id"))?;
        let rows = stmt.query_map([], service_from_row)?;
        rows.collect::<rusqlite::Result<_>>()
            .context("could not read services")
    }

    /// One service by id.
    pub fn service(&self, id: &ServiceId) -> Result<Option<Service>> {
        self.conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM services WHERE id = ?1"))?
            .query_row([id.as_str()], service_from_row)
            .optional()
            .with_context(|| format!("could not read service {id}"))
    }

    /// The ids of all services, ordered.
    pub fn service_ids(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM services ORDER BY id")?;
        let rows = stmt.query_map([], |row| row.get(0))?;
        rows.collect::<rusqlite::Result<_>>()
            .context("could not read service ids")
    }

    /// The id of the service that has this display name, if any.
    pub fn service_named(&self, name: &str) -> Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT id FROM services WHERE name = ?1")?
            .query_row([name], |row| row.get(0))
            .optional()
            .context("could not look up service names")
    }

    /// Inserts a new service.
    pub fn insert_service(&self, service: &Service) -> Result<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO services ({COLUMNS}) VALUES (:id, :name, :repository_url, \
                 :git_branch, :git_repo_path, :log, :rca_on, :rca, :index_on, :index, :notify, \
                 :webhook, :email, :active, :last_fetch, :last_rca, :last_index, :created, :updated, :level, :app_paths, \
                 :app_packages)"
            ))?
            .execute(service_params(service).as_params().as_slice())
            .with_context(|| format!("could not add service {}", service.id))?;
        Ok(())
    }

    /// Writes every field of an existing service.
    pub fn update_service(&self, service: &Service) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE services SET name = :name, repository_url = :repository_url, \
                 git_branch = :git_branch, git_repo_path = :git_repo_path, \
                 log_fetch_interval_minutes = :log, rca_generation_enabled = :rca_on, \
                 rca_generation_interval_minutes = :rca, code_indexing_enabled = :index_on, \
                 code_indexing_interval_hours = :index, notification_enabled = :notify, \
                 notification_webhook_url = :webhook, notification_email = :email, \
                 is_active = :active, last_log_fetch = :last_fetch, \
                 last_rca_generation = :last_rca, last_code_indexing = :last_index, \
                 created_at = :created, updated_at = :updated, level_threshold = :level, \
                 app_paths = :app_paths, app_packages = :app_packages WHERE id = :id",
            )?
            .execute(service_params(service).as_params().as_slice())
            .with_context(|| format!("could not update service {}", service.id))?;
        Ok(())
    }

    /// Deletes a service and, by cascade, its sources and clusters. Returns whether it existed.
    pub fn delete_service(&self, id: &ServiceId) -> Result<bool> {
        let deleted = self
            .conn
            .execute("DELETE FROM services WHERE id = ?1", [id.as_str()])
            .with_context(|| format!("could not remove service {id}"))?;
        Ok(deleted > 0)
    }

    /// Log sources and open clusters per service id (services with none are absent).
    pub fn status_counts(&self) -> Result<HashMap<String, StatusCounts>> {
        let mut counts: HashMap<String, StatusCounts> = HashMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT service_id, count(*), coalesce(sum(is_active), 0) FROM log_sources GROUP BY service_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let entry = counts.entry(row.get(0)?).or_default();
            entry.log_sources = row.get(1)?;
            entry.active_log_sources = row.get(2)?;
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT service_id, count(*) FROM clusters WHERE status = 'open' GROUP BY service_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            counts.entry(row.get(0)?).or_default().open_clusters = row.get(1)?;
        }
        Ok(counts)
    }
}

/// Named parameters of a service row, owned so that timestamps can be formatted once.
struct Params<'s>(Vec<(&'static str, Box<dyn ToSql + 's>)>);

impl Params<'_> {
    fn as_params(&self) -> Vec<(&str, &dyn ToSql)> {
        self.0
            .iter()
            .map(|(name, value)| (*name, value.as_ref()))
            .collect()
    }
}

fn service_params(service: &Service) -> Params<'_> {
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(time_to_sql);
    Params(vec![
        (":id", Box::new(service.id.as_str())),
        (":name", Box::new(service.name.as_str())),
        (
            ":repository_url",
            Box::new(service.repository_url.as_deref()),
        ),
        (":git_branch", Box::new(service.git_branch.as_str())),
        (":git_repo_path", Box::new(service.git_repo_path.as_deref())),
        (":log", Box::new(service.log_fetch_interval_minutes)),
        (":rca_on", Box::new(service.rca_generation_enabled)),
        (":rca", Box::new(service.rca_generation_interval_minutes)),
        (":index_on", Box::new(service.code_indexing_enabled)),
        (":index", Box::new(service.code_indexing_interval_hours)),
        (":notify", Box::new(service.notification_enabled)),
        (
            ":webhook",
            Box::new(service.notification_webhook_url.as_deref()),
        ),
        (":email", Box::new(service.notification_email.as_deref())),
        (":active", Box::new(service.is_active)),
        (":last_fetch", Box::new(time(service.last_log_fetch))),
        (":last_rca", Box::new(time(service.last_rca_generation))),
        (":last_index", Box::new(time(service.last_code_indexing))),
        (":created", Box::new(time_to_sql(service.created_at))),
        (":updated", Box::new(time_to_sql(service.updated_at))),
        (":level", Box::new(service.level_threshold.as_str())),
        (":app_paths", Box::new(list_json(&service.app_paths))),
        (":app_packages", Box::new(list_json(&service.app_packages))),
    ])
}

fn list_json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::super::Store;
    use super::*;

    #[test]
    fn round_trips_a_service() {
        let mut store = Store::open_in_memory().unwrap();
        let now = chrono::Utc
            .with_ymd_and_hms(2024, 1, 15, 10, 30, 0)
            .unwrap();
        let mut service = Service::new("web-app".parse().unwrap(), now);
        service.notification_email = Some("web@company.com".into());
        service.last_log_fetch = Some(now);
        store.write(|db| db.insert_service(&service)).unwrap();
        assert_eq!(
            store.db().service(&service.id).unwrap(),
            Some(service.clone())
        );
        assert_eq!(
            store.db().service_ids().unwrap(),
            vec!["web-app".to_string()]
        );
        assert_eq!(
            store.db().service_named("web-app").unwrap().as_deref(),
            Some("web-app")
        );
        assert!(store.write(|db| db.delete_service(&service.id)).unwrap());
        assert!(store.db().services().unwrap().is_empty());
    }
}
