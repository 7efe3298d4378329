//! The `services` table, and the per-service counts that `status` shows.

use std::collections::HashMap;

use anyhow::{Context as _, Result};
use rusqlite::{OptionalExtension, Row, ToSql};

use super::{time_from_sql, time_to_sql, Db};
use crate::service::{GitSettings, NotificationSettings, ScheduleSettings, Service, ServiceId};

/// Log sources and open clusters of one service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub log_sources: u64,
    pub active_log_sources: u64,
    pub open_clusters: u64,
}

/// The columns of `services` that [`service_from_row`] reads, in the order they are selected.
const SERVICE_COLUMNS: [&str; 30] = [
    "id",
    "name",
    "repository_url",
    "git_branch",
    "git_repo_path",
    "git_token_env",
    "git_ssh_key",
    "path_maps",
    "log_fetch_interval_minutes",
    "rca_generation_enabled",
    "rca_generation_interval_minutes",
    "code_indexing_enabled",
    "code_indexing_interval_hours",
    "notification_enabled",
    "notification_webhook_url",
    "notification_email",
    "notification_cooldown_minutes",
    "notify_threshold_count",
    "notify_threshold_seconds",
    "is_active",
    "level_threshold",
    "app_paths",
    "app_packages",
    "suspect_window_days",
    "grouping_rules",
    "last_log_fetch",
    "last_rca_generation",
    "last_code_indexing",
    "created_at",
    "updated_at",
];

/// `SELECT` of [`SERVICE_COLUMNS`], to which a query adds its `WHERE` and `ORDER BY`.
///
/// Columns are read by their place in this list: rusqlite finds a column by name by asking
/// SQLite for every column's name in turn, and that was a fifth of `status` over 1,000
/// services.
static SELECT_SERVICES: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("SELECT {} FROM services", SERVICE_COLUMNS.join(", ")));

/// A row of [`SELECT_SERVICES`], its columns read by name.
struct ServiceRow<'a, 'r>(&'a Row<'r>);

impl ServiceRow<'_, '_> {
    fn get<T: rusqlite::types::FromSql>(&self, column: &str) -> rusqlite::Result<T> {
        // a name not in the list reads as a column out of range: an error, never a panic
        let at = SERVICE_COLUMNS.iter().position(|c| *c == column);
        self.0.get(at.unwrap_or(SERVICE_COLUMNS.len()))
    }

    fn optional_time(
        &self,
        column: &str,
    ) -> rusqlite::Result<Option<chrono::DateTime<chrono::Utc>>> {
        self.get::<Option<String>>(column)?
            .map(|text| time_from_sql(&text))
            .transpose()
    }

    fn time(&self, column: &str) -> rusqlite::Result<chrono::DateTime<chrono::Utc>> {
        time_from_sql(&self.get::<String>(column)?)
    }

    /// A column holding JSON.
    fn json<T: serde::de::DeserializeOwned>(&self, column: &str) -> rusqlite::Result<T> {
        serde_json::from_str(&self.get::<String>(column)?).map_err(|err| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(err))
        })
    }
}

