//! Merging clusters and unmerging a fingerprint: the rows of `merged_fingerprints`, and the
//! moves of events, runs, hours and samples between clusters.
//!
//! A merged cluster's row is deleted (every list, count and page forgets it without a filter);
//! its fingerprint's row in `merged_fingerprints` routes later events to the target and holds
//! what recreates the cluster on unmerge. Runs and samples keep the fingerprint they were
//! grouped by, so an unmerge takes back exactly that fingerprint's events.

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::clusters::{column, time_column};
use super::{time_to_sql, Db};
use crate::domain::ClusterStatus;

/// A fingerprint merged into a cluster: the cluster it had, by title and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedFingerprint {
    pub fingerprint: String,
    pub title: String,
    /// The id of the cluster it had when it was merged (gone since).
    pub source_cluster_id: i64,
    pub merged_at: DateTime<Utc>,
}

/// `events.cluster_id` follows the runs: set it to `?1` for the events of the runs `runs`
/// selects (a `WHERE` over `event_runs r`, parameters from `?2`).
fn move_events_sql(runs: &str) -> String {
    format!(
        "UPDATE events SET cluster_id = ?1 WHERE id IN (
             SELECT e.id FROM event_runs r JOIN events e ON e.id BETWEEN r.first_id AND r.last_id
             WHERE {runs})"
    )
}

