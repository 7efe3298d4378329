//! A batch's hourly counts and samples of each cluster.

use anyhow::Result;
use rusqlite::params;

use super::super::Db;
use super::events::{hour_to_sql, log_time_to_sql};
use crate::domain::SampleRole;
use crate::hash::fnv1a;
use crate::ingest::Event;

impl Db<'_> {
    pub(super) fn add_hours(&self, cluster_id: i64, group: &[&Event]) -> Result<()> {
        let mut hours: Vec<(i64, i64)> = Vec::new();
        for event in group {
            let hour = event.log_time.timestamp().div_euclid(3600);
            match hours.iter_mut().find(|(h, _)| *h == hour) {
                Some((_, n)) => *n += 1,
                None => hours.push((hour, 1)),
            }
        }
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO cluster_hours (cluster_id, hour, count) VALUES (?1, ?2, ?3)
             ON CONFLICT (cluster_id, hour) DO UPDATE SET count = count + excluded.count",
        )?;
        for (hour, n) in hours {
            stmt.execute(params![cluster_id, hour_to_sql(hour), n])?;
        }
        Ok(())
    }

    /// Keeps the first event, the latest one, and up to `distinct` events with other texts.
    pub(super) fn add_samples(
        &self,
        cluster_id: i64,
        fingerprint: &str,
        group: &[&Event],
        is_new: bool,
        distinct: usize,
    ) -> Result<()> {
        let hash = |text: &str| format!("{:016x}", fnv1a(text.as_bytes()));
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO cluster_samples (cluster_id, role, log_time, text, text_hash, fingerprint)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        if is_new {
            let first = group
                .iter()
                .min_by_key(|e| e.log_time)
                .copied()
                .unwrap_or(group[0]);
            insert.execute(params![
                cluster_id,
                SampleRole::First,
                log_time_to_sql(first.log_time),
                first.message,
                hash(&first.message),
                fingerprint
            ])?;
        }
        let latest = group
            .iter()
            .max_by_key(|e| e.log_time)
            .copied()
            .unwrap_or(group[0]);
        self.conn
            .prepare_cached("DELETE FROM cluster_samples WHERE cluster_id = ?1 AND role = 'last' AND log_time <= ?2")?
            .execute(params![cluster_id, log_time_to_sql(latest.log_time)])?;
        let has_last: bool = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM cluster_samples WHERE cluster_id = ?1 AND role = 'last')")?
            .query_row([cluster_id], |row| row.get(0))?;
        if !has_last {
            insert.execute(params![
                cluster_id,
                SampleRole::Last,
                log_time_to_sql(latest.log_time),
                latest.message,
                hash(&latest.message),
                fingerprint
            ])?;
        }
        let mut kept: Vec<String> = self
            .conn
            .prepare_cached("SELECT text_hash FROM cluster_samples WHERE cluster_id = ?1")?
            .query_map([cluster_id], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut distinct_count = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM cluster_samples WHERE cluster_id = ?1 AND role = 'distinct'",
            )?
            .query_row([cluster_id], |row| row.get::<_, i64>(0))?
            as usize;
        for event in group {
            if distinct_count >= distinct {
                break;
            }
            let h = hash(&event.message);
            if !kept.contains(&h) {
                insert.execute(params![
                    cluster_id,
                    SampleRole::Distinct,
                    log_time_to_sql(event.log_time),
                    event.message,
                    h,
                    fingerprint
                ])?;
                kept.push(h);
                distinct_count += 1;
            }
        }
        Ok(())
    }
}
