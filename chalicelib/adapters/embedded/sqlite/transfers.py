"""Transfers of units between authorities (变更审核机关), on SQLite.

A partial unique index keeps one open request per unit. Accepting (or the province's direct transfer) moves the
unit in the transfer's transaction: the unit's authority, its drafts, the years it owes that no reviewer holds a
filing of, and the counters (domain/transfers.py says what moves).
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from ....domain import transfers
from ....domain.filing import Filing
from ....domain.model import AuditEvent, Message, Unit
from ....domain.transfers import Transfer
from ....ports import AlreadyExists, StaleVersion, TransferStore
from .base import SqliteBase, doc
from .outbox import queue_messages, write_audit
from .owing import count

SCHEMA = """
CREATE TABLE IF NOT EXISTS transfers (id TEXT PRIMARY KEY, uscc TEXT NOT NULL, from_code TEXT NOT NULL,
    to_code TEXT NOT NULL, status TEXT NOT NULL, version INTEGER NOT NULL, asked_at TEXT NOT NULL, doc TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS transfers_one_open ON transfers (uscc) WHERE status = 'requested';
CREATE INDEX IF NOT EXISTS transfers_by_unit ON transfers (uscc, asked_at);
CREATE INDEX IF NOT EXISTS transfers_to ON transfers (to_code, asked_at);
CREATE INDEX IF NOT EXISTS transfers_from ON transfers (from_code, asked_at);
"""


def _values(t: Transfer) -> tuple[Any, ...]:
    return (t.uscc, t.from_code, t.to_code, t.status.value, t.version, t.asked_at.isoformat(), doc(t))


def _move_unit(db: sqlite3.Connection, transfer: Transfer) -> None:
    """The unit, its drafts, its open years and the counters go to `to_code`; StaleVersion if the unit has moved."""
    found = db.execute("SELECT doc FROM units WHERE uscc = ?", (transfer.uscc,)).fetchone()
    unit = Unit.model_validate_json(found[0]) if found else None
    if unit is None or unit.authority_code != transfer.from_code:
        raise StaleVersion(transfer.uscc)
    db.execute("UPDATE units SET doc = ? WHERE uscc = ?", (doc(transfers.moved_unit(unit, transfer)), unit.uscc))
    for (filing_doc,) in db.execute("SELECT doc FROM filings WHERE uscc = ? AND authority_code = ? AND status = 'draft'",
                                    (unit.uscc, transfer.from_code)).fetchall():
        moved = transfers.moved_filing(Filing.model_validate_json(filing_doc), transfer)
        db.execute("UPDATE filings SET authority_code = ?, version = ?, doc = ? WHERE id = ?",
                   (moved.authority_code, moved.version, doc(moved), moved.id))
    years = [year for year, status in db.execute(
        "SELECT year, filing_status FROM owes WHERE uscc = ? AND owing = 1 AND authority_code = ?",
        (unit.uscc, transfer.from_code)) if transfers.moves_with_unit(status)]
    db.executemany("UPDATE owes SET authority_code = ? WHERE uscc = ? AND year = ?",
                   [(transfer.to_code, unit.uscc, y) for y in years])
    count(db, transfers.counter_moves(transfer, years))


class SqliteTransfers(SqliteBase, TransferStore):
    def create_transfer(self, transfer: Transfer, *, audit: AuditEvent, messages: Iterable[Message] = ()) -> None:
        try:
            with self._write() as db:
                if db.execute("SELECT 1 FROM transfers WHERE uscc = ? AND status = 'requested'",
                              (transfer.uscc,)).fetchone():
                    raise AlreadyExists(transfer.uscc)
                db.execute("INSERT INTO transfers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (transfer.id, *_values(transfer)))
                if transfer.status == transfers.Status.ACCEPTED:
                    _move_unit(db, transfer)
                write_audit(db, audit)
                queue_messages(db, messages)
        except sqlite3.IntegrityError:
            raise AlreadyExists(transfer.uscc) from None

    def get_transfer(self, transfer_id: str) -> Transfer | None:
        return self._load(Transfer, "SELECT doc FROM transfers WHERE id = ?", transfer_id)

    def save_transfer(self, transfer: Transfer, *, expected_version: int, audit: AuditEvent,
                      messages: Iterable[Message] = ()) -> None:
        with self._write() as db:
            cur = db.execute("UPDATE transfers SET uscc=?, from_code=?, to_code=?, status=?, version=?, asked_at=?,"
                             " doc=? WHERE id = ? AND version = ?", (*_values(transfer), transfer.id, expected_version))
            if cur.rowcount != 1:
                raise StaleVersion(transfer.id)
            if transfer.status == transfers.Status.ACCEPTED:
                _move_unit(db, transfer)
            write_audit(db, audit)
            queue_messages(db, messages)

    def list_transfers(self, authority_code: str, *, incoming: bool, limit: int = 100) -> list[Transfer]:
        column = "to_code" if incoming else "from_code"
        return self._transfers(f"{column} = ?", authority_code, limit)

    def list_unit_transfers(self, uscc: str) -> list[Transfer]:
        return self._transfers("uscc = ?", uscc, 100)

    def _transfers(self, where: str, value: str, limit: int) -> list[Transfer]:
        rows = self._db.execute(f"SELECT doc FROM transfers WHERE {where}"  # noqa: S608 (fixed names)
                                " ORDER BY asked_at DESC, id DESC LIMIT ?", (value, limit)).fetchall()
        return [Transfer.model_validate_json(r[0]) for r in rows]
