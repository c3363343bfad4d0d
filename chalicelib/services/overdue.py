"""Use case: the overdue list (未依法备案单位名单; 尚未备案单位名单 before the due date): the units in a
reviewer's jurisdiction that have not filed a year, page by page, and the whole list as an audited Excel
export for 劳动保障监察. Units registered but never filed are included. Rules: docs/rules.md §8.
"""
from __future__ import annotations

from typing import Any

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from ..domain import jurisdiction
from ..domain.calendar import due_date, local_text, local_today
from ..domain.errors import DomainError, Forbidden, ValidationFailed, problem
from ..domain.reference import divisions, policy
from ..domain.reminders import Obligation, days_overdue, open_years
from ..domain.model import Unit
from ..ports import Clock, Store, all_pages
from .accounts import Principal
from .audit import audit_event

PAGE = 1000  # obligations read per store call by the export


@dataclass(frozen=True)
class OverdueRow:
    unit: Unit
    obligation: Obligation
    days_overdue: int

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
             page_token: str | None = None, limit: int = 50) -> OverduePage:
        """One page of the units in the caller's jurisdiction that have not filed `year`."""
        division = (division or "").strip() or None
        codes = self._authorities(who, division)
        today = local_today(self.clock.now())
        year = self._year(year, today)
        try:
            found = self.store.units_owing(year, codes, limit=limit, page_token=page_token)
        except ValueError as e:
            raise DomainError(str(e)) from None
        due = due_date(year)
        return OverduePage(year, due, today, list(open_years(today)), self._rows(found.items, today),
                           found.next_page_token, list_title(who, year, due, today, division), division)

    def check_export(self, who: Principal, *, year: int | None = None, division: str | None = None) -> dict[str, Any]:
        """Whether `who` may export the list (refused at once, before the export is queued: services/exports.py);
        the parameters to build it with."""
        division = (division or "").strip() or None
        self._authorities(who, division)
        return {"year": self._year(year, local_today(self.clock.now())), "division": division}

    def export(self, who: Principal, *, year: int | None = None, division: str | None = None) -> tuple[bytes, str]:
        """The whole list as an .xlsx (workbook bytes, file name); the export is audited. Built by the export job
        (a province's list outgrows a response)."""
        from ..excel.overdue import overdue_workbook  # openpyxl: loaded only when exporting

        division = (division or "").strip() or None
        codes = self._authorities(who, division)
        today = local_today(self.clock.now())
        year = self._year(year, today)
        due = due_date(year)
        body = overdue_workbook(list_title(who, year, due, today, division), (
            [r.unit.name, r.unit.uscc, r.authority_name, r.unit.registered_address, r.unit.legal_representative,
             r.unit.filer_name, r.unit.filer_mobile, r.unit.filer_email, local_text(r.unit.registered_at),
             r.obligation.status_label, due.isoformat(), r.days_overdue, len(r.obligation.reminders),
             r.reminder_history()] for r in self._all_rows(year, codes, today)))
        self.store.append_audit(audit_event(self.clock.now(), who.username, "export", "overdue-list",
                                            scope=who.scope, detail={"year": year, "division": division}))
        return body, f"未依法备案单位名单-{year}-{division or who.scope}.xlsx"

    def _all_rows(self, year: int, codes: list[str] | None, today: dt.date) -> Iterator[OverdueRow]:
        for page in all_pages(lambda token: self.store.units_owing(year, codes, limit=PAGE, page_token=token)):
            yield from self._rows(page, today)

    def _authorities(self, who: Principal, division: str | None) -> list[str] | None:
        if not who.is_reviewer:
            raise Forbidden("只有审核机关的审核员可以查看未依法备案单位名单")
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

    def _rows(self, obligations: list[Obligation], today: dt.date) -> list[OverdueRow]:
        units = self.store.get_units(o.uscc for o in obligations) if obligations else {}
        return [OverdueRow(units[o.uscc], o, days_overdue(o.year, today)) for o in obligations if o.uscc in units]

    def division_choices(self, who: Principal) -> list[jurisdiction.Authority]:
        """The authorities a reviewer can narrow the list to (none for a county)."""
        visible = jurisdiction.Scope(who.scope).visible_authorities()
        if visible is None:
            visible = [d.code for d in divisions().values() if d.level != "province" and not d.statistical_zone]
        return [jurisdiction.authority(code) for code in sorted(visible)] if len(visible) > 1 else []
