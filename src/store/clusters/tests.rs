//! The store of clusters, events, counts and samples.

use chrono::{SecondsFormat, TimeZone, Timelike};

use super::super::Store;
use super::events::*;
use super::*;
use crate::domain::ClusterChange::{Grew, New, Regressed};
use crate::ingest::{to_event, LogRecord, Rules};
use crate::service::Service;

/// 2024-01-15 at 10:`minute`.
pub(crate) fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 15, 10, minute, 0).unwrap()
}

/// The error event a log line makes, read at noon that day.
pub(crate) fn event(text: &str) -> Event {
    let record = LogRecord {
        text,
        ..LogRecord::default()
    };
    let read_at = Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap();
    to_event(&record, &Rules::default(), read_at).expect("an error event")
}

#[test]
fn every_event_row_is_stored_whole_across_statement_chunks() {
    let mut store = Store::open_in_memory().unwrap();
    store
        .write(|db| db.insert_service(&Service::new("web".parse().unwrap(), at(0))))
        .unwrap();
    let n = EVENT_ROWS * 2 + 5;
    let batch: Vec<Event> = (0..n)
        .map(|i| {
            event(&format!(
                "2024-01-15 10:{:02}:00 ERROR db: timeout {i}",
                i % 60
            ))
        })
        .collect();
    let result = store
        .write(|db| db.record_events("web", Some(7), &batch, at(59), 2))
        .unwrap();
    assert_eq!(result.events, n as u64);
    let rows: Vec<(String, String, String)> = store
        .conn
        .prepare("SELECT log_time, level, message FROM events ORDER BY id")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let expected: Vec<(String, String, String)> = batch
        .iter()
        .map(|e| {
            (
                log_time_to_sql(e.log_time),
                "ERROR".to_string(),
                e.message.clone(),
            )
        })
        .collect();
    assert_eq!(rows, expected);
    // the values every row of a statement shares
    let shared: Vec<(i64, Option<i64>, String)> = store
        .conn
        .prepare("SELECT cluster_id, source_id, read_at FROM events ORDER BY id")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let cluster: i64 = store
        .conn
        .query_row("SELECT id FROM clusters", [], |row| row.get(0))
        .unwrap();
    assert_eq!(shared.len(), n);
    for row in shared {
        assert_eq!(row, (cluster, Some(7), log_time_to_sql(at(59))));
    }
}

#[test]
fn an_event_statement_failing_halfway_leaves_nothing_of_its_batch() {
    // Event rows go in with `OR FAIL`, which keeps the rows a statement wrote before it
    // failed: the batch's transaction must take them back, with the cluster and its counts.
    let mut store = Store::open_in_memory().unwrap();
    store
        .write(|db| db.insert_service(&Service::new("web".parse().unwrap(), at(0))))
        .unwrap();
    store
        .conn
        .execute_batch(
            "CREATE TRIGGER fail_one BEFORE INSERT ON events WHEN NEW.message LIKE '%timeout 20'
             BEGIN SELECT RAISE(FAIL, 'refused by the test'); END",
        )
        .unwrap();
    let batch: Vec<Event> = (0..EVENT_ROWS + 3)
        .map(|i| event(&format!("2024-01-15 10:{i:02}:00 ERROR db: timeout {i}")))
        .collect();
    let err = store
        .write(|db| db.record_events("web", Some(7), &batch, at(59), 2))
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("refused by the test"),
        "{err:#}"
    );
    for table in ["events", "clusters", "cluster_hours", "cluster_samples"] {
        let rows: i64 = store
            .conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(rows, 0, "{table}");
    }
}

/// The number of rows of `table`.
fn count_rows(store: &Store, table: &str) -> i64 {
    store
        .conn
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
            row.get(0)
        })
        .unwrap()
}

