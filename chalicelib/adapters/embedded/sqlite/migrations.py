"""The SQLite store's schema versions, and bringing a database up to the current one when the store opens.

`PRAGMA user_version` is a database's schema version: the number of the last step of STEPS applied to it. Each
step is (version, description, apply): `apply` runs its statements on a connection inside the one write
transaction (BEGIN IMMEDIATE) that also sets the new version, so a step is never half applied, and of several
processes starting at once (the server's workers, the scheduler) the first migrates while the others wait for the
lock, then find nothing left to do. A database newer than this code (a release was rolled back) is refused with
SchemaTooNew, never opened.

Step 1 is the schema as release 1 created it: the aggregates' SCHEMA strings (sqlite/*.py), every statement
IF NOT EXISTS, so the step both creates a new database and takes in a database of release 1, which set no
user_version (its tables with version 0; completed, should its first start have stopped half way). Those strings
are frozen: a change of schema is a new step at the end of STEPS (ALTER TABLE, CREATE INDEX, a rewrite of
documents), never an edit to them. A step runs inside a transaction, so it cannot change journal_mode or
foreign_keys. tests/contract/test_sqlite_migrations.py upgrades a database of release 1 (tests/contract/data/)
and checks that it ends with the schema of a new one; docs/onprem.md says what an operator sees.
"""
from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from typing import NamedTuple

from . import (assistant, claims, desks, enforcement, filings, jobs, outbox, owing, people, rows, sign_in, transfers,
               units, wechat)

log = logging.getLogger(__name__)
WAIT_MS = 600_000  # how long a process starting during another's migration waits for it (a store waits 30 s)


class Step(NamedTuple):
    version: int  # the database's user_version once applied
    description: str
    apply: Callable[[sqlite3.Connection], None]


class SchemaTooNew(RuntimeError):
    """The database was written by a newer release than this code."""


def statements(sql: str) -> Iterator[str]:
    """The statements of an SQL script, one at a time (executescript would commit the transaction first)."""
    pending = ""
    for line in sql.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement: {pending.strip()[:80]!r}")


def script(*sql: str) -> Callable[[sqlite3.Connection], None]:
    def apply(db: sqlite3.Connection) -> None:
        for text in sql:
            for statement in statements(text):
                db.execute(statement)
    return apply


STEPS: tuple[Step, ...] = (
    Step(1, "release 1: units and accounts, filings and uploads, rows, claims, outbox and audit, owing and "
            "statistics, jobs",
         script(units.SCHEMA, filings.SCHEMA, rows.SCHEMA, claims.SCHEMA, outbox.SCHEMA, owing.SCHEMA, jobs.SCHEMA)),
    Step(2, "a unit's life: years its founding date or closure excuses (owes.excused), pending closure requests",
         script(units.LIFE_SCHEMA)),
    Step(3, "transfers of units between authorities (变更审核机关)", script(transfers.SCHEMA)),
    Step(4, "the enforcement follow-up of overdue units (docs/rules.md §15)", script(enforcement.SCHEMA)),
    Step(5, "review desks: who holds a filing under review, internal notes (docs/rules.md §9)",
         script(desks.SCHEMA)),
    Step(6, "filings by 回执号, for the public verification of receipts (docs/rules.md §14)",
         script(filings.RECEIPT_SCHEMA)),
    Step(7, "the audit log listed by time, division and account (audit.at and its indexes)", outbox.add_audit_time),
    Step(8, "SMS verification codes (docs/rules.md §12)", script(people.SCHEMA)),
    Step(9, "the outbox's two lanes (reminders after every other message) and the daily delivery counts "
            "(docs/rules.md §8)", script(outbox.LANES, outbox.DELIVERY_COUNTS)),
    Step(10, "the sign-in guard of each name tried (docs/rules.md §13)", script(sign_in.SCHEMA)),
    Step(11, "the 填报助手's conversations (docs/rules.md §19)", script(assistant.SCHEMA)),
    Step(12, "WeChat users bound to filer accounts and their subscriptions (docs/wechat.md)", script(wechat.SCHEMA)),
)
CURRENT = STEPS[-1].version
# steps are numbered in order; a number may be missing while a branch holding that step is not merged yet
assert [s.version for s in STEPS] == list(range(1, len(STEPS) + 1)), "steps are numbered 1, 2, … in order"


def version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _refuse_newer(found: int, name: str) -> None:
    if found > CURRENT:
        raise SchemaTooNew(
            f"{name} has schema version {found}, but this release knows versions up to {CURRENT}: it was written "
            f"by a newer release. Run that release (or a later one), or restore a backup taken before the upgrade "
            f"(docs/onprem.md, \"Upgrades and schema migrations\").")


def migrate(db: sqlite3.Connection, name: str = "the database") -> list[Step]:
    """Bring the database on `db` (autocommit: isolation_level None) to CURRENT; the steps applied."""
    found = version(db)
    if found == CURRENT:  # every start but the first after an upgrade: no lock taken
        return []
    _refuse_newer(found, name)
    usual_wait = db.execute("PRAGMA busy_timeout").fetchone()[0]
    db.execute(f"PRAGMA busy_timeout = {WAIT_MS:d}")
    try:
        return _migrate(db, name)
    finally:
        db.execute(f"PRAGMA busy_timeout = {int(usual_wait):d}")


def _migrate(db: sqlite3.Connection, name: str) -> list[Step]:
    db.execute("BEGIN IMMEDIATE")  # one process at a time; the others wait here, up to WAIT_MS
    try:
        found = version(db)  # again under the lock: another process may have migrated meanwhile
        _refuse_newer(found, name)
        applied = [step for step in STEPS if step.version > found]
        upgrade = found > 0 or db.execute("SELECT 1 FROM sqlite_master").fetchone() is not None  # not a new file
        for step in applied:
            (log.warning if upgrade else log.info)("%s: schema version %d → %d: %s", name, found, step.version,
                                                   step.description)
            step.apply(db)
            found = step.version
        if applied:
            db.execute(f"PRAGMA user_version = {CURRENT:d}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return applied
