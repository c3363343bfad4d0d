"""The outbox of messages to send and the append-only audit log, on SQLite.

Other aggregates write audit events and messages in their own transactions through write_audit and
queue_messages."""
from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Mapping

from ....domain import notifications
from ....domain.audit import AuditFilter
from ....domain.model import AuditEvent, Message
from ....ports import OutboxStore
from .base import SqliteBase, doc, stamp, token, untoken

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


# step 7: the event's time as a fixed-width UTC stamp (string order is time order), and the listing's indexes:
# by time, by division, account or target and time (docs/rules.md §10, "Audit log")
LISTING_SCHEMA = """
CREATE INDEX IF NOT EXISTS audit_by_at ON audit (at, seq);
CREATE INDEX IF NOT EXISTS audit_by_scope_at ON audit (json_extract(doc, '$.scope'), at, seq);
CREATE INDEX IF NOT EXISTS audit_by_actor_at ON audit (json_extract(doc, '$.actor'), at, seq);
CREATE INDEX IF NOT EXISTS audit_by_target_at ON audit (json_extract(doc, '$.target'), at, seq);
"""


def add_audit_time(db: sqlite3.Connection) -> None:
    """Migration step 7: the `at` column, filled in for the events already written (the append-only trigger
    is lifted for this one backfill and put back in the same transaction)."""
    db.execute("ALTER TABLE audit ADD COLUMN at TEXT")
    db.execute("DROP TRIGGER audit_no_update")
    db.executemany("UPDATE audit SET at = ? WHERE seq = ?",
                   [(stamp(AuditEvent.model_validate_json(d).at), seq)
                    for seq, d in db.execute("SELECT seq, doc FROM audit").fetchall()])
    for statement in ("CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
                      " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END", *LISTING_SCHEMA.split(";")):
        if statement.strip():
            db.execute(statement)


def write_audit(db: sqlite3.Connection, event: AuditEvent) -> None:
    db.execute("INSERT INTO audit (id, at, doc) VALUES (?, ?, ?)", (event.id, stamp(event.at), doc(event)))


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

    def audit_page(self, query: AuditFilter, *, size: int, page_token: str | None = None
                   ) -> tuple[list[AuditEvent], str | None]:
        where, args = ["1"], []
        if query.scopes is not None:
            where.append(f"json_extract(doc, '$.scope') IN ({','.join('?' * len(query.scopes))})")
            args += query.scopes
        for field in ("actor", "action", "target"):
            if getattr(query, field) is not None:
                where.append(f"json_extract(doc, '$.{field}') = ?")
                args.append(getattr(query, field))
        if query.since:
            where.append("at >= ?")
            args.append(stamp(query.since))
        if query.until:
            where.append("at < ?")
            args.append(stamp(query.until))
        if page_token:
            at, seq = untoken(page_token)
            where.append("(at, seq) < (?, ?)")
            args += [at, int(seq) if seq.isdigit() else 0]
        rows = self._db.execute(f"SELECT at, seq, doc FROM audit WHERE {' AND '.join(where)}"
                                " ORDER BY at DESC, seq DESC LIMIT ?", (*args, size + 1)).fetchall()
        more = len(rows) > size
        return ([AuditEvent.model_validate_json(r[2]) for r in rows[:size]],
                token((rows[size - 1][0], str(rows[size - 1][1]))) if more else None)
