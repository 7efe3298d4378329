//! The `log_sources` table: each service's sources, their settings and cursors.

use anyhow::{Context as _, Result};
use rusqlite::{params, OptionalExtension, Row};

use super::{time_from_sql, time_to_sql, Db};
use crate::sources::{LogSource, SourceSettings};

const COLUMNS: &str = "id, service_id, name, settings, is_active, cursor, created_at, updated_at";

fn source_from_row(row: &Row<'_>) -> rusqlite::Result<LogSource> {
    let json_error = |index: usize, err: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(err))
    };
    let settings: String = row.get(3)?;
    let cursor: Option<String> = row.get(5)?;
    Ok(LogSource {
        id: row.get(0)?,
        service_id: row.get(1)?,
        name: row.get(2)?,
        settings: serde_json::from_str(&settings).map_err(|err| json_error(3, err))?,
        is_active: row.get(4)?,
        cursor: cursor
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|err| json_error(5, err))?,
        created_at: time_from_sql(&row.get::<_, String>(6)?)?,
        updated_at: time_from_sql(&row.get::<_, String>(7)?)?,
    })
}

impl Db<'_> {
    /// The sources of one service, or of all services, ordered by service and name.
    pub fn sources(&self, service_id: Option<&str>) -> Result<Vec<LogSource>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM log_sources WHERE ?1 IS NULL OR service_id = ?1 \
             ORDER BY service_id, name"
        ))?;
        let rows = stmt.query_map([service_id], source_from_row)?;
        rows.collect::<rusqlite::Result<_>>()
            .context("could not read log sources")
    }

    /// One source by service and name.
    pub fn source(&self, service_id: &str, name: &str) -> Result<Option<LogSource>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM log_sources WHERE service_id = ?1 AND name = ?2"
            ))?
            .query_row([service_id, name], source_from_row)
            .optional()
            .with_context(|| format!("could not read log source {service_id}/{name}"))
    }

    /// Adds a source; returns its id.
    pub fn insert_source(&self, source: &LogSource) -> Result<i64> {
        self.conn
            .prepare_cached(
                "INSERT INTO log_sources (service_id, name, kind, settings, is_active, cursor, \
                 created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                source.service_id,
                source.name,
                source.settings.kind().as_str(),
                settings_json(&source.settings)?,
                source.is_active,
                source.cursor.as_ref().map(ToString::to_string),
                time_to_sql(source.created_at),
                time_to_sql(source.updated_at),
            ])
            .with_context(|| format!("could not add log source {}", source.name))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Writes a source's settings, active flag and cursor.
    pub fn update_source(&self, source: &LogSource) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE log_sources SET settings = ?2, is_active = ?3, cursor = ?4, \
                 updated_at = ?5 WHERE id = ?1",
            )?
            .execute(params![
                source.id,
                settings_json(&source.settings)?,
                source.is_active,
                source.cursor.as_ref().map(ToString::to_string),
                time_to_sql(source.updated_at),
            ])
            .with_context(|| format!("could not update log source {}", source.name))?;
        Ok(())
    }

    /// Stores a source's cursor (inside the fetch transaction that stored its records).
    pub fn set_cursor(&self, source_id: i64, cursor: &serde_json::Value) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE log_sources SET cursor = ?2 WHERE id = ?1")?
            .execute(params![source_id, cursor.to_string()])
            .context("could not store the source cursor")?;
        Ok(())
    }

    /// Removes a source. Returns whether it existed.
    pub fn delete_source(&self, source_id: i64) -> Result<bool> {
        // Events keep their cluster; they only forget where they were read.
        self.conn
            .execute(
                "UPDATE events SET source_id = NULL WHERE source_id = ?1",
                [source_id],
            )
            .context("could not detach the source's events")?;
        Ok(self
            .conn
            .execute("DELETE FROM log_sources WHERE id = ?1", [source_id])
            .context("could not remove log source")?
            > 0)
    }
}

fn settings_json(settings: &SourceSettings) -> Result<String> {
    serde_json::to_string(settings).context("could not encode source settings")
}
