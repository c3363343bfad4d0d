"""Who still owes an annual filing, the reminders and once-only notices sent, and the statistics
counters, on SQLite.

`owes` has a row per unit and year it was ever expected to file; the partial index lists only the rows
still owing, so the daily job and the overdue list read the units that have not filed, not all
units. reminders_sent is the claim table (one row per unit, year and step) and the reminder history.
The counters (domain/stats.py) are moved in the transaction of the write that changes them: units and
filings call owe_years, record_annual_filing and count inside their own transactions.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from ....domain import reminders, unit_life
from ....domain.filing import Filing
from ....domain.model import Message, Unit
from ....ports import OwingStore, Page
from .base import SqliteBase, token, untoken
from .outbox import queue_messages

SCHEMA = """
CREATE TABLE IF NOT EXISTS owes (uscc TEXT NOT NULL, year INTEGER NOT NULL, authority_code TEXT NOT NULL,
    owing INTEGER NOT NULL, filing_status TEXT, PRIMARY KEY (uscc, year)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS owes_open ON owes (year, authority_code, uscc) WHERE owing = 1;
CREATE TABLE IF NOT EXISTS reminders_sent (uscc TEXT NOT NULL, year INTEGER NOT NULL, step TEXT NOT NULL,
    at TEXT NOT NULL, PRIMARY KEY (uscc, year, step)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notices_sent (key TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS years_opened (year INTEGER PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stats (year INTEGER NOT NULL, authority_code TEXT NOT NULL, metric TEXT NOT NULL,
    value INTEGER NOT NULL, PRIMARY KEY (year, authority_code, metric)) WITHOUT ROWID;
"""


def owe_years(db: sqlite3.Connection, uscc: str, authority_code: str, years: Iterable[int]) -> None:
    """A new unit starts owing `years` (rows it already has are kept)."""
    db.executemany("INSERT OR IGNORE INTO owes (uscc, year, authority_code, owing) VALUES (?, ?, ?, 1)",
                   [(uscc, y, authority_code) for y in years])


def record_annual_filing(db: sqlite3.Connection, filing: Filing) -> None:
    """The unit leaves / rejoins the year's list of units owing it (a year its life excuses stays off it)."""
    db.execute("INSERT INTO owes (uscc, year, authority_code, owing, filing_status) VALUES (?, ?, ?, ?, ?)"
               " ON CONFLICT (uscc, year) DO UPDATE SET filing_status = excluded.filing_status,"
               " owing = CASE WHEN owes.excused IS NULL THEN excluded.owing ELSE 0 END",
               (filing.uscc, filing.year, filing.authority_code,
                0 if reminders.counts_as_filed(filing.status) else 1, filing.status.value))


def year_records(db: sqlite3.Connection, uscc: str) -> list[unit_life.YearRecord]:
    return [unit_life.YearRecord(*r) for r in db.execute(
        "SELECT year, authority_code, filing_status, excused FROM owes WHERE uscc = ? ORDER BY year", (uscc,))]


def change_years(db: sqlite3.Connection, uscc: str, changes: list[unit_life.YearChange]) -> None:
    """Apply unit_life.reconcile's changes: an excused year leaves the list, an owed one (re)joins it."""
    for c in changes:
        if c.new:
            db.execute("INSERT INTO owes (uscc, year, authority_code, owing) VALUES (?, ?, ?, 1)",
                       (uscc, c.year, c.authority_code))
        else:
            db.execute("UPDATE owes SET excused = ?, owing = ? WHERE uscc = ? AND year = ?",
                       (c.excused, 1 if c.excused is None else 0, uscc, c.year))


def count(db: sqlite3.Connection, deltas: list[tuple[int, str, str, int]]) -> None:
    db.executemany("INSERT INTO stats VALUES (?, ?, ?, ?) ON CONFLICT (year, authority_code, metric)"
                   " DO UPDATE SET value = value + excluded.value", deltas)


class SqliteOwing(SqliteBase, OwingStore):
    def units_owing(self, year: int, authority_codes: list[str] | None = None, *, limit: int = 500,
                    page_token: str | None = None) -> Page[reminders.Obligation]:
        where = ["owing = 1", "year = ?"]
        args: list[Any] = [year]
        if authority_codes is not None:
            where.append("authority_code IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(authority_codes))
        if page_token:
            where.append("(authority_code, uscc) > (?, ?)")
            args += untoken(page_token)
        rows = self._db.execute(f"SELECT authority_code, uscc, filing_status FROM owes WHERE {' AND '.join(where)}"
                                " ORDER BY authority_code, uscc LIMIT ?", (*args, limit + 1)).fetchall()
        page = rows[:limit]
        sent: dict[str, list[reminders.SentReminder]] = {}
        for uscc, step, at in self._db.execute(
                "SELECT uscc, step, at FROM reminders_sent WHERE year = ? AND uscc IN (SELECT value FROM json_each(?))"
                " ORDER BY at, step", (year, json.dumps([r[1] for r in page]))):
            sent.setdefault(uscc, []).append(reminders.SentReminder(step, dt.datetime.fromisoformat(at)))
        items = [reminders.Obligation(uscc, year, authority, status, tuple(sent.get(uscc, ())))
                 for authority, uscc, status in page]
        return Page(items, token(page[-1][:2]) if len(rows) > limit else None)

    def open_filing_year(self, year: int, at: dt.datetime) -> int:
        with self._write() as db:
            if db.execute("SELECT 1 FROM years_opened WHERE year = ?", (year,)).fetchone():
                return 0
            # units that already have a row (registered owing it, or filed early on 1 January) keep it; the
            # others become `expected` for the year, unless their life excuses it (founded later, closed):
            # those get an excused row, so a draft saved later does not list them
            added, expected = 0, Counter[str]()
            for (text,) in db.execute("SELECT doc FROM units WHERE NOT EXISTS (SELECT 1 FROM owes WHERE"
                                      " owes.uscc = units.uscc AND owes.year = ?)", (year,)).fetchall():
                unit = Unit.model_validate_json(text)
                excused = unit_life.excuse(unit, year)
                db.execute("INSERT INTO owes (uscc, year, authority_code, owing, excused) VALUES (?, ?, ?, ?, ?)",
                           (unit.uscc, year, unit.authority_code, 0 if excused else 1, excused))
                if excused is None:
                    added, expected[unit.authority_code] = added + 1, expected[unit.authority_code] + 1
            count(db, [(year, authority, "expected", n) for authority, n in expected.items()])
            db.execute("INSERT INTO years_opened VALUES (?, ?)", (year, at.isoformat()))
            return added

    def claim_reminder(self, uscc: str, year: int, step: str, at: dt.datetime, messages: Iterable[Message]) -> bool:
        with self._write() as db:
            if not db.execute("SELECT 1 FROM owes WHERE uscc = ? AND year = ? AND owing = 1", (uscc, year)).fetchone():
                return False
            if db.execute("INSERT OR IGNORE INTO reminders_sent VALUES (?, ?, ?, ?)",
                          (uscc, year, step, at.isoformat())).rowcount == 0:
                return False
            queue_messages(db, messages)
            return True

    def claim_reminders(self, year: int, step: str, at: dt.datetime,
                        messages: Mapping[str, Iterable[Message]]) -> set[str]:
        with self._write() as db:
            owing = {r[0] for r in db.execute("SELECT uscc FROM owes WHERE year = ? AND owing = 1 AND uscc IN"
                                              " (SELECT value FROM json_each(?))", (year, json.dumps(list(messages))))}
            claimed = {uscc for uscc in owing if db.execute("INSERT OR IGNORE INTO reminders_sent VALUES (?, ?, ?, ?)",
                                                            (uscc, year, step, at.isoformat())).rowcount}
            queue_messages(db, (m for uscc in claimed for m in messages[uscc]))
            return claimed

    def claim_notice(self, key: str, at: dt.datetime, messages: Iterable[Message]) -> bool:
        with self._write() as db:
            if db.execute("INSERT OR IGNORE INTO notices_sent VALUES (?, ?)", (key, at.isoformat())).rowcount == 0:
                return False
            queue_messages(db, messages)
            return True

    def stats(self, year: int, authority_codes: list[str] | None = None) -> dict[str, dict[str, int]]:
        where = "year = ? AND value != 0"
        args: list[Any] = [year]
        if authority_codes is not None:
            where += " AND authority_code IN (SELECT value FROM json_each(?))"
            args.append(json.dumps(authority_codes))
        out: dict[str, dict[str, int]] = {}
        for authority, metric, value in self._db.execute(
                f"SELECT authority_code, metric, value FROM stats WHERE {where}", args):  # noqa: S608
            out.setdefault(authority, {})[metric] = value
        return out
