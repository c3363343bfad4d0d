"""Schema migrations of the SQLite store (embedded backend; docs/onprem.md, "Upgrades and schema migrations").

A database of release 1 (data/release-1.sql: made by data/make_release_dump.py with release 1's code, which set
no user_version) is upgraded when the store opens, with its data intact; it ends with the schema of a new
database; a database of a newer release is refused; a failing step leaves the database as it was; and of several
processes starting at once exactly one migrates."""
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.embedded.sqlite import migrations
from chalicelib.adapters.embedded.sqlite.base import stamp
from chalicelib.adapters.embedded.sqlite_store import SqliteStore
from chalicelib.domain.model import AuditEvent
from chalicelib.domain.filing import Status
from chalicelib.settings import Settings
from tests import factories
from tests.conftest import FakeClock

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]


def release_1_database(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.executescript((DATA / "release-1.sql").read_text(encoding="utf-8"))
    db.execute("PRAGMA journal_mode=WAL")  # as release 1 left it
    db.close()
    return path


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


def contents(path: Path) -> dict[str, list]:
    with sqlite3.connect(path) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


def schema(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return sorted(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall(), key=repr)


def test_a_release_1_database_is_upgraded_in_place_with_its_data_intact(tmp_path):
    path = release_1_database(tmp_path / "filing.db")
    before = contents(path)
    assert user_version(path) == 0 and len(before["filings"]) == 2

    c = bootstrap.build(Settings("embedded", "http://testserver", "s" * 40, data_dir=tmp_path), clock=FakeClock())

    assert user_version(path) == migrations.CURRENT
    after = contents(path)
    # release 1's rows, as release 1 wrote them; step 2 added owes.excused (NULL: every year still owed), step 7
    # audit.at (each event's time, filled in from the event)
    assert {t: after[t] for t in before} == {**before, "owes": [(*row, None) for row in before["owes"]],
                                             "audit": [(*row, stamp(AuditEvent.model_validate_json(row[2]).at))
                                                       for row in before["audit"]]}
    assert after["audit"] and all(row[3] for row in after["audit"])
    assert all(after[t] == [] for t in set(after) - set(before))  # tables of later steps start empty
    filer = c.accounts.authenticate(c.accounts.login(factories.uscc(1), "Passw0rd!")[0])  # an old password still works
    (filing,) = c.filings.list(filer)
    assert filing.status is Status.APPROVED and c.filings.rows(filer, filing.id, "table2")[1] == 3
    assert len(c.store.person_records(factories.person(0)["id_number"])) == 1
    other = c.accounts.authenticate(c.accounts.login(factories.uscc(2), "Passw0rd!")[0])
    assert [f.status for f in c.filings.list(other)] == [Status.DRAFT]
    assert migrations.migrate(sqlite3.connect(path, isolation_level=None)) == []  # nothing left to do


def test_rows_stored_by_earlier_releases_read_as_runs_do(tmp_path):
    """Rows are stored in runs with their keys once since issue 20; an earlier release's one-row records and runs of
    [number, row] pairs need no migration, and search finds ASCII letters in any case, as SQLite's LIKE did."""
    store = SqliteStore(tmp_path / "t.db")
    rows = [{"name": f"职工{n}", "id_number": f"1401051990{n:08d}", "row": n + 2} for n in range(8)]
    with store._write() as db:
        db.executemany("INSERT INTO rows VALUES ('old', ?, ?)", [(n, json.dumps(r, ensure_ascii=False))
                                                                 for n, r in enumerate(rows)])
        db.executemany("INSERT INTO rows VALUES ('pairs', ?, ?)", [
            (n, json.dumps([[m, rows[m]] for m in range(n, min(n + 3, 8))], ensure_ascii=False)) for n in (0, 3, 6)])
    assert list(store.iter_rows("old")) == rows and store.get_rows("old", offset=3, limit=2) == rows[3:5]
    assert list(store.iter_rows("pairs")) == rows and store.get_rows("pairs", offset=2, limit=3) == rows[2:5]
    assert store.search_rows("pairs", "职工7") == [rows[7]]
    store.put_rows("pairs", 4, [{**rows[4], "name": "改过"}])  # inside a run of pairs: rewritten with its others
    assert [r["name"] for r in store.iter_rows("pairs")] == [*(r["name"] for r in rows[:4]), "改过",
                                                             *(r["name"] for r in rows[5:])]
    assert store.search_rows("old", "职工6") == [rows[6]]
    store.put_rows("new", 0, [{"name": "Ｍａｒｙ", "id_number": "14010519900101123X"}, {"name": "John Smith"}])
    assert [r.get("id_number") for r in store.search_rows("new", "123x")] == ["14010519900101123X"]  # as LIKE found
    assert [r["name"] for r in store.search_rows("new", "smith")] == ["John Smith"]
    assert [r["name"] for r in store.search_rows("new", "Ｍａｒｙ")] == ["Ｍａｒｙ"]
    changed = {**rows[4], "name": "改过"}
    store.put_rows("old", 3, [rows[3], changed])  # written as a run among one-row records
    assert list(store.iter_rows("old")) == rows[:4] + [changed] + rows[5:]
    assert store.get_rows("old", offset=4, limit=3) == [changed, *rows[5:7]]


def test_a_new_database_and_an_upgraded_one_end_with_the_same_schema(tmp_path):
    SqliteStore(tmp_path / "new.db")
    SqliteStore(release_1_database(tmp_path / "old.db"))
    assert user_version(tmp_path / "new.db") == user_version(tmp_path / "old.db") == migrations.CURRENT
    assert schema(tmp_path / "new.db") == schema(tmp_path / "old.db")


def test_a_database_of_a_newer_release_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "filing.db"
    SqliteStore(path)
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {migrations.CURRENT + 1}")
    before = contents(path)
    with pytest.raises(migrations.SchemaTooNew, match=f"schema version {migrations.CURRENT + 1}.*newer release"):
        bootstrap.build(Settings("embedded", "http://testserver", "s" * 40, data_dir=tmp_path))
    assert user_version(path) == migrations.CURRENT + 1 and contents(path) == before


def test_a_step_that_fails_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    path = release_1_database(tmp_path / "filing.db")

    def half_done(db):
        db.execute("CREATE TABLE half (x)")
        db.execute("UPDATE units SET doc = '{}'")
        raise RuntimeError("the disk is full")

    step = migrations.Step(migrations.CURRENT + 1, "a step that fails", half_done)
    monkeypatch.setattr(migrations, "STEPS", (*migrations.STEPS, step))
    monkeypatch.setattr(migrations, "CURRENT", migrations.CURRENT + 1)
    before = contents(path)
    with pytest.raises(RuntimeError, match="disk is full"):
        SqliteStore(path)
    assert user_version(path) == 0 and contents(path) == before  # not even step 1 is kept


CHILD = """
import os, sys, time
from chalicelib.adapters.embedded.sqlite import migrations

def recorded(db):  # a step that takes a while and says who ran it
    db.execute("CREATE TABLE migrated_by (pid INTEGER)")
    db.execute("INSERT INTO migrated_by VALUES (?)", (os.getpid(),))
    time.sleep(0.3)

migrations.STEPS += (migrations.Step(migrations.CURRENT + 1, "test step", recorded),)
migrations.CURRENT += 1
from chalicelib.adapters.embedded.sqlite.base import stamp
from chalicelib.adapters.embedded.sqlite_store import SqliteStore
from chalicelib.domain.model import AuditEvent
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
SqliteStore(sys.argv[1])
"""


def test_processes_starting_at_once_migrate_once(tmp_path):
    path = release_1_database(tmp_path / "filing.db")
    start = time.time() + 3  # every child has imported the code by then
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(start)], cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env={**os.environ, "PYTHONPATH": str(ROOT)}) for _ in range(4)]
    results = [child.communicate(timeout=60) for child in children]
    assert [child.returncode for child in children] == [0] * 4, [err for _, err in results]
    with sqlite3.connect(path) as db:
        assert len(db.execute("SELECT pid FROM migrated_by").fetchall()) == 1
    assert user_version(path) == migrations.CURRENT + 1
