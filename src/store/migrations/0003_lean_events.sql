-- Leaner event rows: an event's service is its cluster's, so events no longer carry service_id,
-- and source_id is kept without a foreign key (removing a source clears it in code). Each event
-- insert then checks one foreign key (its cluster) instead of three. Never edit once landed.

CREATE TABLE events_lean (
    id          INTEGER PRIMARY KEY,
    cluster_id  INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    source_id   INTEGER,                 -- the log source it was read from; NULL once removed
    log_time    TEXT NOT NULL,
    level       TEXT NOT NULL,
    logger      TEXT,
    message     TEXT NOT NULL,
    read_at     TEXT NOT NULL
) STRICT;

INSERT INTO events_lean (id, cluster_id, source_id, log_time, level, logger, message, read_at)
    SELECT id, cluster_id, source_id, log_time, level, logger, message, read_at FROM events;

DROP TABLE events;
ALTER TABLE events_lean RENAME TO events;
CREATE INDEX events_by_cluster ON events (cluster_id, log_time);
