"""The enforcement follow-up of overdue units (docs/rules.md §15), on SQLite: one row per unit and year, its
stage in a column for the list's filter by step."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from ....domain.enforcement import Enforcement, Stage
from ....domain.model import AuditEvent, Message
from ....ports import AlreadyExists, EnforcementStore, Page, StaleVersion
from .base import SqliteBase, doc, token, untoken
from .outbox import queue_messages, write_audit

SCHEMA = """
CREATE TABLE IF NOT EXISTS enforcement (uscc TEXT NOT NULL, year INTEGER NOT NULL, authority_code TEXT NOT NULL,
    stage TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (uscc, year)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS enforcement_by_stage ON enforcement (year, stage, authority_code, uscc);
"""


class SqliteEnforcement(SqliteBase, EnforcementStore):
    def get_enforcement(self, uscc: str, year: int) -> Enforcement | None:
        return self._load(Enforcement, "SELECT doc FROM enforcement WHERE uscc = ? AND year = ?", uscc, year)

    def enforcements_of(self, year: int, usccs: Iterable[str]) -> dict[str, Enforcement]:
        rows = self._db.execute("SELECT doc FROM enforcement WHERE year = ? AND uscc IN (SELECT value FROM json_each(?))",
                                (year, json.dumps(list(usccs)))).fetchall()
        return {e.uscc: e for e in (Enforcement.model_validate_json(r[0]) for r in rows)}

    def list_enforcements(self, year: int, stage: Stage, authority_codes: list[str] | None = None, *,
                          limit: int = 500, page_token: str | None = None) -> Page[Enforcement]:
        where, args = ["year = ?", "stage = ?"], [year, stage.value]
        if authority_codes is not None:
            where.append("authority_code IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(authority_codes))
        if page_token:
            where.append("(authority_code, uscc) > (?, ?)")
            args += untoken(page_token)
        rows = self._db.execute(f"SELECT authority_code, uscc, doc FROM enforcement WHERE {' AND '.join(where)}"  # noqa: S608
                                " ORDER BY authority_code, uscc LIMIT ?", (*args, limit + 1)).fetchall()
        page = rows[:limit]
        return Page([Enforcement.model_validate_json(r[2]) for r in page],
                    token(page[-1][:2]) if len(rows) > limit else None)

    def save_enforcement(self, record: Enforcement, *, expected_version: int | None, audit: AuditEvent,
                         messages: Iterable[Message] = ()) -> None:
        values: tuple[Any, ...] = (record.authority_code, record.stage.value, record.version, doc(record))
        with self._write() as db:
            if expected_version is None:
                try:
                    db.execute("INSERT INTO enforcement VALUES (?, ?, ?, ?, ?, ?)", (record.uscc, record.year, *values))
                except sqlite3.IntegrityError:
                    raise AlreadyExists(f"{record.uscc}/{record.year}") from None
            elif db.execute("UPDATE enforcement SET authority_code = ?, stage = ?, version = ?, doc = ?"
                            " WHERE uscc = ? AND year = ? AND version = ?",
                            (*values, record.uscc, record.year, expected_version)).rowcount != 1:
                raise StaleVersion(f"{record.uscc}/{record.year}")
            write_audit(db, audit)
            queue_messages(db, messages)
