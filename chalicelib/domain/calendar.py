"""备案日历 (docs/rules.md §3): which years can be filed, when they are due, which tables they hold."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from .reference import policy


def local_today(now_utc: dt.datetime) -> dt.date:
    """The date in Asia/Shanghai for an aware UTC instant (a day starts at 16:00 UTC)."""
    return now_utc.astimezone(ZoneInfo(policy().timezone)).date()


def local_text(at: dt.datetime | None) -> str:
    """An aware UTC instant as Beijing time, "2026-06-30 23:59" ("" for none)."""
    return at.astimezone(ZoneInfo(policy().timezone)).strftime("%Y-%m-%d %H:%M") if at else ""


def due_date(year: int) -> dt.date:
    """Last day to file year `year`'s annual filing."""
    p = policy()
    if year in p.due_date_exceptions:
        return p.due_date_exceptions[year]
    month, day = p.annual_due_month_day
    return dt.date(year + 1, month, day)


def annual_year_error(year: int, today: dt.date) -> str | None:
    """None if an annual filing for `year` may be created on `today` (late filing is allowed)."""
    first = policy().first_filing_year
    if year < first:
        return f"系统自{first}年度起受理备案，不能创建{year}年度的备案"
    if year >= today.year:
        return f"{year}年度尚未结束，每年备案上一年度情况（当前可备案{today.year - 1}年度）"
    return None


def interim_year_error(year: int, today: dt.date) -> str | None:
    """Interim 表三 filings cover terminations in the current or a past year."""
    first = policy().first_filing_year
    if year < first or year > today.year:
        return f"单独填报表三的年度应在{first}年至{today.year}年之间"
    return None


def tables_for(kind: str, *, first_annual: bool) -> tuple[str, ...]:
    """首次网上备案只填报表一、表二; later annual filings add 表三; interim filings are 表三 alone."""
    if kind == "interim":
        return ("table3",)
    return ("table1", "table2") if first_annual else ("table1", "table2", "table3")


def is_overdue(year: int, today: dt.date) -> bool:
    """True from the day after the due date (the due date itself is still on time)."""
    return today > due_date(year)


def period(kind: str, year: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days a filing's 表三 may report terminations on: the year filed; for an interim filing of
    the current year, up to today (nothing can be reported as ended in the future)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if kind == "interim" and today < end:
        end = today
    return start, end
