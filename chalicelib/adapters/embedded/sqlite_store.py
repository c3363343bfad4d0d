"""Store on SQLite (WAL): the embedded backend's records, outbox and audit log.

Each entity is a JSON document plus the columns its look-ups need. One connection per thread;
writes take the lock up front (BEGIN IMMEDIATE) so concurrent writers queue instead of failing.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ...domain.applications import Application
from ...domain.filing import Filing, Status
from ...domain.model import Account, AuditEvent, Message, Unit, Upload
from ...domain import reminders, stats
from ...ports import AlreadyExists, Page, StaleVersion

SCHEMA = """
CREATE TABLE IF NOT EXISTS units (uscc TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (username TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS accounts_by_scope ON accounts (json_extract(doc, '$.scope'));
CREATE INDEX IF NOT EXISTS accounts_by_person ON accounts (json_extract(doc, '$.id_number'));
CREATE TABLE IF NOT EXISTS applications (id TEXT PRIMARY KEY, managing_division TEXT NOT NULL,
    applicant TEXT NOT NULL, applied_at TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS applications_by_division ON applications (managing_division, applied_at);
CREATE INDEX IF NOT EXISTS applications_by_applicant ON applications (applicant, applied_at);
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
CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, at TEXT NOT NULL);
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


# Who still owes an annual filing (domain/reminders.py). `owes` has a row per unit and year it was ever
# expected to file; the partial index lists only the rows still owing, so the daily job and the
# enforcement list read the units that have not filed, not all units. reminders_sent is the claim
# table (one row per unit, year and step) and the reminder history.
OWING_SCHEMA = """
CREATE TABLE IF NOT EXISTS owes (uscc TEXT NOT NULL, year INTEGER NOT NULL, authority_code TEXT NOT NULL,
    owing INTEGER NOT NULL, filing_status TEXT, PRIMARY KEY (uscc, year)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS owes_open ON owes (year, authority_code, uscc) WHERE owing = 1;
CREATE TABLE IF NOT EXISTS reminders_sent (uscc TEXT NOT NULL, year INTEGER NOT NULL, step TEXT NOT NULL,
    at TEXT NOT NULL, PRIMARY KEY (uscc, year, step)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notices_sent (key TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS years_opened (year INTEGER PRIMARY KEY, at TEXT NOT NULL);
"""

# Statistics counters (domain/stats.py), moved in the transaction of the write that changes them.
STATS_SCHEMA = """
CREATE TABLE IF NOT EXISTS stats (year INTEGER NOT NULL, authority_code TEXT NOT NULL, metric TEXT NOT NULL,
    value INTEGER NOT NULL, PRIMARY KEY (year, authority_code, metric)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS person_records (id_number TEXT NOT NULL, filing_id TEXT NOT NULL, tbl TEXT NOT NULL,
    n INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (id_number, filing_id, tbl, n)) WITHOUT ROWID;
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
        self._db.executescript(OWING_SCHEMA)
        self._db.executescript(STATS_SCHEMA)

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
                owed = reminders.years_owed_at_registration(unit.registered_at)
                db.executemany("INSERT OR IGNORE INTO owes VALUES (?, ?, ?, 1, NULL)",
                               [(unit.uscc, y, unit.authority_code) for y in owed])
                self._count(db, stats.unit_deltas(unit.authority_code, owed))
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

    # reviewer-side accounts and their applications
    @staticmethod
    def _insert_account(db: sqlite3.Connection, account: Account) -> None:
        try:
            db.execute("INSERT INTO accounts VALUES (?, ?)", (account.username, _doc(account)))
        except sqlite3.IntegrityError:
            raise AlreadyExists(account.username) from None

    @staticmethod
    def _update_account(db: sqlite3.Connection, account: Account, expected_version: int) -> None:
        cur = db.execute("UPDATE accounts SET doc = ? WHERE username = ?"
                         " AND COALESCE(json_extract(doc, '$.version'), 1) = ?",
                         (_doc(account), account.username, expected_version))
        if cur.rowcount != 1:
            raise StaleVersion(account.username)

    def create_account(self, account: Account, *, audit: AuditEvent) -> None:
        with self._write() as db:
            self._insert_account(db, account)
            self._audit(db, audit)

    def save_account(self, account: Account, *, expected_version: int, audit: AuditEvent | None = None) -> None:
        with self._write() as db:
            self._update_account(db, account, expected_version)
            if audit:
                self._audit(db, audit)

    def accounts_of_person(self, id_number: str) -> list[Account]:
        rows = self._db.execute("SELECT doc FROM accounts WHERE json_extract(doc, '$.id_number') = ?"
                                " ORDER BY username", (id_number,)).fetchall()
        return [Account.model_validate_json(r[0]) for r in rows]

    @staticmethod
    def _application_values(a: Application) -> tuple:
        return (a.managing_division, a.applicant, a.applied_at.isoformat(), a.version, _doc(a))

    def create_application(self, application: Application, *, audit: AuditEvent) -> None:
        try:
            with self._write() as db:
                db.execute("INSERT INTO applications VALUES (?, ?, ?, ?, ?, ?)",
                           (application.id, *self._application_values(application)))
                self._audit(db, audit)
        except sqlite3.IntegrityError:
            raise AlreadyExists(application.id) from None

    def get_application(self, application_id: str) -> Application | None:
        doc = self._one("SELECT doc FROM applications WHERE id = ?", application_id)
        return Application.model_validate_json(doc) if doc else None

    def save_application(self, application: Application, *, expected_version: int, audit: AuditEvent,
                         account: Account | None = None, account_version: int | None = None) -> None:
        with self._write() as db:
            cur = db.execute("UPDATE applications SET managing_division=?, applicant=?, applied_at=?, version=?, doc=?"
                             " WHERE id = ? AND version = ?",
                             (*self._application_values(application), application.id, expected_version))
            if cur.rowcount != 1:
                raise StaleVersion(application.id)
            if account is not None:
                if account_version is None:
                    self._insert_account(db, account)
                else:
                    self._update_account(db, account, account_version)
            self._audit(db, audit)

    def _applications(self, column: str, value: str, limit: int) -> list[Application]:
        rows = self._db.execute(f"SELECT doc FROM applications WHERE {column} = ?"  # noqa: S608 (fixed names)
                                " ORDER BY applied_at DESC, id DESC LIMIT ?", (value, limit)).fetchall()
        return [Application.model_validate_json(r[0]) for r in rows]

    def list_applications(self, managing_division: str, *, limit: int = 200) -> list[Application]:
        return self._applications("managing_division", managing_division, limit)

    def list_own_applications(self, applicant: str, *, limit: int = 200) -> list[Application]:
        return self._applications("applicant", applicant, limit)

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
            previous = db.execute("SELECT status FROM filings WHERE id = ? AND version = ?",
                                  (filing.id, expected_version)).fetchone()
            cur = db.execute(
                "UPDATE filings SET uscc=?, year=?, kind=?, authority_code=?, status=?, version=?, queue_key=?, doc=?"
                " WHERE id = ? AND version = ?", (*self._filing_values(filing), filing.id, expected_version))
            if cur.rowcount != 1:
                raise StaleVersion(filing.id)
            self._count(db, stats.filing_deltas(filing, previous[0]))
            if filing.kind == "annual":  # the unit leaves / rejoins the year's list of units owing it
                db.execute("INSERT INTO owes VALUES (?, ?, ?, ?, ?) ON CONFLICT (uscc, year) DO UPDATE SET"
                           " owing = excluded.owing, filing_status = excluded.filing_status",
                           (filing.uscc, filing.year, filing.authority_code,
                            0 if reminders.counts_as_filed(filing.status) else 1, filing.status.value))
            if audit:
                self._audit(db, audit)
            for m in messages:
                db.execute("INSERT INTO outbox VALUES (?, ?, ?, ?)", (m.id, m.status, m.created_at.isoformat(), _doc(m)))

    def list_unit_filings(self, uscc: str) -> list[Filing]:
        rows = self._db.execute("SELECT doc FROM filings WHERE uscc = ? ORDER BY year DESC, kind, queue_key",
                                (uscc,)).fetchall()
        return [Filing.model_validate_json(r[0]) for r in rows]

    @staticmethod
    def _filing_filter(authority_codes, *, status=None, year=None, unit_type=None, search=None):
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
        if unit_type:
            where.append("json_extract(doc, '$.unit_type') = ?")
            args.append(unit_type)
        if search:
            where.append("(uscc LIKE ? ESCAPE '\\' OR json_extract(doc, '$.unit_name') LIKE ? ESCAPE '\\')")
            like = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            args += [like + "%", "%" + like + "%"]
        return where, args

    def count_authority_filings(self, authority_codes: list[str] | None, *, year: int | None = None) -> dict[str, int]:
        where, args = self._filing_filter(authority_codes, year=year)
        sql = "SELECT status, COUNT(*) FROM filings" + (" WHERE " + " AND ".join(where) if where else "")
        counts = dict(self._db.execute(sql + " GROUP BY status", args).fetchall())
        return {s.value: counts.get(s.value, 0) for s in Status}

    def list_authority_filings(self, authority_codes: list[str] | None, *, status: str | None = None,
                               year: int | None = None, unit_type: str | None = None, search: str | None = None,
                               limit: int = 50, page_token: str | None = None) -> Page:
        where, args = self._filing_filter(authority_codes, status=status, year=year, unit_type=unit_type,
                                          search=search)
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

    def search_rows(self, upload_id: str, text: str, *, limit: int = 50) -> list[dict]:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._db.execute(
            "SELECT doc FROM rows WHERE upload_id = ? AND (json_extract(doc, '$.name') LIKE ? ESCAPE '\\'"
            " OR json_extract(doc, '$.id_number') LIKE ? ESCAPE '\\') ORDER BY n LIMIT ?",
            (upload_id, like, like, limit)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def claim(self, key: str, at) -> None:
        try:
            with self._write() as db:
                db.execute("INSERT INTO claims VALUES (?, ?)", (key, at.isoformat()))
        except sqlite3.IntegrityError:
            raise AlreadyExists(key) from None

    def claimed(self, key: str) -> bool:
        return self._one("SELECT 1 FROM claims WHERE key = ?", key) is not None

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

    def list_audit(self, limit: int = 100, scopes: list[str] | None = None) -> list[AuditEvent]:
        if scopes is None:
            rows = self._db.execute("SELECT doc FROM audit ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
        else:
            rows = self._db.execute(
                f"SELECT doc FROM audit WHERE json_extract(doc, '$.scope') IN ({','.join('?' * len(scopes))})"
                " ORDER BY seq DESC LIMIT ?", (*scopes, limit)).fetchall()
        return [AuditEvent.model_validate_json(r[0]) for r in rows]

    # who still owes an annual filing, and reminders
    def units_owing(self, year: int, authority_codes: list[str] | None = None, *, limit: int = 500,
                    page_token: str | None = None) -> Page:
        where, args = ["owing = 1", "year = ?"], [year]
        if authority_codes is not None:
            where.append("authority_code IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(authority_codes))
        if page_token:
            where.append("(authority_code, uscc) > (?, ?)")
            args += _untoken(page_token)
        rows = self._db.execute(f"SELECT authority_code, uscc, filing_status FROM owes WHERE {' AND '.join(where)}"
                                " ORDER BY authority_code, uscc LIMIT ?", (*args, limit + 1)).fetchall()
        page = rows[:limit]
        sent: dict[str, list] = {}
        for uscc, step, at in self._db.execute(
                "SELECT uscc, step, at FROM reminders_sent WHERE year = ? AND uscc IN (SELECT value FROM json_each(?))"
                " ORDER BY at, step", (year, json.dumps([r[1] for r in page]))):
            sent.setdefault(uscc, []).append(reminders.SentReminder(step, dt.datetime.fromisoformat(at)))
        items = [reminders.Obligation(uscc, year, authority, status, tuple(sent.get(uscc, ())))
                 for authority, uscc, status in page]
        return Page(items, _token(page[-1][:2]) if len(rows) > limit else None)

    def get_units(self, usccs: Iterable[str]) -> dict[str, Unit]:
        rows = self._db.execute("SELECT doc FROM units WHERE uscc IN (SELECT value FROM json_each(?))",
                                (json.dumps(list(usccs)),)).fetchall()
        return {u.uscc: u for u in (Unit.model_validate_json(r[0]) for r in rows)}

    def open_filing_year(self, year: int, at: dt.datetime) -> int:
        with self._write() as db:
            if db.execute("SELECT 1 FROM years_opened WHERE year = ?", (year,)).fetchone():
                return 0
            # units that already have a row (registered owing it, or filed early on 1 January) keep it;
            # the others become `expected` for the year (counted before they are added)
            db.execute("INSERT INTO stats SELECT ?, json_extract(doc, '$.authority_code'), 'expected', COUNT(*)"
                       " FROM units WHERE NOT EXISTS (SELECT 1 FROM owes WHERE owes.uscc = units.uscc AND"
                       " owes.year = ?) GROUP BY 2 ON CONFLICT (year, authority_code, metric)"
                       " DO UPDATE SET value = value + excluded.value", (year, year))
            added = db.execute("INSERT OR IGNORE INTO owes SELECT uscc, ?, json_extract(doc, '$.authority_code'),"
                               " 1, NULL FROM units", (year,)).rowcount
            db.execute("INSERT INTO years_opened VALUES (?, ?)", (year, at.isoformat()))
            return added

    def claim_reminder(self, uscc: str, year: int, step: str, at: dt.datetime, messages: Iterable[Message]) -> bool:
        with self._write() as db:
            if not db.execute("SELECT 1 FROM owes WHERE uscc = ? AND year = ? AND owing = 1", (uscc, year)).fetchone():
                return False
            if db.execute("INSERT OR IGNORE INTO reminders_sent VALUES (?, ?, ?, ?)",
                          (uscc, year, step, at.isoformat())).rowcount == 0:
                return False
            self._queue(db, messages)
            return True

    def claim_notice(self, key: str, at: dt.datetime, messages: Iterable[Message]) -> bool:
        with self._write() as db:
            if db.execute("INSERT OR IGNORE INTO notices_sent VALUES (?, ?)", (key, at.isoformat())).rowcount == 0:
                return False
            self._queue(db, messages)
            return True

    # statistics
    @staticmethod
    def _count(db: sqlite3.Connection, deltas: list[tuple[int, str, str, int]]) -> None:
        db.executemany("INSERT INTO stats VALUES (?, ?, ?, ?) ON CONFLICT (year, authority_code, metric)"
                       " DO UPDATE SET value = value + excluded.value", deltas)

    def put_person_records(self, records: list[dict]) -> None:
        with self._write() as db:
            db.executemany("INSERT OR REPLACE INTO person_records VALUES (?, ?, ?, ?, ?)",
                           [(r["id_number"], r["filing_id"], r["table"], r["n"], json.dumps(r, ensure_ascii=False))
                            for r in records])

    def person_records(self, id_number: str, *, limit: int = 200) -> list[dict]:
        rows = self._db.execute("SELECT doc FROM person_records WHERE id_number = ? ORDER BY filing_id, tbl, n"
                                " LIMIT ?", (id_number, limit)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def stats(self, year: int, authority_codes: list[str] | None = None) -> dict[str, dict[str, int]]:
        where, args = "year = ? AND value != 0", [year]
        if authority_codes is not None:
            where += " AND authority_code IN (SELECT value FROM json_each(?))"
            args.append(json.dumps(authority_codes))
        out: dict[str, dict[str, int]] = {}
        for authority, metric, value in self._db.execute(
                f"SELECT authority_code, metric, value FROM stats WHERE {where}", args):  # noqa: S608
            out.setdefault(authority, {})[metric] = value
        return out

    @staticmethod
    def _queue(db: sqlite3.Connection, messages: Iterable[Message]) -> None:
        db.executemany("INSERT INTO outbox (id, status, created_at, doc) VALUES (?, ?, ?, ?)",
                       [(m.id, m.status, m.created_at.isoformat(), _doc(m)) for m in messages])
