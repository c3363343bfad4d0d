"""Online 表二/表三 rows (docs/rules.md §5, "Online rows"): add, edit or delete one row of a draft or rejected
filing, with the upload's checks; and the reading of a row-set version (its upload with the online edits laid
over it) that every list, export and comparison goes through.

An edit never copies the roster: the new version is the same upload plus a new small overlay (written under its
own id before the filing is saved at its version, deleted again if the save loses), so editing one row of a
100,000-row roster writes a few rows (docs/architecture.md, "Online rows").
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..domain import calendar
from ..domain.errors import Conflict, Forbidden, NotFound, ValidationFailed, problem
from ..domain.filing import Filing, RowSet
from ..domain.identifiers import listed_row, mask_id
from ..domain.checks import RosterSummary
from ..domain.roster import RowChecker
from ..domain.row_versions import online_table3, summary_after
from ..domain.tables import COLUMNS, TABLE_TITLES
from ..ports import Clock, StaleVersion, Store
from .accounts import Principal
from .audit import audit_event
from .filings import FilingService
from .row_reader import RowReader

MAX_EDITS = 2000  # online edits one version may hold over its upload; beyond, the filer uploads the table again
STALE = "备案已在别处被修改，请刷新后重试"
ROW_TABLES = ("table2", "table3")


@dataclass(frozen=True)
class RowPage:
    items: list[dict[str, Any]]  # listed rows (ID numbers masked), each with its "index"
    total: int  # rows in the table
    next_offset: int | None


class RowEditService:
    """One row at a time, for the pages, the JSON API and the filing assistant."""

    def __init__(self, store: Store, clock: Clock, filings: FilingService):
        self.store, self.clock, self.filings = store, clock, filings
        self.reader = RowReader(store)

    # reading
    def rows(self, who: Principal, filing_id: str, table: str, *, offset: int = 0, limit: int = 50,
             search: str | None = None) -> RowPage:
        filing = self.filings.get(who, filing_id)
        row_set = filing.row_sets.get(_row_table(table))
        if row_set is None:
            return RowPage([], 0, None)
        search = (search or "").strip()
        found = self.reader.search(row_set, search, limit) if search else self.reader.page(row_set, offset, limit)
        more = not search and offset + limit < row_set.span
        return RowPage([{**listed_row(r), "index": n} for n, r in found], row_set.rows, offset + limit if more else None)

    def row(self, who: Principal, filing_id: str, table: str, index: int) -> dict[str, Any]:
        """One row with its full ID number: the unit's own, for its edit form (an audited reveal, docs/rules.md §10)."""
        filing = self._own(who, filing_id)
        found = self._existing(self._row_set(filing, _row_table(table)), index)
        self.store.append_audit(audit_event(self.clock.now(), who.username, "reveal_id", filing.id,
                                            scope=filing.authority_code,
                                            detail={"table": table, "row": index + 1, "name": found.get("name")}))
        return {**found, "index": index}

    # changing
    def add(self, who: Principal, filing_id: str, table: str, fields: Mapping[str, Any], *,
            version: int | None = None) -> tuple[Filing, int]:
        filing = self._editable(who, filing_id, table, version)
        row_set = filing.row_sets.get(table) or _empty(table)
        index = row_set.span
        checked = self._checked(filing, table, row_set, fields, index)
        return self._save(who, filing, table, row_set, index, None, checked), index

    def edit(self, who: Principal, filing_id: str, table: str, index: int, fields: Mapping[str, Any], *,
             version: int | None = None) -> Filing:
        filing = self._editable(who, filing_id, table, version)
        row_set = self._row_set(filing, table)
        before = self._existing(row_set, index)
        return self._save(who, filing, table, row_set, index, before, self._checked(filing, table, row_set, fields, index))

    def delete(self, who: Principal, filing_id: str, table: str, index: int, *, version: int | None = None) -> Filing:
        filing = self._editable(who, filing_id, table, version)
        row_set = self._row_set(filing, table)
        return self._save(who, filing, table, row_set, index, self._existing(row_set, index), None)

    def _own(self, who: Principal, filing_id: str) -> Filing:
        if not who.is_filer:
            raise Forbidden("只有用人单位备案填报员可以修改备案")
        return self.filings.get(who, filing_id)

    def _editable(self, who: Principal, filing_id: str, table: str, version: int | None) -> Filing:
        filing = self._own(who, filing_id)
        filing.require_editable()
        if _row_table(table) not in filing.tables:
            raise NotFound(f"本次备案不含{TABLE_TITLES[table][:2]}")
        if version is not None and version != filing.version:
            raise Conflict(STALE)
        return filing

    @staticmethod
    def _row_set(filing: Filing, table: str) -> RowSet:
        row_set = filing.row_sets.get(table)
        if row_set is None:
            raise NotFound("该行不存在或已被删除")
        return row_set

    def _existing(self, row_set: RowSet, index: int) -> dict[str, Any]:
        found = self.reader.one(row_set, index)
        if found is None:
            raise NotFound("该行不存在或已被删除")
        return found

    def _checked(self, filing: Filing, table: str, row_set: RowSet, fields: Mapping[str, Any],
                 index: int) -> dict[str, Any]:
        """The row as the upload would store it, or ValidationFailed naming every field at fault."""
        _, period_end = calendar.period(filing.kind, filing.year, calendar.local_today(self.clock.now()))
        given = {c.key: fields.get(c.key) for c in COLUMNS[table]}
        odd = [problem(f"{c.title}应填写为文字或数字", column=c.title, field=c.key) for c in COLUMNS[table]
               if not isinstance(given[c.key], (str, int, float, type(None)))]  # a list or an object from JSON
        if odd:
            raise ValidationFailed(f"{TABLE_TITLES[table][:2]}这一行有{len(odd)}处需要修改", odd)
        raw = online_table3(given) if table == "table3" else given
        clean, problems = RowChecker(table, period_end=period_end).check(0, raw)
        problems = [{**p, "row": None} for p in problems]
        number = clean.get("id_number")
        if table == "table2" and number and not any(p["field"] == "id_number" for p in problems):
            holder = self.reader.holder_of(row_set, number, self.reader.overlay(row_set.edits_id), index)
            if holder is not None:
                problems.append(problem(f"证件号码{mask_id(number)}已在名册中（{holder.get('name') or ''}），"
                                        "同一人在名册中只能有一行；请修改该人员的那一行", column="证件号码",
                                        field="id_number"))
        if problems:
            raise ValidationFailed(f"{TABLE_TITLES[table][:2]}这一行有{len(problems)}处需要修改", problems)
        return clean

    def _save(self, who: Principal, filing: Filing, table: str, row_set: RowSet, index: int,
              before: dict[str, Any] | None, now_row: dict[str, Any] | None) -> Filing:
        """Row `index` changed from `before` (None: added) to `now_row` (None: deleted), as a new version."""
        overlay = self.reader.overlay(row_set.edits_id)
        adding = before is None
        if len(overlay) >= MAX_EDITS and index not in overlay.entries:
            raise Conflict(f"本表已在线修改{MAX_EDITS}处，请导出本表、在Excel中修改后重新上传")
        was = overlay.entries[index]["was"] if index in overlay.entries else (before or {}).get("row")
        if now_row is not None:
            now_row = {**now_row, "row": was}  # an upload row keeps its Excel row number; a new one has none
        changed = overlay.with_row(index, was, now_row)
        edits_id = uuid.uuid4().hex
        self.store.put_rows(edits_id, 0, [changed.entries[n] for n in sorted(changed.entries)])
        new_set = row_set.model_copy(update={
            "edits_id": edits_id, "edits_by": filing.id, "upload_rows": row_set.span - row_set.added,
            "added": row_set.added + adding, "rows": row_set.rows + (now_row is not None) - (before is not None),
            "summary": summary_after(row_set.summary, before, now_row) if table == "table2" else row_set.summary,
            "warnings": self._warnings(filing, table, row_set, index, was, now_row),
            "diff": None})  # the comparison with last year's roster is of the upload: not kept past an edit
        at = self.clock.now()
        after = filing.edited(at, row_sets={**filing.row_sets, table: new_set})
        action = "add_row" if adding else "delete_row" if now_row is None else "edit_row"
        try:
            self.store.save_filing(after, expected_version=filing.version, audit=audit_event(
                at, who.username, action, filing.id, scope=filing.authority_code,
                detail={"table": table, "row": index + 1, "name": (now_row or before or {}).get("name"),
                        "rows": new_set.rows}))  # "row": the place in the list, counted from 1
        except StaleVersion:
            self.store.delete_rows(edits_id)
            raise Conflict(STALE) from None
        if table in filing.row_sets and filing.disposable_edits(row_set):
            self.store.delete_rows(row_set.edits_id or "")
        return after

    def _warnings(self, filing: Filing, table: str, row_set: RowSet, index: int, was: int | None,
                  now_row: dict[str, Any] | None) -> list[dict[str, Any]]:
        """The table's warnings with this row's replaced: a 表三 person on no 表二 the unit filed (as an upload warns)."""
        kept = [w for w in row_set.warnings if w.get("index") != index and (was is None or w.get("row") != was)]
        number = (now_row or {}).get("id_number")
        if table != "table3" or not number or self._on_a_roster(filing.uscc, number):
            return kept
        return [*kept, {**problem(f"{now_row.get('name') if now_row else ''}（{mask_id(number)}）不在本单位已备案的任何表二"
                                  "名册中，请核对证件号码", column="证件号码", field="id_number"), "index": index}]

    def _on_a_roster(self, uscc: str, number: str) -> bool:
        """Whether any 表二 of the unit holds this ID number (each roster searched by the store, not read whole)."""
        versions = {f.row_sets["table2"].version_key: f.row_sets["table2"] for f in self.store.list_unit_filings(uscc)
                    if "table2" in f.row_sets}
        return any(self.reader.holder_of(rs, number, self.reader.overlay(rs.edits_id), None) is not None
                   for rs in versions.values())


def _row_table(table: str) -> str:
    if table not in ROW_TABLES:
        raise NotFound("没有这张表（可在线填写 table2、table3）")
    return table


def _empty(table: str) -> RowSet:
    """The row set a table starts with when its first row is added online (no upload: nothing under its id)."""
    return RowSet(upload_id=uuid.uuid4().hex, rows=0, upload_rows=0,
                  summary=RosterSummary().as_dict() if table == "table2" else None)
