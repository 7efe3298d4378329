-- Merge and unmerge (issue 28, part 1). Never edit once landed.
--
-- A merged cluster's row goes (so every list, count and page forgets it without a filter);
-- what routes its fingerprint to the target, and what recreates it on unmerge, is a row of
-- merged_fingerprints. Its events, hours and samples move to the target; runs and samples keep
-- the fingerprint they were grouped by, so that an unmerge takes back exactly its own.

-- The fingerprint the run's events were grouped by (a run is one fingerprint of one batch).
ALTER TABLE event_runs ADD COLUMN fingerprint TEXT;
-- The runs so far were written before any merge: their cluster's fingerprint is theirs.
UPDATE event_runs SET fingerprint =
    (SELECT c.fingerprint FROM clusters c WHERE c.id = event_runs.cluster_id);

-- The fingerprint of the event a sample was taken from.
ALTER TABLE cluster_samples ADD COLUMN fingerprint TEXT;
UPDATE cluster_samples SET fingerprint =
    (SELECT c.fingerprint FROM clusters c WHERE c.id = cluster_samples.cluster_id);

-- A fingerprint merged into another cluster of its service: its events go there. The other
-- columns are those of the cluster it had, to recreate it on unmerge.
CREATE TABLE merged_fingerprints (
    service_id          TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    fingerprint         TEXT NOT NULL,
    cluster_id          INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    merged_at           TEXT NOT NULL,
    source_cluster_id   INTEGER NOT NULL,   -- the id it had, for the record
    kind                TEXT NOT NULL CHECK (kind IN ('exception', 'template')),
    title               TEXT NOT NULL,
    exception_type      TEXT,
    template            TEXT,
    level               TEXT,
    logger              TEXT,
    fingerprint_inputs  TEXT NOT NULL,
    exception           TEXT,
    PRIMARY KEY (service_id, fingerprint)
) STRICT, WITHOUT ROWID;
CREATE INDEX merged_fingerprints_by_cluster ON merged_fingerprints (cluster_id);
