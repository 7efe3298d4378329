"""Item rows, read from the database."""

import logging

from app.db import connection

log = logging.getLogger("web.db")


class ItemRepo:
    """Rows of the items table, loaded once and kept in memory."""

    def __init__(self, conn=None):
        self.conn = conn or connection()
        self.rows = {}
        self.reload()

    def reload(self):
        """Reads every row again."""
        cursor = self.conn.execute("SELECT id, name, price FROM items")
        self.rows = {row[0]: row for row in cursor}
        log.info("loaded %d items", len(self.rows))

    def range(self, start, end):
        """Rows start..end, by id."""
        ids = sorted(self.rows)[start:end]
        return [self.rows[i] for i in ids]

    def fetch(self, item_id):
        """One row by id."""
        return self.rows[item_id]
