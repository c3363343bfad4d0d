"""Units, accounts and the applications for reviewer-side accounts, on SQLite."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from ....domain import stats, unit_life
from ....domain.applications import Application
from ....domain.calendar import local_today
from ....domain.model import Account, AuditEvent, Message, Unit
from ....ports import AccountStore, AlreadyExists, StaleVersion, UnitLifeStore
from .base import SqliteBase, doc
from .outbox import queue_messages, write_audit
from .owing import change_years, count, owe_years, year_records

SCHEMA = """
CREATE TABLE IF NOT EXISTS units (uscc TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (username TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS accounts_by_scope ON accounts (json_extract(doc, '$.scope'));
CREATE INDEX IF NOT EXISTS accounts_by_person ON accounts (json_extract(doc, '$.id_number'));
CREATE TABLE IF NOT EXISTS applications (id TEXT PRIMARY KEY, managing_division TEXT NOT NULL,
    applicant TEXT NOT NULL, applied_at TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS applications_by_division ON applications (managing_division, applied_at);
CREATE INDEX IF NOT EXISTS applications_by_applicant ON applications (applicant, applied_at);
"""

# step 2 (migrations.py): why a year is not owed (domain/unit_life.py; NULL: owed), and the closure-request queue
LIFE_SCHEMA = """
ALTER TABLE owes ADD COLUMN excused TEXT;
CREATE INDEX units_asking_closure ON units (json_extract(doc, '$.authority_code'))
    WHERE json_extract(doc, '$.closure_request.status') = 'pending';
"""


def _insert_account(db: sqlite3.Connection, account: Account) -> None:
    try:
        db.execute("INSERT INTO accounts VALUES (?, ?)", (account.username, doc(account)))
    except sqlite3.IntegrityError:
        raise AlreadyExists(account.username) from None


def _update_account(db: sqlite3.Connection, account: Account, expected_version: int) -> None:
    cur = db.execute("UPDATE accounts SET doc = ? WHERE username = ?"
                     " AND COALESCE(json_extract(doc, '$.version'), 1) = ?",
                     (doc(account), account.username, expected_version))
    if cur.rowcount != 1:
        raise StaleVersion(account.username)


def _application_values(a: Application) -> tuple[Any, ...]:
    return (a.managing_division, a.applicant, a.applied_at.isoformat(), a.version, doc(a))


class SqliteUnits(SqliteBase, AccountStore, UnitLifeStore):
    # units
    def create_unit(self, unit: Unit, filer: Account) -> None:
        try:
            with self._write() as db:
                db.execute("INSERT INTO units VALUES (?, ?)", (unit.uscc, doc(unit)))
                db.execute("INSERT INTO accounts VALUES (?, ?)", (filer.username, doc(filer)))
                owed = unit_life.years_owed(unit, local_today(unit.registered_at))
                owe_years(db, unit.uscc, unit.authority_code, owed)
                count(db, stats.unit_deltas(unit.authority_code, owed))
        except sqlite3.IntegrityError:
            raise AlreadyExists(unit.uscc) from None

    def get_unit(self, uscc: str) -> Unit | None:
        return self._load(Unit, "SELECT doc FROM units WHERE uscc = ?", uscc)

    def get_units(self, usccs: Iterable[str]) -> dict[str, Unit]:
        rows = self._db.execute("SELECT doc FROM units WHERE uscc IN (SELECT value FROM json_each(?))",
                                (json.dumps(list(usccs)),)).fetchall()
        return {u.uscc: u for u in (Unit.model_validate_json(r[0]) for r in rows)}

    # a unit's life (docs/rules.md §11)
    def save_unit(self, unit: Unit, *, expected_version: int, audit: AuditEvent,
                  messages: Iterable[Message] = ()) -> None:
        with self._write() as db:
            if db.execute("UPDATE units SET doc = ? WHERE uscc = ? AND COALESCE(json_extract(doc, '$.version'), 1)"
                          " = ?", (doc(unit), unit.uscc, expected_version)).rowcount != 1:
                raise StaleVersion(unit.uscc)
            changes, deltas = unit_life.reconcile(unit, year_records(db, unit.uscc), local_today(audit.at))
            change_years(db, unit.uscc, changes)
            count(db, deltas)
            write_audit(db, audit)
            queue_messages(db, messages)

    def units_asking_closure(self, authority_codes: list[str] | None) -> list[Unit]:
        sql = "SELECT doc FROM units WHERE json_extract(doc, '$.closure_request.status') = 'pending'"
        args: list[Any] = []
        if authority_codes is not None:
            sql += " AND json_extract(doc, '$.authority_code') IN (SELECT value FROM json_each(?))"
            args.append(json.dumps(authority_codes))
        rows = self._db.execute(sql + " ORDER BY json_extract(doc, '$.closure_request.requested_at')", args)
        return [Unit.model_validate_json(r[0]) for r in rows.fetchall()]

    # accounts
    def put_account(self, account: Account) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO accounts VALUES (?, ?)", (account.username, doc(account)))

    def get_account(self, username: str) -> Account | None:
        return self._load(Account, "SELECT doc FROM accounts WHERE username = ?", username)

    def list_accounts(self, scope: str) -> list[Account]:
        return self._accounts("scope", scope)

    def accounts_of_person(self, id_number: str) -> list[Account]:
        return self._accounts("id_number", id_number)

    def _accounts(self, field: str, value: str) -> list[Account]:
        rows = self._db.execute(f"SELECT doc FROM accounts WHERE json_extract(doc, '$.{field}') = ?"  # noqa: S608 (fixed names)
                                " ORDER BY username", (value,)).fetchall()
        return [Account.model_validate_json(r[0]) for r in rows]

    def create_account(self, account: Account, *, audit: AuditEvent) -> None:
        with self._write() as db:
            _insert_account(db, account)
            write_audit(db, audit)

    def save_account(self, account: Account, *, expected_version: int, audit: AuditEvent | None = None) -> None:
        with self._write() as db:
            _update_account(db, account, expected_version)
            if audit:
                write_audit(db, audit)

    # applications for reviewer-side accounts
    def create_application(self, application: Application, *, audit: AuditEvent) -> None:
        try:
            with self._write() as db:
                db.execute("INSERT INTO applications VALUES (?, ?, ?, ?, ?, ?)",
                           (application.id, *_application_values(application)))
                write_audit(db, audit)
        except sqlite3.IntegrityError:
            raise AlreadyExists(application.id) from None

    def get_application(self, application_id: str) -> Application | None:
        return self._load(Application, "SELECT doc FROM applications WHERE id = ?", application_id)

    def save_application(self, application: Application, *, expected_version: int, audit: AuditEvent,
                         account: Account | None = None, account_version: int | None = None) -> None:
        with self._write() as db:
            cur = db.execute("UPDATE applications SET managing_division=?, applicant=?, applied_at=?, version=?, doc=?"
                             " WHERE id = ? AND version = ?",
                             (*_application_values(application), application.id, expected_version))
            if cur.rowcount != 1:
                raise StaleVersion(application.id)
            if account is not None:
                if account_version is None:
                    _insert_account(db, account)
                else:
                    _update_account(db, account, account_version)
            write_audit(db, audit)

    def _applications(self, column: str, value: str, limit: int) -> list[Application]:
        rows = self._db.execute(f"SELECT doc FROM applications WHERE {column} = ?"  # noqa: S608 (fixed names)
                                " ORDER BY applied_at DESC, id DESC LIMIT ?", (value, limit)).fetchall()
        return [Application.model_validate_json(r[0]) for r in rows]

    def list_applications(self, managing_division: str, *, limit: int = 200) -> list[Application]:
        return self._applications("managing_division", managing_division, limit)

    def list_own_applications(self, applicant: str, *, limit: int = 200) -> list[Application]:
        return self._applications("applicant", applicant, limit)
