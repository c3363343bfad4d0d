"""The statistics dashboard (docs/rules.md §9): counters read from Store.stats, never a recount of the filings.

The province sees one line per city (the province's own authority as 省本级), a city one line per
county (its own authority as 市本级), a county itself. Two reads per view: the year's counters and the
all-time registered counts, both one small partition whatever the number of units.

chalicelib/excel (openpyxl) is imported inside `build_export`, the one method that writes a workbook, to keep it
off the cold-start path.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from ..domain import jurisdiction
from ..domain.calendar import due_date, local_text, local_today
from ..domain.errors import Forbidden, ValidationFailed, problem
from ..domain.filing import Filing
from ..domain.identifiers import listed_row
from ..domain.model import Role
from ..domain.reference import city_of, codes, divisions, policy
from ..domain.stats import REGISTERED_YEAR
from ..domain.tables import TABLE2
from ..ports import Clock, Store, all_pages
from .row_reader import RowReader
from .accounts import Principal
from .audit import audit_event
from .progress import NO_PROGRESS, Progress

VIEWERS = (Role.OPERATOR, Role.SYSTEM_ADMIN, Role.BUSINESS_ADMIN, Role.SECURITY, Role.DATA_SHARING)


@dataclass
class Line:
    code: str
    name: str
    registered: int = 0
    expected: int = 0
    filed: int = 0
    approved: int = 0
    rejected: int = 0
    due: int = 0
    signed: int = 0
    closed: int = 0  # units whose closure excused the year (docs/rules.md §11): not expected, not overdue

    @property
    def not_filed(self) -> int:
        return max(self.expected - self.filed, 0)

    @property
    def signing_rate(self) -> float | None:
        return self.signed / self.due if self.due else None

    @property
    def rate_text(self) -> str:
        return "—" if self.signing_rate is None else f"{self.signing_rate:.1%}"

    def add(self, counts: dict[str, int]) -> None:
        for name in ("registered", "expected", "filed", "approved", "rejected", "due", "signed", "closed"):
            setattr(self, name, getattr(self, name) + counts.get(name, 0))


@dataclass
class Dashboard:
    year: int
    years: list[int]
    scope_name: str
    due: dt.date
    overdue: bool  # the due date has passed: not filed = overdue
    lines: list[Line]
    industries: list[Line]  # code = 门类, due/signed only
    total: Line = field(default_factory=lambda: Line("", "合计"))


def group_of(scope: jurisdiction.Scope, authority_code: str) -> tuple[str, str]:
    """The dashboard line an authority's counts fall on: (code, name)."""
    d = divisions()[authority_code]
    if scope.level == "province":
        if d.level == "province":
            return d.code, "省本级"
        city = city_of(d)
        return city.code, city.name
    if d.code == scope.code and d.level == "city":
        return d.code, "市本级"
    return d.code, d.name




