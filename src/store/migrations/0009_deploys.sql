-- Deploys (issue 26): which version of a service ran from when. Recorded by `luffy deploy add`
-- (source 'cli') or found in the logs, a version first seen in a service's records (source
-- 'logs'); blame is read in the version that ran at a cluster's first-seen. And the version each
-- event's record carried, when it said one. Never edit once landed.

CREATE TABLE deploys (
    id           INTEGER PRIMARY KEY,
    service_id   TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    commit_id    TEXT,                -- the full commit id; NULL while a logged version is unresolved
    rev          TEXT NOT NULL,       -- as given: a sha (prefix), a tag, a branch, a logged version
    deployed_at  TEXT NOT NULL,
    env          TEXT,
    source       TEXT NOT NULL CHECK (source IN ('cli', 'logs')),
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX deploys_by_service ON deploys (service_id, deployed_at);
-- a version found in the logs is one deploy, at the time it was first seen
CREATE UNIQUE INDEX deploys_logged_once ON deploys (service_id, rev) WHERE source = 'logs';

ALTER TABLE events ADD COLUMN version TEXT;

-- when a resolved cluster last came back (the first event that reopened it), so that a
-- regression can say in which deploy it came back
ALTER TABLE clusters ADD COLUMN regressed_at TEXT;

-- the deploys' window for suspects, in days, per service; NULL: the [rca] default
ALTER TABLE services ADD COLUMN suspect_window_days INTEGER CHECK (suspect_window_days > 0);
