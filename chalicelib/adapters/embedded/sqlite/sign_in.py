"""The sign-in guard of each name tried (domain/sign_in.py), on SQLite."""
from __future__ import annotations

from ....domain.sign_in import SignInGuard
from ....ports import SignInStore, StaleVersion
from .base import SqliteBase, doc

SCHEMA = """
CREATE TABLE IF NOT EXISTS sign_in_guards (key TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL);
"""


class SqliteSignIn(SqliteBase, SignInStore):
    def get_sign_in_guard(self, key: str) -> SignInGuard | None:
        return self._load(SignInGuard, "SELECT doc FROM sign_in_guards WHERE key = ?", key)

    def save_sign_in_guard(self, guard: SignInGuard, *, expected_version: int) -> None:
        with self._write() as db:
            if expected_version == 0:
                written = db.execute("INSERT OR IGNORE INTO sign_in_guards VALUES (?, ?, ?)",
                                     (guard.key, guard.version, doc(guard))).rowcount
            else:
                written = db.execute("UPDATE sign_in_guards SET version = ?, doc = ? WHERE key = ? AND version = ?",
                                     (guard.version, doc(guard), guard.key, expected_version)).rowcount
            if written != 1:
                raise StaleVersion(guard.key)
