-- Grouping rules (issue 28, part 2): a service's rules, in order, as a JSON list of
-- {"matchers": ["field:glob", ...], "action": "by type" | "by message" | "by frames" |
-- "fingerprint NAME" | "ignore", "title": ...}. A column of the service rather than a table of
-- their own: they are read whole (once per fetch), edited whole, and export and import with the
-- service like its other settings. Never edit once landed.

ALTER TABLE services ADD COLUMN grouping_rules TEXT NOT NULL DEFAULT '[]';
