"""Use case: the overdue list (未依法备案单位名单; 尚未备案单位名单 before the due date): the units in a
reviewer's jurisdiction that have not filed a year, page by page, and the whole list as an audited Excel
export for 劳动保障监察. Units registered but never filed are included. Rules: docs/rules.md §8.

Each unit shows its enforcement follow-up (docs/rules.md §15: the last step, its date, the deadline; recorded by
services/enforcement.py), and the list filters by step. The whole list is the units that owe the year, then the
units that filed after a 责令限期改正 still open (their 已改正 is yet to be recorded): paged in that order, a
token of the second part starting with OPEN. A step filter lists the enforcement records at that stage instead
(none: the owing units with no record). The other departments' accounts read the list of their division (§16).
"""
from __future__ import annotations

from typing import Any

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from ..domain import jurisdiction
from ..domain.enforcement import FILTERS, Enforcement, Stage
from ..domain.calendar import due_date, local_text, local_today
from ..domain.errors import DomainError, Forbidden, ValidationFailed, problem
from ..domain.reference import divisions, policy
from ..domain.reminders import FILING_STATUS_LABEL, Obligation, counts_as_filed, days_overdue, open_years
from ..domain.model import Role, Unit
from ..ports import Clock, Store, all_pages
from .accounts import Principal
from .audit import audit_event
from .progress import NO_PROGRESS, Progress

PAGE = 1000  # obligations read per store call by the export
OPEN = "open:"  # a page token of the list's second part: open 责令限期改正 of units that have filed since
FILED_LABEL = {"submitted": "已提交，待审核", "approved": "已审核通过"}


@dataclass(frozen=True)
class OverdueRow:
    unit: Unit
    obligation: Obligation
    days_overdue: int
    enforcement: Enforcement | None = None
    reminders_known: bool = True  # rows listed from enforcement records do not carry the reminders sent

    @property
    def filed(self) -> bool:
        """A filing of the year has come in since (a unit listed for its open 责令限期改正)."""
        return self.obligation.filing_status is not None and counts_as_filed(self.obligation.filing_status)

    @property
    def status_label(self) -> str:
        return FILED_LABEL.get(self.obligation.filing_status or "", "") or self.obligation.status_label

    def may_correct(self) -> bool:
        return self.enforcement is not None and self.enforcement.may_correct(self.filed)

    def may_transfer(self, today: dt.date) -> bool:
        return self.enforcement is not None and self.enforcement.may_transfer(self.filed, today)

    @property
    def step_label(self) -> str:
        return self.enforcement.last_step_label if self.enforcement else ""

    @property
    def step_date(self) -> str:
        return self.enforcement.last_step_date.isoformat() if self.enforcement else ""

    @property
    def authority_name(self) -> str:
        return jurisdiction.authority(self.obligation.authority_code).name

    def reminder_history(self, last: int | None = None) -> str:
        """"2026-06-23 截止前7天；…" (the page shows the latest few, the export all of them)."""
        sent = self.obligation.reminders[-last:] if last else self.obligation.reminders
        return "；".join(f"{local_text(r.at)[:10]} {r.label}" for r in sent)


@dataclass(frozen=True)
class OverduePage:
    year: int
    due: dt.date
    today: dt.date
    years: list[int]
    rows: list[OverdueRow]
    next_page_token: str | None
    title: str
    division: str | None  # the authority the list was narrowed to, if any
    step: str | None = None  # the filter by enforcement step (enforcement.FILTERS), if any

    @property
    def overdue(self) -> bool:
        return self.today > self.due


def list_title(who: Principal, year: int, due: dt.date, today: dt.date, division: str | None) -> str:
    kind = "未依法备案单位名单" if today > due else "尚未备案单位名单"
    where = jurisdiction.authority(division or who.scope).name
    return f"{where}{year}年度{kind}（截止日期{due.isoformat()}，截至{today.isoformat()}）"