impl Db<'_> {
    /// The cluster (and its status) a fingerprint of a service was merged into, if it was.
    pub(super) fn merged_into(
        &self,
        service_id: &str,
        fingerprint: &str,
    ) -> Result<Option<(i64, ClusterStatus)>> {
        self.conn
            .prepare_cached(
                "SELECT c.id, c.status FROM merged_fingerprints m JOIN clusters c ON c.id = m.cluster_id
                 WHERE m.service_id = ?1 AND m.fingerprint = ?2",
            )?
            .query_row([service_id, fingerprint], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()
            .context("could not read merged fingerprints")
    }

    /// The fingerprints merged into a cluster, in the order they were merged.
    pub fn merged_fingerprints(&self, cluster_id: i64) -> Result<Vec<MergedFingerprint>> {
        let read = || -> Result<Vec<MergedFingerprint>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT fingerprint, title, source_cluster_id, merged_at FROM merged_fingerprints
                 WHERE cluster_id = ?1 ORDER BY merged_at, source_cluster_id",
            )?;
            let mut rows = stmt.query([cluster_id])?;
            let what = format!("a fingerprint merged into cluster {cluster_id}");
            let mut merged = Vec::new();
            while let Some(row) = rows.next()? {
                merged.push(MergedFingerprint {
                    fingerprint: column(row, &what, 0, "fingerprint")?,
                    title: column(row, &what, 1, "title")?,
                    source_cluster_id: column(row, &what, 2, "source_cluster_id")?,
                    merged_at: time_column(row, &what, 3, "merged_at")?,
                });
            }
            Ok(merged)
        };
        read().context("could not read merged fingerprints")
    }

    /// Merges cluster `source` into `target` (both of one service, checked by the caller): its
    /// events, runs, hourly counts and samples move; its fingerprint, and those merged into it
    /// before, route to `target` from now on; its row goes. The target keeps its status.
    /// Notifications about the source not yet delivered are dropped (whoever merges has seen
    /// it); those delivered or dead move to the target, as its history. The source's
    /// root-cause reports go with it. Call inside one transaction.
    pub fn merge_cluster(&self, target: i64, source: i64, now: DateTime<Utc>) -> Result<()> {
        let merge = || -> Result<()> {
            let c = self.conn;
            c.execute(
                "INSERT INTO merged_fingerprints (service_id, fingerprint, cluster_id, merged_at,
                 source_cluster_id, kind, title, exception_type, template, level, logger,
                 fingerprint_inputs, exception)
                 SELECT service_id, fingerprint, ?1, ?3, id, kind, title, exception_type, template,
                 level, logger, fingerprint_inputs, exception FROM clusters WHERE id = ?2",
                params![target, source, time_to_sql(now)],
            )?;
            c.execute(
                "UPDATE merged_fingerprints SET cluster_id = ?1 WHERE cluster_id = ?2",
                [target, source],
            )?;
            c.execute(&move_events_sql("r.cluster_id = ?2"), [target, source])?;
            c.execute(
                "UPDATE event_runs SET cluster_id = ?1 WHERE cluster_id = ?2",
                [target, source],
            )?;
            c.execute(
                "INSERT INTO cluster_hours (cluster_id, hour, count)
                 SELECT ?1, hour, count FROM cluster_hours WHERE cluster_id = ?2 AND true
                 ON CONFLICT (cluster_id, hour) DO UPDATE SET count = count + excluded.count",
                [target, source],
            )?;
            c.execute("DELETE FROM cluster_hours WHERE cluster_id = ?1", [source])?;
            c.execute(
                "UPDATE cluster_samples SET cluster_id = ?1 WHERE cluster_id = ?2",
                [target, source],
            )?;
            self.normalize_samples(target)?;
            c.execute(
                "UPDATE clusters SET count = clusters.count + s.count,
                 first_seen = min(clusters.first_seen, s.first_seen),
                 last_seen = max(clusters.last_seen, s.last_seen), updated_at = ?3
                 FROM (SELECT count, first_seen, last_seen FROM clusters WHERE id = ?2) AS s
                 WHERE clusters.id = ?1",
                params![target, source, time_to_sql(now)],
            )?;
            c.execute(
                "DELETE FROM notifications WHERE cluster_id = ?1
                 AND status IN ('pending', 'retrying')",
                [source],
            )?;
            c.execute(
                "UPDATE notifications SET cluster_id = ?1 WHERE cluster_id = ?2",
                [target, source],
            )?;
            c.execute("DELETE FROM rca_reports WHERE cluster_id = ?1", [source])?;
            c.execute("DELETE FROM clusters WHERE id = ?1", [source])?;
            Ok(())
        };
        merge().with_context(|| format!("could not merge cluster {source} into {target}"))
    }

    /// Gives `fingerprint`, merged into cluster `target`, a cluster of its own again (open, with
    /// the title and grouping it had): its events and samples move back, its count and hourly
    /// counts are those of its events still kept (the counts of events retention pruned stay
    /// with the target). Returns the new cluster's id. Call inside one transaction.
    pub fn unmerge_fingerprint(
        &self,
        target: i64,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let unmerge = || -> Result<i64> {
            let c = self.conn;
            let now = time_to_sql(now);
            c.execute(
                "INSERT INTO clusters (service_id, fingerprint, kind, title, exception_type,
                 template, first_seen, last_seen, count, status, regressed, created_at, updated_at,
                 level, logger, fingerprint_inputs, exception)
                 SELECT service_id, fingerprint, kind, title, exception_type, template, ?3, ?3, 0,
                 'open', 0, ?3, ?3, level, logger, fingerprint_inputs, exception
                 FROM merged_fingerprints WHERE cluster_id = ?1 AND fingerprint = ?2",
                params![target, fingerprint, now],
            )?;
            let id = c.last_insert_rowid();
            c.execute(
                &move_events_sql("r.cluster_id = ?2 AND r.fingerprint = ?3"),
                params![id, target, fingerprint],
            )?;
            c.execute(
                "UPDATE event_runs SET cluster_id = ?1 WHERE cluster_id = ?2 AND fingerprint = ?3",
                params![id, target, fingerprint],
            )?;
            // its hours, from its events: added to it, taken from the target
            c.execute(
                "INSERT INTO cluster_hours (cluster_id, hour, count)
                 SELECT ?1, substr(e.log_time, 1, 13) || ':00:00Z', count(*)
                 FROM event_runs r JOIN events e ON e.id BETWEEN r.first_id AND r.last_id
                 WHERE r.cluster_id = ?1 GROUP BY 2",
                [id],
            )?;
            c.execute(
                "UPDATE cluster_hours SET count = cluster_hours.count - h.count
                 FROM (SELECT hour, count FROM cluster_hours WHERE cluster_id = ?2) AS h
                 WHERE cluster_hours.cluster_id = ?1 AND cluster_hours.hour = h.hour",
                [target, id],
            )?;
            c.execute(
                "DELETE FROM cluster_hours WHERE cluster_id = ?1 AND count <= 0",
                [target],
            )?;
            c.execute(
                "UPDATE cluster_samples SET cluster_id = ?1 WHERE cluster_id = ?2 AND fingerprint = ?3",
                params![id, target, fingerprint],
            )?;
            self.normalize_samples(id)?;
            self.normalize_samples(target)?;
            c.execute(
                "UPDATE clusters SET count = (SELECT coalesce(sum(count), 0) FROM cluster_hours
                 WHERE cluster_id = ?1) WHERE id = ?1",
                [id],
            )?;
            c.execute(
                "UPDATE clusters SET count = max(clusters.count - n.count, 0), updated_at = ?3
                 FROM (SELECT count FROM clusters WHERE id = ?2) AS n WHERE clusters.id = ?1",
                params![target, id, now],
            )?;
            self.reset_seen(id)?;
            self.reset_seen(target)?;
            c.execute(
                "DELETE FROM merged_fingerprints WHERE cluster_id = ?1 AND fingerprint = ?2",
                params![target, fingerprint],
            )?;
            Ok(id)
        };
        unmerge().with_context(|| format!("could not unmerge {fingerprint} from cluster {target}"))
    }

    /// Sets a cluster's first and last seen from its kept events and samples (the first sample
    /// is its earliest event ever, the last its latest).
    fn reset_seen(&self, id: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE clusters SET
             first_seen = coalesce((SELECT min(t) FROM (
                 SELECT min(e.log_time) AS t FROM event_runs r
                 JOIN events e ON e.id BETWEEN r.first_id AND r.last_id WHERE r.cluster_id = ?1
                 UNION ALL SELECT min(log_time) FROM cluster_samples WHERE cluster_id = ?1)),
                 first_seen),
             last_seen = coalesce((SELECT max(t) FROM (
                 SELECT max(e.log_time) AS t FROM event_runs r
                 JOIN events e ON e.id BETWEEN r.first_id AND r.last_id WHERE r.cluster_id = ?1
                 UNION ALL SELECT max(log_time) FROM cluster_samples WHERE cluster_id = ?1)),
                 last_seen)
             WHERE id = ?1",
            [id],
        )?;
        Ok(())
    }

    /// After samples moved: one `first` (the earliest), one `last` (the latest), the others
    /// `distinct`, and no distinct sample repeating another's text.
    fn normalize_samples(&self, id: i64) -> Result<()> {
        self.conn.execute_batch(&format!(
            "UPDATE cluster_samples SET role = 'distinct'
             WHERE cluster_id = {id} AND role = 'first' AND id <> (
                 SELECT id FROM cluster_samples WHERE cluster_id = {id} AND role = 'first'
                 ORDER BY log_time, id LIMIT 1);
             UPDATE cluster_samples SET role = 'distinct'
             WHERE cluster_id = {id} AND role = 'last' AND id <> (
                 SELECT id FROM cluster_samples WHERE cluster_id = {id} AND role = 'last'
                 ORDER BY log_time DESC, id DESC LIMIT 1);
             INSERT INTO cluster_samples (cluster_id, role, log_time, text, text_hash, fingerprint)
                 SELECT cluster_id, 'first', log_time, text, text_hash, fingerprint
                 FROM cluster_samples WHERE cluster_id = {id}
                 AND NOT EXISTS (SELECT 1 FROM cluster_samples WHERE cluster_id = {id} AND role = 'first')
                 ORDER BY log_time, id LIMIT 1;
             INSERT INTO cluster_samples (cluster_id, role, log_time, text, text_hash, fingerprint)
                 SELECT cluster_id, 'last', log_time, text, text_hash, fingerprint
                 FROM cluster_samples WHERE cluster_id = {id}
                 AND NOT EXISTS (SELECT 1 FROM cluster_samples WHERE cluster_id = {id} AND role = 'last')
                 ORDER BY log_time DESC, id DESC LIMIT 1;
             DELETE FROM cluster_samples AS s WHERE s.cluster_id = {id} AND s.role = 'distinct'
                 AND EXISTS (SELECT 1 FROM cluster_samples o WHERE o.cluster_id = {id}
                     AND o.text_hash = s.text_hash AND o.id <> s.id
                     AND (o.role <> 'distinct' OR o.id < s.id));"
        ))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::clusters::tests::{at, event};
    use super::super::Store;
    use crate::service::Service;

    /// A store of service `web` with one batch: "disk full" twice, "queue stalled" once.
    fn two_clusters() -> (Store, i64, i64) {
        let mut store = Store::open_in_memory().unwrap();
        store
            .write(|db| db.insert_service(&Service::new("web".parse().unwrap(), at(0))))
            .unwrap();
        let batch = [
            event("2024-01-15 10:01:00 ERROR disk full"),
            event("2024-01-15 10:02:00 ERROR queue stalled"),
            event("2024-01-15 10:03:00 ERROR disk full"),
        ];
        let changes = store
            .write(|db| db.record_events("web", None, &batch, at(5), 2))
            .unwrap();
        (store, changes.clusters[0].id, changes.clusters[1].id)
    }

    /// Every event's cluster_id and its run's (cluster, fingerprint), by event id.
    fn placed(store: &Store) -> Vec<(i64, i64, String)> {
        store
            .conn
            .prepare(
                "SELECT e.cluster_id, r.cluster_id, r.fingerprint FROM events e
                 JOIN event_runs r ON e.id BETWEEN r.first_id AND r.last_id ORDER BY e.id",
            )
            .unwrap()
            .query_map([], |row| {
                let (own, run): (i64, i64) = (row.get(0)?, row.get(1)?);
                assert_eq!(own, run);
                Ok((own, run, row.get(2)?))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn a_merge_then_an_unmerge_puts_every_event_back() {
        let (mut store, disk, queue) = two_clusters();
        let queue_fp = store.db().cluster(queue).unwrap().unwrap().fingerprint;
        store
            .write(|db| db.merge_cluster(disk, queue, at(10)))
            .unwrap();
        assert!(store.db().cluster(queue).unwrap().is_none());
        assert!(placed(&store).iter().all(|(c, _, _)| *c == disk));
        // the merged fingerprint's later event grows the target
        let later = [event("2024-01-15 10:20:00 ERROR queue stalled")];
        let changes = store
            .write(|db| db.record_events("web", None, &later, at(21), 2))
            .unwrap();
        assert_eq!(changes.clusters[0].id, disk);
        assert_eq!(
            changes.clusters[0].change,
            crate::domain::ClusterChange::Grew
        );
        assert_eq!(store.db().cluster(disk).unwrap().unwrap().count, 4);
        let own = store
            .write(|db| db.unmerge_fingerprint(disk, &queue_fp, at(30)))
            .unwrap();
        let events: Vec<i64> = placed(&store)
            .into_iter()
            .filter(|(_, _, fp)| *fp == queue_fp)
            .map(|(c, _, _)| c)
            .collect();
        assert_eq!(events, [own, own]);
        let (disk_row, own_row) = (
            store.db().cluster(disk).unwrap().unwrap(),
            store.db().cluster(own).unwrap().unwrap(),
        );
        assert_eq!((disk_row.count, own_row.count), (2, 2));
        assert_eq!((disk_row.first_seen, disk_row.last_seen), (at(1), at(3)));
        assert_eq!((own_row.first_seen, own_row.last_seen), (at(2), at(20)));
        assert_eq!(store.db().cluster_hours(own).unwrap(), [(at(0), 2)]);
        assert_eq!(store.db().cluster_hours(disk).unwrap(), [(at(0), 2)]);
        assert!(store.db().merged_fingerprints(disk).unwrap().is_empty());
    }

    #[test]
    fn a_merge_that_fails_midway_leaves_both_clusters_whole() {
        let (mut store, disk, queue) = two_clusters();
        store
            .conn
            .execute_batch(
                "CREATE TRIGGER refuse BEFORE DELETE ON clusters
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
            )
            .unwrap();
        let err = store
            .write(|db| db.merge_cluster(disk, queue, at(10)))
            .unwrap_err();
        assert!(
            format!("{err:#}").contains("refused by the test"),
            "{err:#}"
        );
        let db = store.db();
        assert_eq!(db.cluster(queue).unwrap().unwrap().count, 1);
        assert_eq!(db.cluster(disk).unwrap().unwrap().count, 2);
        assert_eq!(db.cluster_hours(queue).unwrap(), [(at(0), 1)]);
        assert_eq!(db.cluster_samples(queue).unwrap().len(), 2);
        assert!(db.merged_fingerprints(disk).unwrap().is_empty());
        assert_eq!(
            placed(&store)
                .iter()
                .filter(|(c, _, _)| *c == queue)
                .count(),
            1
        );
    }
}
