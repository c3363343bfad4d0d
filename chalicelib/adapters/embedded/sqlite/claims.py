"""Single-use markers (action links), on SQLite."""
from __future__ import annotations

import datetime as dt
import sqlite3

from ....ports import AlreadyExists, ClaimStore
from .base import SqliteBase

SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, at TEXT NOT NULL);
"""


class SqliteClaims(SqliteBase, ClaimStore):
    def claim(self, key: str, at: dt.datetime) -> None:
        try:
            with self._write() as db:
                db.execute("INSERT INTO claims VALUES (?, ?)", (key, at.isoformat()))
        except sqlite3.IntegrityError:
            raise AlreadyExists(key) from None

    def claimed(self, key: str) -> bool:
        return self._one("SELECT 1 FROM claims WHERE key = ?", key) is not None
