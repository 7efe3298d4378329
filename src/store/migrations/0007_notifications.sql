-- The notification outbox (issue 14): one row per channel and event, written in the transaction
-- of the batch that caused it, delivered (with retries) by the notify task. A webhook is kept
-- as the service's entry names it (`env:VAR` or the URL the service's settings hold already).
-- And the service's notification cooldown. Never edit once landed.

ALTER TABLE services ADD COLUMN notification_cooldown_minutes INTEGER NOT NULL DEFAULT 60;

CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY,
    service_id    TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    cluster_id    INTEGER REFERENCES clusters(id) ON DELETE CASCADE,
    channel       TEXT NOT NULL,           -- slack, googlechat, webhook, email
    target        TEXT NOT NULL,           -- the channel's entry: URL, env:VAR, or recipients
    event         TEXT NOT NULL CHECK (event IN ('new_cluster', 'regression', 'spike', 'rca_ready', 'test')),
    payload       TEXT NOT NULL,           -- the event as JSON (the generic webhook's body)
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'retrying', 'delivered', 'dead')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    next_attempt  TEXT NOT NULL,
    delivered_at  TEXT,
    last_error    TEXT
) STRICT;
CREATE INDEX notifications_due ON notifications (service_id, status, next_attempt);
CREATE INDEX notifications_cooldown ON notifications (cluster_id, event, created_at);
