"""The outbox of messages to send and the append-only audit log, on SQLite.

Other aggregates write audit events and messages in their own transactions through write_audit and
queue_messages."""
from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Mapping

from ....domain import notifications
from ....domain.model import AuditEvent, Message
from ....ports import OutboxStore
from .base import SqliteBase, doc

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at TEXT NOT NULL,
    doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (status, created_at);
CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
    doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_by_scope ON audit (json_extract(doc, '$.scope'), seq);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"""
# the bulk lane (domain/notifications.py) sorts after the priority lane; the index and the query share the expression
BULK_LAST = f"(json_extract(doc, '$.kind') IN ({', '.join(repr(k.value) for k in sorted(notifications.BULK))}))"
LANES = f"CREATE INDEX IF NOT EXISTS outbox_lanes ON outbox (status, {BULK_LAST}, created_at);"
DELIVERY_COUNTS = """
CREATE TABLE IF NOT EXISTS delivery_counts (day TEXT NOT NULL, channel TEXT NOT NULL, authority_code TEXT NOT NULL,
    outcome TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (day, channel, authority_code, outcome)) WITHOUT ROWID;
"""


def write_audit(db: sqlite3.Connection, event: AuditEvent) -> None:
    db.execute("INSERT INTO audit (id, doc) VALUES (?, ?)", (event.id, doc(event)))


def queue_messages(db: sqlite3.Connection, messages: Iterable[Message]) -> None:
    db.executemany("INSERT INTO outbox (id, status, created_at, doc) VALUES (?, ?, ?, ?)",
                   [(m.id, m.status, m.created_at.isoformat(), doc(m)) for m in messages])


class SqliteOutbox(SqliteBase, OutboxStore):
    def pending_messages(self, limit: int = 100) -> list[Message]:
        rows = self._db.execute(f"SELECT doc FROM outbox WHERE status = 'pending' ORDER BY {BULK_LAST}, created_at"
                                " LIMIT ?", (limit,)).fetchall()
        return [Message.model_validate_json(r[0]) for r in rows]

    def mark_message(self, message: Message) -> None:
        with self._write() as db:
            db.execute("UPDATE outbox SET status = ?, doc = ? WHERE id = ?", (message.status, doc(message), message.id))

    def count_deliveries(self, day: dt.date, deltas: Mapping[tuple[str, str, str], int]) -> None:
        with self._write() as db:
            db.executemany("INSERT INTO delivery_counts VALUES (?, ?, ?, ?, ?) ON CONFLICT"
                           " (day, channel, authority_code, outcome) DO UPDATE SET n = n + excluded.n",
                           [(day.isoformat(), *key, n) for key, n in deltas.items()])

    def delivery_counts(self, day: dt.date) -> dict[tuple[str, str, str], int]:
        return {(channel, authority, outcome): n for channel, authority, outcome, n in self._db.execute(
            "SELECT channel, authority_code, outcome, n FROM delivery_counts WHERE day = ?", (day.isoformat(),))}

    def list_messages(self, limit: int = 100) -> list[Message]:
        rows = self._db.execute("SELECT doc FROM outbox ORDER BY created_at DESC, id LIMIT ?", (limit,)).fetchall()
        return [Message.model_validate_json(r[0]) for r in rows]

    def append_audit(self, event: AuditEvent) -> None:
        with self._write() as db:
            write_audit(db, event)

    def list_audit(self, limit: int = 100, scopes: list[str] | None = None) -> list[AuditEvent]:
        if scopes is None:
            rows = self._db.execute("SELECT doc FROM audit ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
        else:
            rows = self._db.execute(
                f"SELECT doc FROM audit WHERE json_extract(doc, '$.scope') IN ({','.join('?' * len(scopes))})"
                " ORDER BY seq DESC LIMIT ?", (*scopes, limit)).fetchall()
        return [AuditEvent.model_validate_json(r[0]) for r in rows]
