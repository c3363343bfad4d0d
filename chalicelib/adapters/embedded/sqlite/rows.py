"""Rows of 表二/表三 per upload, and the person index (records by ID number), on SQLite.

An upload's rows are stored in runs of up to `rows_per_run`, as DynamoDB packs them (a tenth of the inserts of
one row a record: docs/architecture.md, "Import"): the record keyed n holds the rows numbered n and on, up to
the next record's key, as JSON {"keys": [column, …], "n": [number, …], "rows": [[value, …], …]}: the column
keys once a run, not once a row, halve what is written. Records written by earlier releases hold [[number, row],
…], or the one row numbered n as a JSON object; all are read alike, so stored rows need no migration.
"""
from __future__ import annotations

import json
import sqlite3
import string
from collections.abc import Iterator
from itertools import repeat
from operator import itemgetter
from typing import Any

import orjson

from ....ports import RowStore
from .base import SqliteBase

SCHEMA = """
CREATE TABLE IF NOT EXISTS rows (upload_id TEXT NOT NULL, n INTEGER NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (upload_id, n)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS person_records (id_number TEXT NOT NULL, filing_id TEXT NOT NULL, tbl TEXT NOT NULL,
    n INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (id_number, filing_id, tbl, n)) WITHOUT ROWID;
"""
Numbered = list[tuple[int, dict[str, Any]]]  # (row number, row), in row order
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)  # as SQLite's lower() and LIKE fold


def _run(n: int, doc: str) -> Numbered:
    found = orjson.loads(doc)
    if isinstance(found, list):
        return [(m, r) for m, r in found]
    if "keys" in found and "rows" in found:  # no table has a column named keys or rows
        return list(zip(found["n"], map(dict, map(zip, repeat(found["keys"]), found["rows"]))))
    return [(n, found)]


def _record(numbers: list[int], rows: list[dict[str, Any]]) -> str:
    """A run as stored: its rows' values under keys given once, when every row has the first row's keys."""
    keys = list(rows[0])
    if len(keys) > 1 and set(map(len, rows)) == {len(keys)}:
        try:
            values = list(map(itemgetter(*keys), rows))
        except KeyError:  # keyed otherwise
            pass
        else:
            return orjson.dumps({"keys": keys, "n": numbers, "rows": values}).decode()
    return orjson.dumps(list(zip(numbers, rows))).decode()


class SqliteRows(SqliteBase, RowStore):
    rows_per_run = 100  # a class attribute so tests can use short runs; stored runs of any length read alike

    def put_rows(self, upload_id: str, start: int, rows: list[dict[str, Any]]) -> None:
        """Runs the call covers only partly (the one before `start` that reaches into the rows given, one that
        goes on past them) keep their other rows: rewritten together with the rows given."""
        end, per_run = start + len(rows), self.rows_per_run
        numbers = list(range(start, end))
        with self._write() as db:
            (first,) = db.execute("SELECT coalesce(max(n), ?2) FROM rows WHERE upload_id = ?1 AND n < ?2",
                                  (upload_id, start)).fetchone()  # the run before the rows given
            kept: Numbered = []
            for n, doc in db.execute("SELECT n, doc FROM rows WHERE upload_id = ? AND n >= ? AND n < ? ORDER BY n",
                                     (upload_id, first, end)).fetchall():
                run = _run(n, doc)
                if n < start and run[-1][0] < start:  # ends before the rows given: stays as it is
                    first = start
                    continue
                kept.extend((m, r) for m, r in run if not start <= m < end)
            if kept:
                numbers, rows = map(list, zip(*sorted(kept + list(zip(numbers, rows)), key=lambda x: x[0])))
            db.execute("DELETE FROM rows WHERE upload_id = ? AND n >= ? AND n < ?", (upload_id, first, end))
            # orjson: a tenth of json.dumps's time, the same JSON (UTF-8, compact)
            db.executemany("INSERT INTO rows VALUES (?, ?, ?)", (
                (upload_id, numbers[i], _record(numbers[i:i + per_run], rows[i:i + per_run]))
                for i in range(0, len(numbers), per_run)))

    def get_rows(self, upload_id: str, *, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if limit > 0:
            for n, r in self._numbered(upload_id, offset):
                if n >= offset:
                    out.append(r)
                    if len(out) == limit:
                        break
        return out

    def iter_rows(self, upload_id: str) -> Iterator[dict[str, Any]]:
        for _, r in self._numbered(upload_id, 0):
            yield r

    def search_rows(self, upload_id: str, text: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """Parses only the runs whose text holds `text` (as JSON writes it, so quotes and backslashes match too).
        ASCII letters in any case, as SQLite's LIKE found them before (an ID number's x or X)."""
        folded = text.translate(_ASCII_LOWER)
        needle = json.dumps(folded, ensure_ascii=False)[1:-1]
        out: list[dict[str, Any]] = []
        for n, doc in self._db.execute("SELECT n, doc FROM rows WHERE upload_id = ? AND instr(lower(doc), ?)"
                                       " ORDER BY n", (upload_id, needle)):
            out.extend(r for _, r in _run(n, doc)
                       if folded in (r.get("name") or "").translate(_ASCII_LOWER)
                       or folded in (r.get("id_number") or "").translate(_ASCII_LOWER))
            if len(out) >= limit:
                break
        return out[:limit]

    def delete_rows(self, upload_id: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM rows WHERE upload_id = ?", (upload_id,))

    def _numbered(self, upload_id: str, offset: int) -> Iterator[tuple[int, dict[str, Any]]]:
        """The rows from the run that holds row `offset` (or the first after it) on, in order."""
        cursor: sqlite3.Cursor = self._db.execute(
            "SELECT n, doc FROM rows WHERE upload_id = ?1 AND n >= coalesce("
            "(SELECT max(n) FROM rows WHERE upload_id = ?1 AND n <= ?2), ?2) ORDER BY n", (upload_id, offset))
        for n, doc in cursor:
            yield from _run(n, doc)

    def put_person_records(self, records: list[dict[str, Any]]) -> None:
        with self._write() as db:
            db.executemany("INSERT OR REPLACE INTO person_records VALUES (?, ?, ?, ?, ?)",
                           [(r["id_number"], r["filing_id"], r["table"], r["n"], json.dumps(r, ensure_ascii=False))
                            for r in records])

    def person_records(self, id_number: str, *, limit: int = 200) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT doc FROM person_records WHERE id_number = ? ORDER BY filing_id, tbl, n"
                                " LIMIT ?", (id_number, limit)).fetchall()
        return [json.loads(r[0]) for r in rows]
