-- Root-cause reports (issue 13): one row per (cluster, generation), as JSON and as Markdown, with
-- the indexed commit it was written against and the model that wrote its narrative, if any; and
-- what the cluster looked like then (count, regressed), so that the next run knows whether it
-- grew or regressed since. Never edit once landed.

CREATE TABLE rca_reports (
    id              INTEGER PRIMARY KEY,
    cluster_id      INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    generation      INTEGER NOT NULL,    -- 1 for a cluster's first report, then 2, 3, ...
    generated_at    TEXT NOT NULL,
    commit_id       TEXT,                -- the indexed commit; NULL when there was no index
    model           TEXT,                -- the narrative's model; NULL without a narrative
    cluster_count   INTEGER NOT NULL,    -- the cluster's count when the report was written
    regressed       INTEGER NOT NULL,    -- and whether it was flagged regressed
    report_json     TEXT NOT NULL,
    report_markdown TEXT NOT NULL,
    UNIQUE (cluster_id, generation)
) STRICT;
