-- Snooze that escalates and the notification threshold (issue 28, parts 3 and 4). Never edit
-- once landed.

-- An ignored cluster's snooze: one condition (a time, a number of more events, or a rate of
-- events read after it), when it started, the count then and the largest event id then.
ALTER TABLE clusters ADD COLUMN snooze_until TEXT;
ALTER TABLE clusters ADD COLUMN snooze_count INTEGER CHECK (snooze_count > 0);
ALTER TABLE clusters ADD COLUMN snooze_rate_count INTEGER CHECK (snooze_rate_count > 0);
ALTER TABLE clusters ADD COLUMN snooze_rate_seconds INTEGER CHECK (snooze_rate_seconds > 0);
ALTER TABLE clusters ADD COLUMN snoozed_at TEXT;
ALTER TABLE clusters ADD COLUMN snooze_base_count INTEGER;
ALTER TABLE clusters ADD COLUMN snooze_after_event INTEGER;
-- 1 while a new cluster's new_cluster notification waits for the service's threshold
ALTER TABLE clusters ADD COLUMN notify_pending INTEGER NOT NULL DEFAULT 0;

-- A new cluster is told once it has this many events within this many seconds (log time);
-- 1 within 60 is the behaviour before thresholds.
ALTER TABLE services ADD COLUMN notify_threshold_count INTEGER NOT NULL DEFAULT 1
    CHECK (notify_threshold_count > 0);
ALTER TABLE services ADD COLUMN notify_threshold_seconds INTEGER NOT NULL DEFAULT 60
    CHECK (notify_threshold_seconds > 0);

-- The outbox learns the `escalating` event: SQLite cannot change a CHECK, so the table is
-- copied into one that has it.
CREATE TABLE notifications_new (
    id            INTEGER PRIMARY KEY,
    service_id    TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    cluster_id    INTEGER REFERENCES clusters(id) ON DELETE CASCADE,
    channel       TEXT NOT NULL,
    target        TEXT NOT NULL,
    event         TEXT NOT NULL CHECK (event IN ('new_cluster', 'regression', 'spike', 'rca_ready',
                                                  'escalating', 'test')),
    payload       TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'retrying', 'delivered', 'dead')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    next_attempt  TEXT NOT NULL,
    delivered_at  TEXT,
    last_error    TEXT
) STRICT;
INSERT INTO notifications_new SELECT * FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_due ON notifications (service_id, status, next_attempt);
CREATE INDEX notifications_cooldown ON notifications (cluster_id, event, created_at);

-- the clusters a fetch watches as they grow: snoozed, or with a held-back notification
CREATE INDEX clusters_watched ON clusters (service_id)
    WHERE notify_pending = 1 OR snoozed_at IS NOT NULL;
