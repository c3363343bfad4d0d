"""Versions of a year's annual filing (docs/rules.md §11 更正): how long a correction or a revocation stays
possible, and what a correction changes against the version in force.

The row diff streams: a roster has up to 500,000 rows, so neither version is held in memory. One pass over
the version in force keeps a 64-bit hash (Python's, within the one call) of each row's ID number (and
occurrence: 表三 may name one person twice) → a 64-bit hash of its fields; a pass over the correction classifies its rows as added / changed
against that map, and what the map still holds was removed. Only the requested page of rows is kept, and a
last pass over the version in force fetches their before-rows. Memory is two integers per person
(bench/bench_versions.py: 100,000 rows).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from . import calendar
from .reference import policy
from .tables import COLUMNS, TABLE1

Rows = Callable[[], Iterable[dict[str, Any]]]  # each call iterates the rows of one version afresh


def correction_deadline(year: int) -> dt.date:
    """The last day an approved annual filing of `year` can be corrected: the due date of the next year's
    filing *(configurable: correction_open_years)*."""
    return calendar.due_date(year + policy().correction_open_years)


def correction_error(year: int, today: dt.date) -> str | None:
    deadline = correction_deadline(year)
    if today > deadline:
        return f"{year}年度备案的更正期限已于{deadline.year}年{deadline.month}月{deadline.day}日届满，不能再更正"
    return None


def table1_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[dict[str, Any]]:
    """表一 field by field: the fields whose value differs, with their Chinese label."""
    before, after = before or {}, after or {}
    return [{"field": c.key, "label": c.title, "before": before.get(c.key), "after": after.get(c.key)}
            for c in TABLE1 if before.get(c.key) != after.get(c.key)]


def _fields(table: str) -> list[str]:
    return [c.key for c in COLUMNS[table] if c.key != "seq"]  # 序号 is where a row sits, not what it says


def _keyed(rows: Iterable[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(person key, row): the key is the ID number and its occurrence in the version."""
    seen: set[int] = set()
    for row in rows:
        number = str(row.get("id_number") or "").upper()
        n = 0
        while (key := hash((number, n))) in seen:
            n += 1
        seen.add(key)
        yield key, row


def _digest(row: dict[str, Any], fields: list[str]) -> int:
    return hash(tuple(map(str, map(row.get, fields))))


def row_changes(before: Rows, after: Rows, table: str, *, offset: int = 0, limit: int = 50) -> dict[str, Any]:
    """The rows of `table` the correction (`after`) adds, changes and removes against the version in force
    (`before`), by ID number: the counts, and the page [offset, offset + limit) of the list (added and changed
    rows in the correction's order, then the removed ones in the earlier order). Each listed entry is
    {change, before, after, fields}: `fields` the columns that differ (changed rows)."""
    fields = _fields(table)
    titles = {c.key: c.title for c in COLUMNS[table]}
    earlier = {key: _digest(row, fields) for key, row in _keyed(before())}
    counts = {"added": 0, "changed": 0, "removed": 0}
    page: list[dict[str, Any]] = []
    wanted_before: dict[int, dict[str, Any]] = {}  # changed entries on the page, by key: their before-row
    index = 0
    for key, row in _keyed(after()):
        was = earlier.pop(key, None)
        if was == _digest(row, fields):
            continue
        change = "added" if was is None else "changed"
        counts[change] += 1
        if offset <= index < offset + limit:
            entry: dict[str, Any] = {"change": change, "before": None, "after": row, "fields": []}
            page.append(entry)
            if change == "changed":
                wanted_before[key] = entry
        index += 1
    counts["removed"] = len(earlier)
    if earlier or wanted_before:
        for key, row in _keyed(before()):
            if key in wanted_before:
                changed = wanted_before[key]
                after_row: dict[str, Any] = changed["after"]
                changed["before"] = row
                changed["fields"] = [titles[f] for f in fields if row.get(f) != after_row.get(f)]
            elif key in earlier:
                if offset <= index < offset + limit:
                    page.append({"change": "removed", "before": row, "after": None, "fields": []})
                index += 1
    return {**counts, "total": sum(counts.values()), "offset": offset, "limit": limit, "items": page}
