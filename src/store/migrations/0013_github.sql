-- A GitHub issue per cluster (issue 28, part 5): the issue a `github=` channel opened for a
-- cluster, one per cluster and repository (the channel's target), written in the transaction
-- that marks the notification that opened it delivered. Never edit once landed.

CREATE TABLE cluster_issues (
    cluster_id  INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    -- the channel's target: API_URL/repos/OWNER/REPO
    repo        TEXT NOT NULL,
    number      INTEGER NOT NULL CHECK (number > 0),
    -- the issue's page, as `cluster show` gives it
    html_url    TEXT NOT NULL,
    -- the issue's REST address, as GitHub answered it
    api_url     TEXT NOT NULL,
    opened_at   TEXT NOT NULL,
    PRIMARY KEY (cluster_id, repo)
) STRICT, WITHOUT ROWID;