class OverdueService:
    def __init__(self, store: Store, clock: Clock):
        self.store, self.clock = store, clock

    def page(self, who: Principal, *, year: int | None = None, division: str | None = None,
             step: str | None = None, page_token: str | None = None, limit: int = 50) -> OverduePage:
        """One page of the units in the caller's jurisdiction that have not filed `year` (see the module
        docstring for the units that filed after a 责令限期改正, and for `step`)."""
        division = (division or "").strip() or None
        codes = self._authorities(who, division)
        today = local_today(self.clock.now())
        year, step = self._year(year, today), self._step(step)
        try:
            rows, next_token = self._listed(year, codes, step, today, page_token, limit)
        except ValueError as e:
            raise DomainError(str(e)) from None
        due = due_date(year)
        return OverduePage(year, due, today, list(open_years(today)), rows, next_token,
                           list_title(who, year, due, today, division), division, step)

    def check_export(self, who: Principal, *, year: int | None = None, division: str | None = None,
                     step: str | None = None) -> dict[str, Any]:
        """Whether `who` may export the list (refused at once, before the export is queued: services/exports.py);
        the parameters to build it with."""
        division = (division or "").strip() or None
        self._authorities(who, division)
        return {"year": self._year(year, local_today(self.clock.now())), "division": division,
                "step": self._step(step)}

    def export(self, who: Principal, *, year: int | None = None, division: str | None = None,
               step: str | None = None, progress: Progress = NO_PROGRESS) -> tuple[bytes, str]:
        """The whole list as an .xlsx (workbook bytes, file name); the export is audited. Built by the export job
        (a province's list outgrows a response)."""
        from ..excel.overdue import overdue_workbook  # openpyxl: loaded only when exporting

        division = (division or "").strip() or None
        codes = self._authorities(who, division)
        today = local_today(self.clock.now())
        year, step = self._year(year, today), self._step(step)
        due = due_date(year)
        body = overdue_workbook(list_title(who, year, due, today, division) + (f"（{FILTERS[step]}）" if step else ""), (
            [r.unit.name, r.unit.uscc, r.authority_name, r.unit.registered_address, r.unit.legal_representative,
             r.unit.filer_name, r.unit.filer_mobile, r.unit.filer_email, local_text(r.unit.registered_at),
             r.status_label, due.isoformat(), r.days_overdue,
             len(r.obligation.reminders) if r.reminders_known else "", r.reminder_history(),
             *enforcement_cells(r.enforcement)]
            for r in progress.counted(self._all_rows(year, codes, step, today))))
        self.store.append_audit(audit_event(self.clock.now(), who.username, "export", "overdue-list",
                                            scope=who.scope, detail={"year": year, "division": division, "step": step}))
        return body, f"未依法备案单位名单-{year}-{division or who.scope}.xlsx"

    def _all_rows(self, year: int, codes: list[str] | None, step: str | None, today: dt.date) -> Iterator[OverdueRow]:
        token: str | None = None
        while True:
            rows, token = self._listed(year, codes, step, today, token, PAGE)
            yield from rows
            if token is None:
                return

    def _listed(self, year: int, codes: list[str] | None, step: str | None, today: dt.date,
                token: str | None, limit: int) -> tuple[list[OverdueRow], str | None]:
        """One page of rows and the next page's token (the module docstring says what the list holds)."""
        if step in (None, "none") and not (token or "").startswith(OPEN):
            found = self.store.units_owing(year, codes, limit=limit, page_token=token)
            rows = self._rows(found.items, today)
            if step == "none":
                return [r for r in rows if r.enforcement is None], found.next_page_token
            if found.next_page_token:
                return rows, found.next_page_token
            more, after = self._enforced(year, codes, Stage.ORDERED, today, None, max(limit - len(rows), 1), filed=True)
            if len(rows) == limit:  # no room left on this page: the second part starts on the next
                return rows, OPEN if more or after else None
            return rows + more, after
        if step is None:
            return self._enforced(year, codes, Stage.ORDERED, today, (token or "")[len(OPEN):] or None, limit,
                                  filed=True)
        return self._enforced(year, codes, Stage(step), today, token, limit)

    def _enforced(self, year: int, codes: list[str] | None, stage: Stage, today: dt.date, token: str | None,
                  limit: int, *, filed: bool | None = None) -> tuple[list[OverdueRow], str | None]:
        """Rows of the enforcement records at `stage` (with `filed`, only those of units that have, or have not,
        filed the year since), and the next page's token: with OPEN when `filed` is given."""
        found = self.store.list_enforcements(year, stage, codes, limit=limit, page_token=token)
        units = self.store.get_units(e.uscc for e in found.items) if found.items else {}
        rows = []
        for e in found.items:
            status = self._filing_status(e.uscc, year)
            row = OverdueRow(units[e.uscc], Obligation(e.uscc, year, e.authority_code, status),
                             days_overdue(year, today), e, reminders_known=False) if e.uscc in units else None
            if row is not None and (filed is None or row.filed == filed):
                rows.append(row)
        after = found.next_page_token
        return rows, (OPEN + after if filed is not None else after) if after else None

    def _filing_status(self, uscc: str, year: int) -> str | None:
        """The status of the unit's annual filing of `year`, if it has one."""
        return next((f.status.value for f in self.store.list_unit_filings(uscc)
                     if f.kind == "annual" and f.year == year), None)

    def _authorities(self, who: Principal, division: str | None) -> list[str] | None:
        department = who.role == Role.DATA_SHARING and who.can("overdue.read")  # read-only, its division (§16)
        if not (who.is_reviewer or department):
            raise Forbidden("只有审核机关的审核员和其他部门的数据共享账号可以查看未依法备案单位名单")
        if division and division not in divisions():
            raise ValidationFailed("行政区划代码不存在", [problem("行政区划代码不存在", column="行政区划", field="division")])
        codes = jurisdiction.Scope(who.scope).visible_authorities(division or None)
        if codes == []:
            raise Forbidden("该行政区划不在您的管辖范围内")
        return codes

    def _year(self, year: int | None, today: dt.date) -> int:
        years = open_years(today)
        if year is None:  # the latest year already past its due date, else the latest open year
            past = [y for y in years if due_date(y) < today]
            return (past or list(years) or [policy().first_filing_year])[-1]
        if year not in years:
            text = f"备案年度应在{years.start}年至{years.stop - 1}年之间"
            raise ValidationFailed(text, [problem(text, column="备案年度", field="year")])
        return year

    def _step(self, step: str | None) -> str | None:
        step = (step or "").strip() or None
        if step is not None and step not in FILTERS:
            text = "执法步骤应为以下之一：" + "、".join(f"{k}（{v}）" for k, v in FILTERS.items())
            raise ValidationFailed(text, [problem(text, column="执法步骤", field="step")])
        return step

    def _rows(self, obligations: list[Obligation], today: dt.date) -> list[OverdueRow]:
        if not obligations:
            return []
        units = self.store.get_units(o.uscc for o in obligations)
        records = self.store.enforcements_of(obligations[0].year, (o.uscc for o in obligations))
        return [OverdueRow(units[o.uscc], o, days_overdue(o.year, today), records.get(o.uscc))
                for o in obligations if o.uscc in units]

    def division_choices(self, who: Principal) -> list[jurisdiction.Authority]:
        """The authorities a reviewer can narrow the list to (none for a county)."""
        visible = jurisdiction.Scope(who.scope).narrower()
        return [jurisdiction.authority(code) for code in visible] if len(visible) > 1 else []


def enforcement_cells(e: Enforcement | None) -> list[str]:
    """The export's enforcement columns (excel/overdue.py ENFORCEMENT_COLUMNS)."""
    if e is None:
        return ["", "", "", "", "", ""]
    return [e.stage_label, e.last_step_label, e.last_step_date.isoformat(), e.notice_number, e.deadline.isoformat(),
            e.transfer_note or ""]