/// Reads a row of [`SELECT_SERVICES`].
fn service_from_row(row: &Row<'_>) -> rusqlite::Result<Service> {
    let row = ServiceRow(row);
    let id: String = row.get("id")?;
    let id = id.parse::<ServiceId>().map_err(|err| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, err.into())
    })?;
    Ok(Service {
        id,
        name: row.get("name")?,
        git: GitSettings {
            repository_url: row.get("repository_url")?,
            branch: row.get("git_branch")?,
            repo_path: row.get("git_repo_path")?,
            token_env: row.get("git_token_env")?,
            ssh_key: row.get("git_ssh_key")?,
            path_maps: row.json("path_maps")?,
        },
        schedule: ScheduleSettings {
            log_fetch_interval_minutes: row.get("log_fetch_interval_minutes")?,
            rca_generation_enabled: row.get("rca_generation_enabled")?,
            rca_generation_interval_minutes: row.get("rca_generation_interval_minutes")?,
            code_indexing_enabled: row.get("code_indexing_enabled")?,
            code_indexing_interval_hours: row.get("code_indexing_interval_hours")?,
        },
        notification: NotificationSettings {
            enabled: row.get("notification_enabled")?,
            webhook_url: row.get("notification_webhook_url")?,
            email: row.get("notification_email")?,
            cooldown_minutes: row.get("notification_cooldown_minutes")?,
            threshold: crate::triage::Rate {
                count: row.get("notify_threshold_count")?,
                seconds: row.get("notify_threshold_seconds")?,
            },
        },
        is_active: row.get("is_active")?,
        level_threshold: row.get("level_threshold")?,
        app_paths: row.json("app_paths")?,
        app_packages: row.json("app_packages")?,
        suspect_window_days: row.get("suspect_window_days")?,
        grouping_rules: row.json("grouping_rules")?,
        last_log_fetch: row.optional_time("last_log_fetch")?,
        last_rca_generation: row.optional_time("last_rca_generation")?,
        last_code_indexing: row.optional_time("last_code_indexing")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

impl Db<'_> {
    /// Every service, ordered by id.
    pub fn services(&self) -> Result<Vec<Service>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{} ORDER BY id", *SELECT_SERVICES))?;
        let rows = stmt.query_map([], service_from_row)?;
        rows.collect::<rusqlite::Result<_>>()
            .context("could not read services")
    }

    /// One service by id.
    pub fn service(&self, id: &ServiceId) -> Result<Option<Service>> {
        self.conn
            .prepare_cached(&format!("{} WHERE id = ?1", *SELECT_SERVICES))?
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
        let columns = ServiceColumns::of(service);
        columns
            .execute(self.conn, &columns.insert_sql())
            .with_context(|| format!("could not add service {}", service.id))?;
        Ok(())
    }

    /// Writes every field of an existing service.
    pub fn update_service(&self, service: &Service) -> Result<()> {
        let columns = ServiceColumns::of(service);
        columns
            .execute(self.conn, &columns.update_sql())
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

/// A service's row: each column of `services` with its value. INSERT and UPDATE are written from
/// this one list, so a new column is one line here and one in [`service_from_row`].
struct ServiceColumns<'s>(Vec<(&'static str, Box<dyn ToSql + 's>)>);

impl<'s> ServiceColumns<'s> {
    fn of(s: &'s Service) -> Self {
        let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(time_to_sql);
        let (git, schedule, notification) = (&s.git, &s.schedule, &s.notification);
        ServiceColumns(vec![
            ("id", Box::new(s.id.as_str())),
            ("name", Box::new(s.name.as_str())),
            ("repository_url", Box::new(git.repository_url.as_deref())),
            ("git_branch", Box::new(git.branch.as_str())),
            ("git_repo_path", Box::new(git.repo_path.as_deref())),
            ("git_token_env", Box::new(git.token_env.as_deref())),
            ("git_ssh_key", Box::new(git.ssh_key.as_deref())),
            ("path_maps", Box::new(list_json(&git.path_maps))),
            (
                "log_fetch_interval_minutes",
                Box::new(schedule.log_fetch_interval_minutes),
            ),
            (
                "rca_generation_enabled",
                Box::new(schedule.rca_generation_enabled),
            ),
            (
                "rca_generation_interval_minutes",
                Box::new(schedule.rca_generation_interval_minutes),
            ),
            (
                "code_indexing_enabled",
                Box::new(schedule.code_indexing_enabled),
            ),
            (
                "code_indexing_interval_hours",
                Box::new(schedule.code_indexing_interval_hours),
            ),
            ("notification_enabled", Box::new(notification.enabled)),
            (
                "notification_webhook_url",
                Box::new(notification.webhook_url.as_deref()),
            ),
            (
                "notification_email",
                Box::new(notification.email.as_deref()),
            ),
            (
                "notification_cooldown_minutes",
                Box::new(notification.cooldown_minutes),
            ),
            ("is_active", Box::new(s.is_active)),
            ("last_log_fetch", Box::new(time(s.last_log_fetch))),
            ("last_rca_generation", Box::new(time(s.last_rca_generation))),
            ("last_code_indexing", Box::new(time(s.last_code_indexing))),
            ("created_at", Box::new(time_to_sql(s.created_at))),
            ("updated_at", Box::new(time_to_sql(s.updated_at))),
            ("level_threshold", Box::new(s.level_threshold.as_str())),
            ("app_paths", Box::new(list_json(&s.app_paths))),
            ("app_packages", Box::new(list_json(&s.app_packages))),
            ("suspect_window_days", Box::new(s.suspect_window_days)),
            (
                "notify_threshold_count",
                Box::new(notification.threshold.count),
            ),
            (
                "notify_threshold_seconds",
                Box::new(notification.threshold.seconds),
            ),
            (
                "grouping_rules",
                Box::new(serde_json::to_string(&s.grouping_rules).unwrap_or_else(|_| "[]".into())),
            ),
        ])
    }

    fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|(name, _)| *name)
    }

    fn insert_sql(&self) -> String {
        let names: Vec<&str> = self.names().collect();
        let values: Vec<String> = names.iter().map(|name| format!(":{name}")).collect();
        format!(
            "INSERT INTO services ({}) VALUES ({})",
            names.join(", "),
            values.join(", ")
        )
    }

    fn update_sql(&self) -> String {
        let sets: Vec<String> = self
            .names()
            .filter(|name| *name != "id")
            .map(|name| format!("{name} = :{name}"))
            .collect();
        format!("UPDATE services SET {} WHERE id = :id", sets.join(", "))
    }

    /// Runs either statement with each column's value bound to `:column`.
    fn execute(&self, conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<usize> {
        let keys: Vec<String> = self.names().map(|name| format!(":{name}")).collect();
        let params: Vec<(&str, &dyn ToSql)> = keys
            .iter()
            .map(String::as_str)
            .zip(self.0.iter().map(|(_, value)| value.as_ref()))
            .collect();
        conn.prepare_cached(sql)?.execute(params.as_slice())
    }
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
        service.notification.email = Some("web@company.com".into());
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

    #[test]
    fn the_columns_read_are_the_tables_columns() {
        let store = Store::open_in_memory().unwrap();
        let mut stmt = store
            .conn
            .prepare("SELECT name FROM pragma_table_info('services') ORDER BY name")
            .unwrap();
        let table: Vec<String> = stmt
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let mut read: Vec<&str> = SERVICE_COLUMNS.to_vec();
        read.sort_unstable();
        assert_eq!(table, read);
    }

    #[test]
    fn a_column_not_listed_is_an_error_not_a_panic() {
        let mut store = Store::open_in_memory().unwrap();
        let now = chrono::Utc
            .with_ymd_and_hms(2024, 1, 15, 10, 30, 0)
            .unwrap();
        let service = Service::new("web".parse().unwrap(), now);
        store.write(|db| db.insert_service(&service)).unwrap();
        let got = store.conn.query_row(&SELECT_SERVICES, [], |row| {
            ServiceRow(row).get::<String>("nope")
        });
        assert!(
            matches!(got, Err(rusqlite::Error::InvalidColumnIndex(_))),
            "{got:?}"
        );
    }
}
