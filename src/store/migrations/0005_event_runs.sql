-- A cluster's events are found through runs of consecutive event ids instead of an index entry
-- per event: a fetch stores each batch's events cluster by cluster, so that the events of one
-- cluster in one batch take consecutive ids, and one row of event_runs records them. Keeping the
-- per-event index up to date was a sixth of the time of a large fetch.
--
-- events loses its foreign key to clusters (without the index, removing a cluster would have had
-- to scan every event): removing a cluster removes its runs, and removing a run removes its
-- events (the trigger below). cluster_id stays on each event, to tell an event's cluster.
-- Never edit once landed.

CREATE TABLE event_runs (
    first_id    INTEGER PRIMARY KEY,     -- the run's first event id
    last_id     INTEGER NOT NULL,        -- its last, inclusive; runs never overlap
    cluster_id  INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    CHECK (last_id >= first_id)
) STRICT;
CREATE INDEX event_runs_by_cluster ON event_runs (cluster_id);

CREATE TABLE events_by_run (
    id          INTEGER PRIMARY KEY,
    cluster_id  INTEGER NOT NULL,        -- its cluster (found through event_runs)
    source_id   INTEGER,                 -- the log source it was read from; NULL once removed
    log_time    TEXT NOT NULL,
    level       TEXT NOT NULL,
    logger      TEXT,
    message     TEXT NOT NULL,
    read_at     TEXT NOT NULL
) STRICT;

INSERT INTO events_by_run (id, cluster_id, source_id, log_time, level, logger, message, read_at)
    SELECT id, cluster_id, source_id, log_time, level, logger, message, read_at FROM events;

DROP TABLE events;
ALTER TABLE events_by_run RENAME TO events;

-- The runs of the events stored so far: ids that follow each other within one cluster (ids a
-- pruning or another cluster left out start a new run).
INSERT INTO event_runs (first_id, last_id, cluster_id)
    SELECT min(id), max(id), cluster_id
    FROM (
        SELECT id, cluster_id, id - row_number() OVER (PARTITION BY cluster_id ORDER BY id) AS run
        FROM events
    )
    GROUP BY cluster_id, run;

CREATE TRIGGER event_runs_remove_events AFTER DELETE ON event_runs
BEGIN
    DELETE FROM events WHERE id BETWEEN OLD.first_id AND OLD.last_id;
END;
