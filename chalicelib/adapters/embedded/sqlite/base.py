"""What every SQLite aggregate shares: the per-thread connection, the write transaction, the
JSON documents and the page tokens.

Each entity is a JSON document plus the columns its look-ups need. One connection per thread;
writes take the lock up front (BEGIN IMMEDIATE) so concurrent writers queue instead of failing.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from ....ports import StaleVersion

M = TypeVar("M", bound=BaseModel)


def doc(model: BaseModel) -> str:
    return model.model_dump_json()


def write_versioned(db: sqlite3.Connection, table: str, key_column: str, key: str, version: int, document: str,
                    expected_version: int) -> None:
    """A (key, version, doc) row inserted when `expected_version` is 0, else updated only at that version;
    StaleVersion when another writer got there first. Call inside the write lock."""
    if expected_version == 0:
        written = db.execute(f"INSERT OR IGNORE INTO {table} VALUES (?, ?, ?)", (key, version, document)).rowcount  # noqa: S608
    else:
        written = db.execute(f"UPDATE {table} SET version = ?, doc = ? WHERE {key_column} = ? AND version = ?",  # noqa: S608
                             (version, document, key, expected_version)).rowcount
    if written != 1:
        raise StaleVersion(key)


def stamp(at: dt.datetime) -> str:
    """A fixed-width UTC time, so string order is time order."""
    return at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def token(values: tuple[Any, ...]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def untoken(page_token: str, size: int = 2) -> tuple[str, ...]:
    """The sort key a `token` carried (`size` values); ValueError for anything a client made up."""
    try:
        values = json.loads(base64.urlsafe_b64decode(page_token.encode()))
    except (ValueError, TypeError, RecursionError):
        raise ValueError("page_token 无效") from None
    if not (isinstance(values, list) and len(values) == size and all(isinstance(v, str) for v in values)):
        raise ValueError("page_token 无效")
    return tuple(values)


def like_escaped(text: str) -> str:
    """`text` with LIKE's wildcards escaped (for `LIKE ? ESCAPE '\\'`)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqliteBase:
    def __init__(self, path: str | Path):
        self.path = str(path)
        self._local = threading.local()

    @property
    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
        return db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _one(self, sql: str, *args: Any) -> Any:
        row = self._db.execute(sql, args).fetchone()
        return row[0] if row else None

    def _load(self, model: type[M], sql: str, *args: Any) -> M | None:
        """The one document `sql` selects, as `model`; None if there is none."""
        found = self._one(sql, *args)
        return model.model_validate_json(found) if found else None
