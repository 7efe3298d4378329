-- Ingestion: per-service ingestion settings, events, what clusters remember, task runs and leases.
-- Never edit once landed.

-- The lowest level that becomes an event, and what counts as application code in stack frames.
ALTER TABLE services ADD COLUMN level_threshold TEXT NOT NULL DEFAULT 'ERROR';
ALTER TABLE services ADD COLUMN app_paths TEXT NOT NULL DEFAULT '[]';
ALTER TABLE services ADD COLUMN app_packages TEXT NOT NULL DEFAULT '[]';

ALTER TABLE clusters ADD COLUMN level TEXT;
ALTER TABLE clusters ADD COLUMN logger TEXT;
-- JSON: the inputs the fingerprint was computed from, shown by `cluster show`.
ALTER TABLE clusters ADD COLUMN fingerprint_inputs TEXT NOT NULL DEFAULT '{}';
-- JSON: the parsed exception chain of the first event (frames, causes), when there is one.
ALTER TABLE clusters ADD COLUMN exception TEXT;

CREATE TABLE cluster_hours (
    cluster_id  INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    hour        TEXT NOT NULL,           -- log time truncated to the hour, RFC 3339 UTC
    count       INTEGER NOT NULL,
    PRIMARY KEY (cluster_id, hour)
) STRICT, WITHOUT ROWID;

CREATE TABLE cluster_samples (
    id          INTEGER PRIMARY KEY,
    cluster_id  INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('first', 'last', 'distinct')),
    log_time    TEXT NOT NULL,
    text        TEXT NOT NULL,
    text_hash   TEXT NOT NULL
) STRICT;
CREATE INDEX cluster_samples_by_cluster ON cluster_samples (cluster_id, role);

CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    service_id  TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    source_id   INTEGER REFERENCES log_sources(id) ON DELETE SET NULL,
    cluster_id  INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    log_time    TEXT NOT NULL,
    level       TEXT NOT NULL,
    logger      TEXT,
    message     TEXT NOT NULL,
    read_at     TEXT NOT NULL
) STRICT;
CREATE INDEX events_by_cluster ON events (cluster_id, log_time);

CREATE TABLE task_runs (
    id           INTEGER PRIMARY KEY,
    service_id   TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    task         TEXT NOT NULL CHECK (task IN ('fetch', 'rca', 'index', 'notify')),
    trigger      TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    status       TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'skipped')),
    counts       TEXT NOT NULL DEFAULT '{}',
    error        TEXT
) STRICT;
CREATE INDEX task_runs_by_service ON task_runs (service_id, started_at);

CREATE TABLE leases (
    service_id  TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    task        TEXT NOT NULL,
    holder      TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    PRIMARY KEY (service_id, task)
) STRICT, WITHOUT ROWID;
