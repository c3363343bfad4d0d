"""The people of a unit and their SMS verification codes, on SQLite."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ....domain.model import Account, AuditEvent, Message, Unit
from ....domain.verification import VerificationCode
from ....ports import AlreadyExists, PeopleStore, StaleVersion
from .base import SqliteBase, doc
from .outbox import queue_messages, write_audit
from .units import _insert_account, _update_account

SCHEMA = """
CREATE TABLE IF NOT EXISTS verification_codes (key TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL);
"""


def _change_unit_contact(db: sqlite3.Connection, uscc: str, fields: dict[str, str]) -> None:
    found = db.execute("SELECT doc FROM units WHERE uscc = ?", (uscc,)).fetchone()
    if found is None:
        raise StaleVersion(uscc)
    unit = Unit.model_validate_json(found[0])
    changed = unit.model_copy(update={**fields, "version": unit.version + 1})  # a new version (docs/rules.md §11)
    db.execute("UPDATE units SET doc = ? WHERE uscc = ?", (doc(changed), uscc))  # under the write lock


class SqlitePeople(SqliteBase, PeopleStore):
    def get_code(self, key: str) -> VerificationCode | None:
        return self._load(VerificationCode, "SELECT doc FROM verification_codes WHERE key = ?", key)

    def save_code(self, code: VerificationCode, *, expected_version: int | None,
                  messages: Iterable[Message] = ()) -> None:
        with self._write() as db:
            if expected_version is None:
                try:
                    db.execute("INSERT INTO verification_codes VALUES (?, ?, ?)", (code.key, code.version, doc(code)))
                except sqlite3.IntegrityError:
                    raise AlreadyExists(code.key) from None
            elif db.execute("UPDATE verification_codes SET version = ?, doc = ? WHERE key = ? AND version = ?",
                            (code.version, doc(code), code.key, expected_version)).rowcount != 1:
                raise StaleVersion(code.key)
            queue_messages(db, messages)

    def save_people(self, accounts: Iterable[tuple[Account, int | None]], *, audit: AuditEvent,
                    messages: Iterable[Message] = (), unit_contact: tuple[str, dict[str, str]] | None = None) -> None:
        with self._write() as db:
            for account, expected in accounts:
                if expected is None:
                    _insert_account(db, account)
                else:
                    _update_account(db, account, expected)
            if unit_contact is not None:
                _change_unit_contact(db, *unit_contact)
            write_audit(db, audit)
            queue_messages(db, messages)
