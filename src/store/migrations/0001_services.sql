-- Services, their log sources and their clusters. Never edit once landed: add a new migration.
CREATE TABLE services (
    id                               TEXT PRIMARY KEY NOT NULL,
    name                             TEXT NOT NULL UNIQUE,
    repository_url                   TEXT,
    git_branch                       TEXT NOT NULL DEFAULT 'main',
    git_repo_path                    TEXT,
    log_fetch_interval_minutes       INTEGER NOT NULL DEFAULT 30 CHECK (log_fetch_interval_minutes > 0),
    rca_generation_enabled           INTEGER NOT NULL DEFAULT 1,
    rca_generation_interval_minutes  INTEGER NOT NULL DEFAULT 15 CHECK (rca_generation_interval_minutes > 0),
    code_indexing_enabled            INTEGER NOT NULL DEFAULT 1,
    code_indexing_interval_hours     INTEGER NOT NULL DEFAULT 24 CHECK (code_indexing_interval_hours > 0),
    notification_enabled             INTEGER NOT NULL DEFAULT 1,
    notification_webhook_url         TEXT,
    notification_email               TEXT,
    is_active                        INTEGER NOT NULL DEFAULT 1,
    last_log_fetch                   TEXT,
    last_rca_generation              TEXT,
    last_code_indexing               TEXT,
    created_at                       TEXT NOT NULL,
    updated_at                       TEXT NOT NULL
) STRICT;

CREATE TABLE log_sources (
    id          INTEGER PRIMARY KEY,
    service_id  TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('file', 'elasticsearch', 'opensearch', 'loki', 'command')),
    settings    TEXT NOT NULL DEFAULT '{}',
    is_active   INTEGER NOT NULL DEFAULT 1,
    cursor      TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (service_id, name)
) STRICT;

CREATE TABLE clusters (
    id              INTEGER PRIMARY KEY,
    service_id      TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    fingerprint     TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('exception', 'template')),
    title           TEXT NOT NULL,
    exception_type  TEXT,
    template        TEXT,
    first_seen      TEXT NOT NULL,
    last_seen       TEXT NOT NULL,
    count           INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'ignored')),
    regressed       INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (service_id, fingerprint)
) STRICT;

CREATE INDEX clusters_by_status ON clusters (service_id, status);
