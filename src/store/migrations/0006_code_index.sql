-- The code index (issue 12): per service the indexed commit; per file its path, language, blob
-- and size; per symbol its name, kind, container and lines. And the service's code settings:
-- path maps for frames, and how to authenticate to its repository (by reference only: the name
-- of a variable holding a token, the path of an ssh key). Never edit once landed.

ALTER TABLE services ADD COLUMN git_token_env TEXT;
ALTER TABLE services ADD COLUMN git_ssh_key TEXT;
ALTER TABLE services ADD COLUMN path_maps TEXT NOT NULL DEFAULT '[]';

CREATE TABLE code_indexes (
    service_id  TEXT PRIMARY KEY NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    commit_id   TEXT NOT NULL,           -- the indexed commit (hex)
    tree_id     TEXT NOT NULL,           -- its tree: the next run diffs against it
    branch      TEXT NOT NULL,
    indexed_at  TEXT NOT NULL,
    files       INTEGER NOT NULL DEFAULT 0,   -- how many code_files and code_symbols it has,
    symbols     INTEGER NOT NULL DEFAULT 0    -- counted when it was written
) STRICT;

CREATE TABLE code_files (
    id          INTEGER PRIMARY KEY,
    service_id  TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    path        TEXT NOT NULL,           -- relative to the repository root, '/'-separated
    file_name   TEXT NOT NULL,           -- its last component: frame paths match on it first
    language    TEXT,                    -- NULL: indexed as a file only
    blob_id     TEXT NOT NULL,
    size        INTEGER NOT NULL,
    UNIQUE (service_id, path)
) STRICT;
CREATE INDEX code_files_by_name ON code_files (service_id, file_name);

CREATE TABLE code_symbols (
    id          INTEGER PRIMARY KEY,
    file_id     INTEGER NOT NULL REFERENCES code_files(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    container   TEXT,                    -- enclosing classes/impls/modules, outermost first, '.'-joined
    start_line  INTEGER NOT NULL,        -- 1-based, inclusive
    end_line    INTEGER NOT NULL
) STRICT;
CREATE INDEX code_symbols_by_file ON code_symbols (file_id, start_line);
CREATE INDEX code_symbols_by_name ON code_symbols (name);
