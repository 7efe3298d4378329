//! Root-cause reports: one row per (cluster, generation), as JSON and Markdown.

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};

use super::{time_from_sql, time_to_sql, Db};

/// A report to store; its generation is the cluster's next.
#[derive(Debug, Clone)]
pub struct NewReport<'a> {
    pub cluster_id: i64,
    pub generated_at: DateTime<Utc>,
    pub commit: Option<&'a str>,
    pub model: Option<&'a str>,
    /// The cluster's count and regressed flag as the report saw them.
    pub cluster_count: u64,
    pub regressed: bool,
    pub json: &'a str,
    pub markdown: &'a str,
}

/// A stored report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReport {
    pub cluster_id: i64,
    pub generation: u32,
    pub generated_at: DateTime<Utc>,
    pub commit: Option<String>,
    pub model: Option<String>,
    pub cluster_count: u64,
    pub regressed: bool,
    pub json: String,
    pub markdown: String,
}

const COLUMNS: &str = "cluster_id, generation, generated_at, commit_id, model, cluster_count, \
    regressed, report_json, report_markdown";

fn report_from_row(row: &Row<'_>) -> rusqlite::Result<StoredReport> {
    Ok(StoredReport {
        cluster_id: row.get(0)?,
        generation: row.get(1)?,
        generated_at: time_from_sql(&row.get::<_, String>(2)?)?,
        commit: row.get(3)?,
        model: row.get(4)?,
        cluster_count: row.get(5)?,
        regressed: row.get(6)?,
        json: row.get(7)?,
        markdown: row.get(8)?,
    })
}

impl Db<'_> {
    /// Stores a report as the cluster's next generation; returns that generation.
    pub fn insert_rca_report(&self, report: &NewReport<'_>) -> Result<u32> {
        let generation: u32 = self
            .conn
            .prepare_cached(
                "SELECT coalesce(max(generation), 0) + 1 FROM rca_reports WHERE cluster_id = ?1",
            )?
            .query_row([report.cluster_id], |row| row.get(0))?;
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO rca_reports ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ))?
            .execute(params![
                report.cluster_id,
                generation,
                time_to_sql(report.generated_at),
                report.commit,
                report.model,
                report.cluster_count,
                report.regressed,
                report.json,
                report.markdown,
            ])
            .with_context(|| {
                format!(
                    "could not store the report of cluster {}",
                    report.cluster_id
                )
            })?;
        Ok(generation)
    }

    /// The latest report of a cluster.
    pub fn latest_rca_report(&self, cluster_id: i64) -> Result<Option<StoredReport>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM rca_reports WHERE cluster_id = ?1 \
                 ORDER BY generation DESC LIMIT 1"
            ))?
            .query_row([cluster_id], report_from_row)
            .optional()
            .with_context(|| format!("could not read the report of cluster {cluster_id}"))
    }

    /// Every report of a cluster, newest first.
    pub fn rca_reports(&self, cluster_id: i64) -> Result<Vec<StoredReport>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM rca_reports WHERE cluster_id = ?1 ORDER BY generation DESC"
        ))?;
        let rows = stmt.query_map([cluster_id], report_from_row)?;
        rows.collect::<rusqlite::Result<_>>()
            .with_context(|| format!("could not read the reports of cluster {cluster_id}"))
    }
}