class StatsService:
    def __init__(self, store: Store, clock: Clock):
        self.store, self.clock = store, clock

    def check_export(self, who: Principal, year: int | None) -> dict[str, Any]:
        """Whether `who` may export `year` (refused at once, before the export is queued: services/exports.py)."""
        if not ((who.role == Role.OPERATOR and who.can("filing.read")) or who.role == Role.DATA_SHARING):
            raise Forbidden("只有审核员和数据共享账号可以导出备案数据")
        today = local_today(self.clock.now())
        if year not in range(policy().first_filing_year, today.year + 1):
            text = f"导出年度应在{policy().first_filing_year}年至{today.year}年之间"
            raise ValidationFailed(text, [problem(text, column="备案年度", field="year")])
        return {"year": year}

    def build_export(self, who: Principal, year: int, *, progress: Progress = NO_PROGRESS) -> tuple[IO[bytes], str]:
        """The filings (and their 表二 rows) of `year` in the caller's jurisdiction as an .xlsx (a rewound temporary
        file, file name), audited. ID numbers are masked, as on every reviewer list. Built by the export job, never
        in a request: a province's rows run to millions, streamed to the file in flat memory (excel/xlsx_stream.py)."""
        from ..excel.exports import export_workbook
        self.check_export(who, year)
        visible = jurisdiction.Scope(who.scope).visible_authorities()
        filings: list[Filing] = [f for page in all_pages(lambda token: self.store.list_authority_filings(
            visible, year=year, limit=200, page_token=token)) for f in page]
        names: dict[str, str] = {}

        def authority_name(code: str) -> str:
            if code not in names:
                names[code] = jurisdiction.authority(code).name
            return names[code]

        def t1(f: Filing, field: str) -> Any:
            return (f.table1 or {}).get(field)
        filing_rows = ([f.receipt_no or "", f.unit_name, f.uscc, authority_name(f.authority_code), f.year,
                        f.kind_label, f.status_label,
                        local_text(f.submitted_at) if f.submitted_at else "",
                        t1(f, "contracts_due"), t1(f, "contracts_signed")] for f in filings)
        columns = [c for c in TABLE2 if c.key != "seq"]
        # the people of a superseded version are the correction's (§11)
        rosters = [f for f in filings if "table2" in f.row_sets and not f.superseded_by]
        progress.expect(len(filings) + sum(f.row_sets["table2"].rows for f in rosters))

        def rows() -> Iterator[list[Any]]:
            reader = RowReader(self.store)
            for f in rosters:
                for r in map(listed_row, reader.rows(f.row_sets["table2"])):
                    yield [f.uscc, f.unit_name, *(r.get(c.key) for c in columns)]
        workbook = export_workbook(progress.counted(filing_rows),
                                   ["统一社会信用代码", "单位名称", *(c.title for c in columns)], progress.counted(rows()))
        self.store.append_audit(audit_event(self.clock.now(), who.username, "export", "stats", scope=who.scope,
                                            detail={"year": year, "filings": len(filings), "rows": progress.rows}))
        return workbook, f"{year}年度备案数据导出.xlsx"

    def dashboard(self, who: Principal, year: int | None = None) -> Dashboard:
        if who.role not in VIEWERS:
            raise Forbidden("只有审核机关的审核员和管理员可以查看统计")
        scope = jurisdiction.Scope(who.scope)
        if who.role not in (Role.OPERATOR, Role.DATA_SHARING) and scope.level == "county":  # departments: §16
            raise Forbidden("统计仅向省、市级管理员开放")
        today = local_today(self.clock.now())
        years = list(range(policy().first_filing_year, today.year)) or [today.year - 1]
        year = years[-1] if year is None else year
        if year not in years:
            text = f"统计年度应在{years[0]}年至{years[-1]}年之间"
            raise ValidationFailed(text, [problem(text, column="统计年度", field="year")])
        visible = scope.visible_authorities()
        counts, registered = self.store.stats(year, visible), self.store.stats(REGISTERED_YEAR, visible)
        lines: dict[str, Line] = {}
        if scope.level == "province":  # every city shows, with zeros
            for d in sorted(divisions().values(), key=lambda d: d.code):
                if d.level == "city":
                    lines[d.code] = Line(d.code, d.name)
        elif scope.level == "city":
            for code in visible or []:
                lines[code] = Line(*group_of(scope, code))
        else:
            lines[scope.code] = Line(*group_of(scope, scope.code))
        industries: dict[str, Line] = {}
        names = codes()["industry"]
        for source in (counts, registered):
            for authority, metrics in source.items():
                if authority not in divisions():
                    continue
                code, name = group_of(scope, authority)
                lines.setdefault(code, Line(code, name)).add(metrics)
        for metrics in counts.values():
            for metric, value in metrics.items():
                kind, _, industry = metric.partition(":")
                if industry:
                    line = industries.setdefault(industry, Line(industry, f"{industry} {names.get(industry, '')}"))
                    setattr(line, kind, getattr(line, kind) + value)
        ordered = sorted(lines.values(), key=lambda line: (line.name not in ("省本级", "市本级"), line.code))
        board = Dashboard(year, years, jurisdiction.authority(who.scope).name, due_date(year),
                          today > due_date(year), ordered, sorted(industries.values(), key=lambda i: i.code))
        for line in ordered:
            board.total.add(line.__dict__)
        return board
