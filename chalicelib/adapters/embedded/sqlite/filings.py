"""Filings, the uploads whose rows they count, and the named sequences, on SQLite."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from ....domain import stats
from ....domain.filing import Filing, Status
from ....domain.model import AuditEvent, Job, Message, Upload
from ....ports import AlreadyExists, FilingStore, Page, StaleVersion
from .base import SqliteBase, doc, like_escaped, token, untoken
from .jobs import put_jobs
from .outbox import queue_messages, write_audit
from .owing import count, record_annual_filing

SCHEMA = """
CREATE TABLE IF NOT EXISTS filings (
    id TEXT PRIMARY KEY, uscc TEXT NOT NULL, year INTEGER NOT NULL, kind TEXT NOT NULL,
    authority_code TEXT NOT NULL, status TEXT NOT NULL, version INTEGER NOT NULL,
    queue_key TEXT NOT NULL, doc TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS one_annual_per_year ON filings (uscc, year) WHERE kind = 'annual';
CREATE INDEX IF NOT EXISTS filings_by_unit ON filings (uscc, year);
CREATE INDEX IF NOT EXISTS filings_queue ON filings (authority_code, queue_key, id);
CREATE INDEX IF NOT EXISTS filings_all ON filings (queue_key, id);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS uploads (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
"""
RECEIPT_SCHEMA = """
CREATE INDEX IF NOT EXISTS filings_by_receipt ON filings (json_extract(doc, '$.receipt_no'));
"""


def queue_key(filing: Filing) -> str:
    """Oldest submission first; filings never submitted sort after, by creation."""
    if filing.submitted_at:
        return "0" + filing.submitted_at.isoformat()
    return "1" + filing.created_at.isoformat()


def _filing_values(f: Filing) -> tuple[Any, ...]:
    return (f.uscc, f.year, f.kind, f.authority_code, f.status.value, f.version, queue_key(f), doc(f))


def _filing_filter(authority_codes: list[str] | None, *, status: str | None = None, year: int | None = None,
                   unit_type: str | None = None, search: str | None = None,
                   kind: str | None = None) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if authority_codes is not None:
        where.append(f"authority_code IN ({','.join('?' * len(authority_codes))})")
        args += authority_codes
    if status:
        where.append("status = ?")
        args.append(status)
    if year:
        where.append("year = ?")
        args.append(year)
    if unit_type:
        where.append("json_extract(doc, '$.unit_type') = ?")
        args.append(unit_type)
    if kind:
        where.append("json_extract(doc, '$.kind') = ?")
        args.append(kind)
    if search:
        where.append("(uscc LIKE ? ESCAPE '\\' OR json_extract(doc, '$.unit_name') LIKE ? ESCAPE '\\')")
        like = like_escaped(search)
        args += [like + "%", "%" + like + "%"]
    return where, args


def _update_filing(db: sqlite3.Connection, filing: Filing, expected_version: int) -> None:
    """Write `filing` at `expected_version` (else StaleVersion), moving the counters and, for an annual filing,
    the owing index with it."""
    previous = db.execute("SELECT doc FROM filings WHERE id = ? AND version = ?",
                          (filing.id, expected_version)).fetchone()
    cur = db.execute(
        "UPDATE filings SET uscc=?, year=?, kind=?, authority_code=?, status=?, version=?, queue_key=?, doc=?"
        " WHERE id = ? AND version = ?", (*_filing_values(filing), filing.id, expected_version))
    if cur.rowcount != 1:
        raise StaleVersion(filing.id)
    count(db, stats.filing_deltas(filing, Filing.model_validate_json(previous[0])))
    if filing.kind == "annual":
        record_annual_filing(db, filing)


def _write_together(db: sqlite3.Connection, together: Iterable[tuple[Filing, int]]) -> None:
    for other, version in together:
        _update_filing(db, other, version)


class SqliteFilings(SqliteBase, FilingStore):
    def create_filing(self, filing: Filing, *, audit: AuditEvent, together: Iterable[tuple[Filing, int]] = ()) -> None:
        try:
            with self._write() as db:
                db.execute("INSERT INTO filings (id, uscc, year, kind, authority_code, status, version, queue_key, doc)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (filing.id, *_filing_values(filing)))
                _write_together(db, together)
                write_audit(db, audit)
        except sqlite3.IntegrityError:
            raise AlreadyExists(f"{filing.uscc}/{filing.year}") from None

    def get_filing(self, filing_id: str) -> Filing | None:
        return self._load(Filing, "SELECT doc FROM filings WHERE id = ?", filing_id)

    def filing_of_receipt(self, receipt_no: str) -> Filing | None:
        return self._load(Filing, "SELECT doc FROM filings WHERE json_extract(doc, '$.receipt_no') = ?", receipt_no)

    def save_filing(self, filing: Filing, *, expected_version: int, audit: AuditEvent | None = None,
                    messages: Iterable[Message] = (), jobs: Iterable[Job] = (),
                    together: Iterable[tuple[Filing, int]] = ()) -> None:
        with self._write() as db:
            _update_filing(db, filing, expected_version)
            _write_together(db, together)
            if audit:
                write_audit(db, audit)
            queue_messages(db, messages)
            put_jobs(db, jobs)

    def delete_filing(self, filing: Filing, *, expected_version: int, audit: AuditEvent,
                      together: Iterable[tuple[Filing, int]] = ()) -> None:
        with self._write() as db:
            if db.execute("DELETE FROM filings WHERE id = ? AND version = ?",
                          (filing.id, expected_version)).rowcount != 1:
                raise StaleVersion(filing.id)
            if filing.kind == "annual":  # the year is owed as if no filing had been started
                db.execute("UPDATE owes SET owing = 1, filing_status = NULL WHERE uscc = ? AND year = ?",
                           (filing.uscc, filing.year))
            _write_together(db, together)
            write_audit(db, audit)

    def list_unit_filings(self, uscc: str) -> list[Filing]:
        rows = self._db.execute("SELECT doc FROM filings WHERE uscc = ? ORDER BY year DESC, kind, queue_key",
                                (uscc,)).fetchall()
        return [Filing.model_validate_json(r[0]) for r in rows]

    def count_authority_filings(self, authority_codes: list[str] | None, *, year: int | None = None) -> dict[str, int]:
        where, args = _filing_filter(authority_codes, year=year)
        sql = "SELECT status, COUNT(*) FROM filings" + (" WHERE " + " AND ".join(where) if where else "")
        counts = dict(self._db.execute(sql + " GROUP BY status", args).fetchall())
        return {s.value: counts.get(s.value, 0) for s in Status}

    def list_authority_filings(self, authority_codes: list[str] | None, *, status: str | None = None,
                               year: int | None = None, unit_type: str | None = None, search: str | None = None,
                               kind: str | None = None, limit: int = 50, page_token: str | None = None) -> Page[Filing]:
        where, args = _filing_filter(authority_codes, status=status, year=year, unit_type=unit_type, search=search,
                                     kind=kind)
        if page_token:
            where.append("(queue_key, id) > (?, ?)")
            args += untoken(page_token)
        sql = "SELECT queue_key, id, doc FROM filings"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._db.execute(sql + " ORDER BY queue_key, id LIMIT ?", (*args, limit + 1)).fetchall()
        items = [Filing.model_validate_json(r[2]) for r in rows[:limit]]
        more = len(rows) > limit
        return Page(items, token((rows[limit - 1][0], rows[limit - 1][1])) if more else None)

    def next_sequence(self, name: str, by: int = 1) -> int:
        with self._write() as db:
            db.execute("INSERT INTO counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + ?",
                       (name, by, by))
            return db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0]

    # uploads
    def put_upload(self, upload: Upload) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO uploads VALUES (?, ?)", (upload.id, doc(upload)))

    def get_upload(self, upload_id: str) -> Upload | None:
        return self._load(Upload, "SELECT doc FROM uploads WHERE id = ?", upload_id)

    def list_uploads(self, filing_id: str) -> list[Upload]:
        # a handful per filing, read when a draft is deleted: a scan of the uploads is fine here
        rows = self._db.execute("SELECT doc FROM uploads WHERE json_extract(doc, '$.filing_id') = ?",
                                (filing_id,)).fetchall()
        return [Upload.model_validate_json(r[0]) for r in rows]

    def delete_upload(self, upload_id: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM uploads WHERE id = ?", (upload_id,))
