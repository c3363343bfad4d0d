"""Store on SQLite (WAL): the embedded backend's records, outbox and audit log.

Each entity is a JSON document plus the columns its look-ups need. One connection per thread;
writes take the lock up front (BEGIN IMMEDIATE) so concurrent writers queue instead of failing.
"""
from __future__ import annotations

import base64
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ...domain.filing import Filing
from ...domain.model import Account, AuditEvent, Message, Unit, Upload
from ...ports import AlreadyExists, Page, StaleVersion

SCHEMA = """
CREATE TABLE IF NOT EXISTS units (uscc TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (username TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS accounts_by_scope ON accounts (json_extract(doc, '$.scope'));
CREATE TABLE IF NOT EXISTS filings (
    id TEXT PRIMARY KEY, uscc TEXT NOT NULL, year INTEGER NOT NULL, kind TEXT NOT NULL,
    authority_code TEXT NOT NULL, status TEXT NOT NULL, version INTEGER NOT NULL,
    queue_key TEXT NOT NULL, doc TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS one_annual_per_year ON filings (uscc, year) WHERE kind = 'annual';
CREATE INDEX IF NOT EXISTS filings_by_unit ON filings (uscc, year);
CREATE INDEX IF NOT EXISTS filings_queue ON filings (authority_code, queue_key, id);
CREATE INDEX IF NOT EXISTS filings_all ON filings (queue_key, id);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rows (upload_id TEXT NOT NULL, n INTEGER NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (upload_id, n)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at TEXT NOT NULL,
    doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (status, created_at);
CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
    doc TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"""


def queue_key(filing: Filing) -> str:
    """Oldest submission first; filings never submitted sort after, by creation."""
    if filing.submitted_at:
        return "0" + filing.submitted_at.isoformat()
    return "1" + filing.created_at.isoformat()


def _doc(model) -> str:
    return model.model_dump_json()


def _token(values: tuple) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def _untoken(token: str) -> tuple:
    try:
        values = json.loads(base64.urlsafe_b64decode(token.encode()))
        return tuple(str(v) for v in values)
    except (ValueError, TypeError):
        raise ValueError("page_token 无效") from None


