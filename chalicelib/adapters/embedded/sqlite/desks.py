"""Review desks (domain/desk.py: who holds a filing, internal notes), on SQLite: one row per filing."""
from __future__ import annotations

import json
from collections.abc import Iterable

from ....domain.desk import Desk
from ....domain.model import AuditEvent
from ....ports import DeskStore
from .base import SqliteBase, doc, write_versioned
from .outbox import write_audit

SCHEMA = """
CREATE TABLE IF NOT EXISTS desks (filing_id TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL);
"""


class SqliteDesks(SqliteBase, DeskStore):
    def get_desk(self, filing_id: str) -> Desk | None:
        return self._load(Desk, "SELECT doc FROM desks WHERE filing_id = ?", filing_id)

    def desks_of(self, filing_ids: Iterable[str]) -> dict[str, Desk]:
        rows = self._db.execute("SELECT doc FROM desks WHERE filing_id IN (SELECT value FROM json_each(?))",
                                (json.dumps(list(filing_ids)),)).fetchall()
        return {d.filing_id: d for d in (Desk.model_validate_json(r[0]) for r in rows)}

    def save_desk(self, desk: Desk, *, expected_version: int, audit: AuditEvent) -> None:
        with self._write() as db:
            write_versioned(db, "desks", "filing_id", desk.filing_id, desk.version, doc(desk), expected_version)
            write_audit(db, audit)