/// Every event row with the run that holds it: (id, its cluster, the run's cluster), with
/// `None` for an event no run or more than one run holds.
fn events_with_runs(store: &Store) -> Vec<(i64, i64, Option<i64>)> {
    store
        .conn
        .prepare(
            "SELECT e.id, e.cluster_id,
                 (SELECT CASE WHEN count(*) = 1 THEN max(r.cluster_id) END
                  FROM event_runs r WHERE e.id BETWEEN r.first_id AND r.last_id)
             FROM events e ORDER BY e.id",
        )
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn each_batch_stores_one_run_of_events_per_cluster() {
    let mut store = Store::open_in_memory().unwrap();
    store
        .write(|db| db.insert_service(&Service::new("web".parse().unwrap(), at(0))))
        .unwrap();
    // three clusters whose events interleave in the log; two batches
    let texts = [
        "db: timeout after 3 s",
        "disk full on /var",
        "queue stalled",
    ];
    let batch = |from: usize| -> Vec<Event> {
        (from..from + 2 * EVENT_ROWS + 3)
            .map(|i| {
                event(&format!(
                    "2024-01-15 10:{:02}:00 ERROR {}",
                    i % 60,
                    texts[i % texts.len()]
                ))
            })
            .collect()
    };
    for (from, read_at) in [(0, at(30)), (100, at(59) + chrono::Duration::days(1))] {
        let events = batch(from);
        store
            .write(|db| db.record_events("web", Some(7), &events, read_at, 2))
            .unwrap();
    }
    let rows = events_with_runs(&store);
    assert_eq!(rows.len(), 2 * (2 * EVENT_ROWS + 3));
    for (id, cluster, run) in &rows {
        assert_eq!(Some(*cluster), *run, "event {id}");
    }
    assert_eq!(
        count_rows(&store, "event_runs"),
        6,
        "one run per cluster and batch"
    );
    // retention takes the first batch's events and runs; the second batch's stay whole
    assert!(
        !store.db().events_to_prune(at(5)).unwrap(),
        "none read before"
    );
    assert!(store.db().events_to_prune(at(45)).unwrap());
    let pruned = store.db().prune_events(at(45)).unwrap();
    assert_eq!(pruned, 2 * EVENT_ROWS + 3);
    assert!(!store.db().events_to_prune(at(45)).unwrap(), "all pruned");
    let rows = events_with_runs(&store);
    assert_eq!(rows.len(), 2 * EVENT_ROWS + 3);
    assert!(rows.iter().all(|(_, cluster, run)| Some(*cluster) == *run));
    assert_eq!(count_rows(&store, "event_runs"), 3);
}

#[test]
fn pruning_within_a_run_shortens_it() {
    let mut store = Store::open_in_memory().unwrap();
    store
        .write(|db| db.insert_service(&Service::new("web".parse().unwrap(), at(0))))
        .unwrap();
    let events: Vec<Event> = (0..5)
        .map(|i| event(&format!("2024-01-15 10:0{i}:00 ERROR db: timeout")))
        .collect();
    store
        .write(|db| db.record_events("web", None, &events, at(10), 2))
        .unwrap();
    // as if the last two rows were read later (a fetch that overlapped another)
    store
        .conn
        .execute(
            "UPDATE events SET read_at = ?1 WHERE id > 3",
            [log_time_to_sql(at(50))],
        )
        .unwrap();
    assert!(store.db().events_to_prune(at(40)).unwrap());
    assert_eq!(store.db().prune_events(at(40)).unwrap(), 3);
    assert!(!store.db().events_to_prune(at(40)).unwrap());
    let run: (i64, i64) = store
        .conn
        .query_row("SELECT first_id, last_id FROM event_runs", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .unwrap();
    assert_eq!(run, (4, 5));
    assert_eq!(events_with_runs(&store).len(), 2);
}

#[test]
fn a_batch_says_which_clusters_are_new_regressed_or_grew() {
    let mut store = Store::open_in_memory().unwrap();
    store
        .write(|db| db.insert_service(&Service::new("web".parse().unwrap(), at(0))))
        .unwrap();
    let record = |store: &mut Store, texts: &[&str]| {
        let events: Vec<Event> = texts
            .iter()
            .map(|t| event(&format!("2024-01-15 10:00:00 ERROR {t}")))
            .collect();
        store
            .write(|db| db.record_events("web", None, &events, at(1), 2))
            .unwrap()
    };
    let first = record(&mut store, &["disk full", "queue stalled", "disk full"]);
    let ids: Vec<i64> = first.clusters.iter().map(|c| c.id).collect();
    assert_eq!(
        first.clusters,
        [
            ChangedCluster {
                id: ids[0],
                change: New,
                events: 2
            },
            ChangedCluster {
                id: ids[1],
                change: New,
                events: 1
            },
        ]
    );
    store
        .db()
        .conn
        .execute(
            "UPDATE clusters SET status = 'resolved' WHERE id = ?1",
            [ids[1]],
        )
        .unwrap();
    let second = record(
        &mut store,
        &["queue stalled", "cache cold", "disk full", "queue stalled"],
    );
    let cold = second.clusters[1].id;
    assert_eq!(
        second.clusters,
        [
            ChangedCluster {
                id: ids[1],
                change: Regressed,
                events: 2
            },
            ChangedCluster {
                id: cold,
                change: New,
                events: 1
            },
            ChangedCluster {
                id: ids[0],
                change: Grew,
                events: 1
            },
        ]
    );
    assert_eq!(
        (second.events, second.count(New), second.count(Grew)),
        (4, 1, 1)
    );
    // reopened: the next occurrence is growth, not another regression
    let third = record(&mut store, &["queue stalled"]);
    assert_eq!(third.clusters[0].change, Grew);
}

#[test]
fn times_are_written_as_chrono_writes_them() {
    let mut seconds = -62_135_596_800_i64; // 0001-01-01
    while seconds < 253_402_300_799 {
        // 9999-12-31
        let millis = (seconds.rem_euclid(1000)) as u32;
        let time = DateTime::<Utc>::from_timestamp(seconds, millis * 1_000_000 + 999).unwrap();
        assert_eq!(
            log_time_to_sql(time),
            time.to_rfc3339_opts(SecondsFormat::Millis, true)
        );
        let hour = time
            .with_minute(0)
            .and_then(|t| t.with_second(0))
            .and_then(|t| t.with_nanosecond(0))
            .unwrap();
        assert_eq!(
            hour_to_sql(time.timestamp().div_euclid(3600)),
            hour.to_rfc3339_opts(SecondsFormat::Secs, true)
        );
        seconds += 7_919_993; // about three months, landing on every field's values
    }
    let far = Utc.with_ymd_and_hms(12_000, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(
        log_time_to_sql(far),
        far.to_rfc3339_opts(SecondsFormat::Millis, true)
    );
}

/// A store with one template cluster of service `web`, and its id.
fn one_cluster() -> (Store, i64) {
    let mut store = Store::open_in_memory().unwrap();
    store
        .write(|db| db.insert_service(&Service::new("web".parse().unwrap(), at(0))))
        .unwrap();
    let batch = [event("2024-01-15 10:00:00 ERROR disk 1 is full")];
    store
        .write(|db| db.record_events("web", None, &batch, at(1), 2))
        .unwrap();
    let id = store.db().clusters(None, None).unwrap()[0].id;
    (store, id)
}

/// Sets one column of cluster `id` as stored, past the table's checks.
fn corrupt(store: &Store, id: i64, set: &str) {
    store
        .conn
        .execute_batch(&format!(
            "PRAGMA ignore_check_constraints = ON;
             UPDATE clusters SET {set} WHERE id = {id};
             PRAGMA ignore_check_constraints = OFF;"
        ))
        .unwrap();
}

/// The errors of reading cluster `id` through `clusters()` and through `cluster()`.
fn read_errors(store: &Store, id: i64) -> [String; 2] {
    let db = store.db();
    [
        format!("{:#}", db.clusters(Some("web"), None).unwrap_err()),
        format!("{:#}", db.cluster(id).unwrap_err()),
    ]
}

#[test]
fn a_cluster_reads_back_typed() {
    let (store, id) = one_cluster();
    let cluster = store.db().cluster(id).unwrap().unwrap();
    assert_eq!(
        (cluster.kind, cluster.status, cluster.exception),
        (ClusterKind::Template, ClusterStatus::Open, None)
    );
    let GroupingInputs::Template(inputs) = cluster.fingerprint_inputs else {
        panic!("{:?}", cluster.fingerprint_inputs);
    };
    assert_eq!(inputs.template.as_deref(), Some("disk <NUM> is full"));
    assert_eq!(inputs.level, crate::domain::Level::Error);
    let open = store
        .db()
        .clusters(None, Some(ClusterStatus::Open))
        .unwrap();
    assert_eq!(open.len(), 1);
    assert!(store
        .db()
        .clusters(None, Some(ClusterStatus::Ignored))
        .unwrap()
        .is_empty());
}

#[test]
fn a_corrupt_exception_is_an_error_naming_the_cluster() {
    let (store, id) = one_cluster();
    corrupt(&store, id, r#"exception = '{"chain": 7}'"#);
    for err in read_errors(&store, id) {
        assert!(
            err.contains(&format!(
                "cluster {id}: column exception is not a parsed exception: invalid type: integer `7`"
            )),
            "{err}"
        );
    }
    corrupt(&store, id, "exception = 'not json'");
    for err in read_errors(&store, id) {
        assert!(
            err.contains(&format!(
                "cluster {id}: column exception is not a parsed exception: expected"
            )),
            "{err}"
        );
    }
}

#[test]
fn an_unknown_status_or_kind_is_an_error_naming_the_cluster() {
    let (store, id) = one_cluster();
    corrupt(&store, id, "status = 'closed'");
    for err in read_errors(&store, id) {
        assert!(
            err.contains(&format!(
                "cluster {id}: column status: unknown cluster status 'closed'; use open, resolved, ignored"
            )),
            "{err}"
        );
    }
    corrupt(&store, id, "status = 'open', kind = 'pattern'");
    for err in read_errors(&store, id) {
        assert!(
            err.contains(&format!(
                "cluster {id}: column kind: unknown cluster kind 'pattern'; use exception, template"
            )),
            "{err}"
        );
    }
}

#[test]
fn inputs_that_are_not_of_the_clusters_kind_are_an_error() {
    let (store, id) = one_cluster();
    // a template cluster's inputs read as an exception's
    corrupt(&store, id, "kind = 'exception'");
    for err in read_errors(&store, id) {
        assert!(
            err.contains(&format!(
                "cluster {id}: column fingerprint_inputs is not the inputs of an exception fingerprint: missing field"
            )),
            "{err}"
        );
    }
    corrupt(&store, id, "kind = 'template', fingerprint_inputs = '{}'");
    for err in read_errors(&store, id) {
        assert!(
            err.contains(&format!(
                "cluster {id}: column fingerprint_inputs is not the inputs of a template fingerprint: missing field `level`"
            )),
            "{err}"
        );
    }
}

#[test]
fn an_unknown_sample_role_is_an_error_naming_the_cluster() {
    let (store, id) = one_cluster();
    store
        .conn
        .execute_batch(
            "PRAGMA ignore_check_constraints = ON;
             UPDATE cluster_samples SET role = 'middle';
             PRAGMA ignore_check_constraints = OFF;",
        )
        .unwrap();
    let err = format!("{:#}", store.db().cluster_samples(id).unwrap_err());
    assert!(
        err.contains(&format!(
            "a sample of cluster {id}: column role: unknown sample role 'middle'; use first, last, distinct"
        )),
        "{err}"
    );
}

#[test]
fn batches_update_counts_samples_hours_and_regressions() {
    let mut store = Store::open_in_memory().unwrap();
    store
        .write(|db| db.insert_service(&Service::new("web".parse().unwrap(), at(0))))
        .unwrap();
    let batch: Vec<Event> = (0..5)
        .map(|i| event(&format!("2024-01-15 10:0{i}:00 ERROR disk {i} is full")))
        .collect();
    let result = store
        .write(|db| db.record_events("web", None, &batch, at(1), 2))
        .unwrap();
    assert_eq!(
        (result.events, result.count(New), result.count(Regressed)),
        (5, 1, 0)
    );
    let db = store.db();
    let cluster = &db.clusters(Some("web"), None).unwrap()[0];
    assert_eq!(
        (cluster.count, cluster.first_seen, cluster.last_seen),
        (5, at(0), at(4))
    );
    let roles: Vec<SampleRole> = db
        .cluster_samples(cluster.id)
        .unwrap()
        .into_iter()
        .map(|s| s.role)
        .collect();
    assert_eq!(
        roles,
        [
            SampleRole::First,
            SampleRole::Last,
            SampleRole::Distinct,
            SampleRole::Distinct
        ],
        "first, last and two distinct"
    );
    assert_eq!(db.cluster_hours(cluster.id).unwrap(), vec![(at(0), 5)]);
    db.set_cluster_status(cluster.id, ClusterStatus::Resolved, at(59))
        .unwrap();
    let again = [event("2024-01-15 11:30:00 ERROR disk 9 is full")];
    let result = store
        .write(|db| db.record_events("web", None, &again, at(59), 2))
        .unwrap();
    assert_eq!(result.count(Regressed), 1);
    let cluster = &store.db().clusters(Some("web"), None).unwrap()[0];
    assert_eq!(
        (cluster.status, cluster.regressed, cluster.count),
        (ClusterStatus::Open, true, 6)
    );
    assert_eq!(store.db().cluster_hours(cluster.id).unwrap().len(), 2);
    // retention removes old events but keeps the cluster, its counts and samples
    let prune = |before| store.db().prune_events(before).unwrap();
    assert_eq!(prune(at(30)), 5, "the first batch was read at 10:01");
    assert_eq!(prune(at(30)), 0);
    assert_eq!(prune(at(59) + chrono::Duration::days(1)), 1);
    let cluster = &store.db().clusters(Some("web"), None).unwrap()[0];
    assert_eq!(cluster.count, 6);
    assert!(!store.db().cluster_samples(cluster.id).unwrap().is_empty());
}