class SqliteStore:
    def __init__(self, path: str | Path):
        self.path = str(path)
        self._local = threading.local()
        self._db.executescript(SCHEMA)  # executescript manages its own transaction

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
    def _write(self):
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _one(self, sql: str, *args):
        row = self._db.execute(sql, args).fetchone()
        return row[0] if row else None

    # units and accounts
    def create_unit(self, unit: Unit, filer: Account) -> None:
        try:
            with self._write() as db:
                db.execute("INSERT INTO units VALUES (?, ?)", (unit.uscc, _doc(unit)))
                db.execute("INSERT INTO accounts VALUES (?, ?)", (filer.username, _doc(filer)))
        except sqlite3.IntegrityError:
            raise AlreadyExists(unit.uscc) from None

    def get_unit(self, uscc: str) -> Unit | None:
        doc = self._one("SELECT doc FROM units WHERE uscc = ?", uscc)
        return Unit.model_validate_json(doc) if doc else None

    def put_account(self, account: Account) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO accounts VALUES (?, ?)", (account.username, _doc(account)))

    def get_account(self, username: str) -> Account | None:
        doc = self._one("SELECT doc FROM accounts WHERE username = ?", username)
        return Account.model_validate_json(doc) if doc else None

    def list_accounts(self, scope: str) -> list[Account]:
        rows = self._db.execute("SELECT doc FROM accounts WHERE json_extract(doc, '$.scope') = ?"
                                " ORDER BY username", (scope,)).fetchall()
        return [Account.model_validate_json(r[0]) for r in rows]

    # filings
    def _filing_values(self, f: Filing) -> tuple:
        return (f.uscc, f.year, f.kind, f.authority_code, f.status.value, f.version, queue_key(f), _doc(f))

    def create_filing(self, filing: Filing, *, audit: AuditEvent) -> None:
        try:
            with self._write() as db:
                db.execute("INSERT INTO filings (id, uscc, year, kind, authority_code, status, version, queue_key, doc)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (filing.id, *self._filing_values(filing)))
                self._audit(db, audit)
        except sqlite3.IntegrityError:
            raise AlreadyExists(f"{filing.uscc}/{filing.year}") from None

    def get_filing(self, filing_id: str) -> Filing | None:
        doc = self._one("SELECT doc FROM filings WHERE id = ?", filing_id)
        return Filing.model_validate_json(doc) if doc else None

    def save_filing(self, filing: Filing, *, expected_version: int, audit: AuditEvent | None = None,
                    messages: Iterable[Message] = ()) -> None:
        with self._write() as db:
            cur = db.execute(
                "UPDATE filings SET uscc=?, year=?, kind=?, authority_code=?, status=?, version=?, queue_key=?, doc=?"
                " WHERE id = ? AND version = ?", (*self._filing_values(filing), filing.id, expected_version))
            if cur.rowcount != 1:
                raise StaleVersion(filing.id)
            if audit:
                self._audit(db, audit)
            for m in messages:
                db.execute("INSERT INTO outbox VALUES (?, ?, ?, ?)", (m.id, m.status, m.created_at.isoformat(), _doc(m)))

    def list_unit_filings(self, uscc: str) -> list[Filing]:
        rows = self._db.execute("SELECT doc FROM filings WHERE uscc = ? ORDER BY year DESC, kind, queue_key",
                                (uscc,)).fetchall()
        return [Filing.model_validate_json(r[0]) for r in rows]

    def list_authority_filings(self, authority_codes: list[str] | None, *, status: str | None = None,
                               year: int | None = None, limit: int = 50, page_token: str | None = None) -> Page:
        where, args = [], []
        if authority_codes is not None:
            where.append(f"authority_code IN ({','.join('?' * len(authority_codes))})")
            args += authority_codes
        if status:
            where.append("status = ?")
            args.append(status)
        if year:
            where.append("year = ?")
            args.append(year)
        if page_token:
            where.append("(queue_key, id) > (?, ?)")
            args += _untoken(page_token)
        sql = "SELECT queue_key, id, doc FROM filings"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._db.execute(sql + " ORDER BY queue_key, id LIMIT ?", (*args, limit + 1)).fetchall()
        items = [Filing.model_validate_json(r[2]) for r in rows[:limit]]
        more = len(rows) > limit
        return Page(items, _token((rows[limit - 1][0], rows[limit - 1][1])) if more else None)

    def next_sequence(self, name: str) -> int:
        with self._write() as db:
            db.execute("INSERT INTO counters VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
                       (name,))
            return db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0]

    # rows
    def put_rows(self, upload_id: str, start: int, rows: list[dict]) -> None:
        with self._write() as db:
            db.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?, ?)",
                           ((upload_id, start + i, json.dumps(r, ensure_ascii=False)) for i, r in enumerate(rows)))

    def get_rows(self, upload_id: str, *, offset: int = 0, limit: int = 50) -> list[dict]:
        rows = self._db.execute("SELECT doc FROM rows WHERE upload_id = ? AND n >= ? ORDER BY n LIMIT ?",
                                (upload_id, offset, limit)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def iter_rows(self, upload_id: str) -> Iterator[dict]:
        for (doc,) in self._db.execute("SELECT doc FROM rows WHERE upload_id = ? ORDER BY n", (upload_id,)):
            yield json.loads(doc)

    def delete_rows(self, upload_id: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM rows WHERE upload_id = ?", (upload_id,))

    # uploads
    def put_upload(self, upload: Upload) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO uploads VALUES (?, ?)", (upload.id, _doc(upload)))

    def get_upload(self, upload_id: str) -> Upload | None:
        doc = self._one("SELECT doc FROM uploads WHERE id = ?", upload_id)
        return Upload.model_validate_json(doc) if doc else None

    # outbox and audit
    def pending_messages(self, limit: int = 100) -> list[Message]:
        rows = self._db.execute("SELECT doc FROM outbox WHERE status = 'pending' ORDER BY created_at LIMIT ?",
                                (limit,)).fetchall()
        return [Message.model_validate_json(r[0]) for r in rows]

    def mark_message(self, message: Message) -> None:
        with self._write() as db:
            db.execute("UPDATE outbox SET status = ?, doc = ? WHERE id = ?", (message.status, _doc(message), message.id))

    def list_messages(self, limit: int = 100) -> list[Message]:
        rows = self._db.execute("SELECT doc FROM outbox ORDER BY created_at DESC, id LIMIT ?", (limit,)).fetchall()
        return [Message.model_validate_json(r[0]) for r in rows]

    @staticmethod
    def _audit(db: sqlite3.Connection, event: AuditEvent) -> None:
        db.execute("INSERT INTO audit (id, doc) VALUES (?, ?)", (event.id, _doc(event)))

    def append_audit(self, event: AuditEvent) -> None:
        with self._write() as db:
            self._audit(db, event)

    def list_audit(self, limit: int = 100) -> list[AuditEvent]:
        rows = self._db.execute("SELECT doc FROM audit ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
        return [AuditEvent.model_validate_json(r[0]) for r in rows]
