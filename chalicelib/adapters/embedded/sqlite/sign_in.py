"""The sign-in guard of each name tried (domain/sign_in.py), on SQLite."""
from __future__ import annotations

from ....domain.sign_in import SignInGuard
from ....ports import SignInStore
from .base import SqliteBase, doc, write_versioned

SCHEMA = """
CREATE TABLE IF NOT EXISTS sign_in_guards (key TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL);
"""


class SqliteSignIn(SqliteBase, SignInStore):
    def get_sign_in_guard(self, key: str) -> SignInGuard | None:
        return self._load(SignInGuard, "SELECT doc FROM sign_in_guards WHERE key = ?", key)

    def save_sign_in_guard(self, guard: SignInGuard, *, expected_version: int) -> None:
        with self._write() as db:
            write_versioned(db, "sign_in_guards", "key", guard.key, guard.version, doc(guard), expected_version)
