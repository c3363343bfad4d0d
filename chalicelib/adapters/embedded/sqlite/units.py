"""Units, accounts and the applications for reviewer-side accounts, on SQLite."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from ....domain import reminders, stats
from ....domain.applications import Application
from ....domain.model import Account, AuditEvent, Unit
from ....ports import AccountStore, AlreadyExists, StaleVersion
from .base import SqliteBase, doc
from .outbox import write_audit
from .owing import count, owe_years

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


class SqliteUnits(SqliteBase, AccountStore):
    # units
    def create_unit(self, unit: Unit, filer: Account) -> None:
        try:
            with self._write() as db:
                db.execute("INSERT INTO units VALUES (?, ?)", (unit.uscc, doc(unit)))
                db.execute("INSERT INTO accounts VALUES (?, ?)", (filer.username, doc(filer)))
                owed = reminders.years_owed_at_registration(unit.registered_at)
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
