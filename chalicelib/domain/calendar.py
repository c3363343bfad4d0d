"""备案日历 (docs/rules.md §3): which years can be filed, when they are due, which tables they hold; and working
days (法定节假日 and 调休), from the chinesecalendar package with policy.json's overrides on top."""
from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

import chinese_calendar  # pure data: the State Council's yearly notices, as dicts of dates

from .reference import policy


def local_today(now_utc: dt.datetime) -> dt.date:
    """The date in Asia/Shanghai for an aware UTC instant (a day starts at 16:00 UTC)."""
    return now_utc.astimezone(ZoneInfo(policy().timezone)).date()


def local_midnight(day: dt.date) -> dt.datetime:
    """The aware UTC instant at which `day` starts in Asia/Shanghai."""
    return dt.datetime.combine(day, dt.time(), ZoneInfo(policy().timezone)).astimezone(dt.timezone.utc)


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


# Working days (docs/rules.md §3). The package's `is_workday` raises NotImplementedError for a year it does not
# know (and scans its tables for their range on every call); its `holidays` (法定节假日, the weekends inside
# them included) and `workdays` (调休上班) tables are read directly instead, so an unknown year is simply Mon–Fri.

def is_working_day(day: dt.date) -> bool:
    """A working day in mainland China: policy.json's overrides first, then the State Council's schedule (as the
    chinesecalendar package has it), then Monday to Friday (the only rule for a year the package does not know:
    see `calendar_known`)."""
    p = policy()
    if day in p.working_day_overrides:
        return True
    if day in p.rest_day_overrides:
        return False
    if day in chinese_calendar.workdays:
        return True
    return day.weekday() < 5 and day not in chinese_calendar.holidays


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days d with start < d ≤ end (a filing submitted on `start` has waited this many on `end`)."""
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + dt.timedelta(days=n)))


@cache
def _package_years() -> range:
    days = chinese_calendar.holidays.keys()
    return range(min(days).year, max(days).year + 1)


def calendar_known(year: int) -> bool:
    """True if `year`'s 法定节假日 and 调休 are known: the package carries them, or policy.json has them typed in
    (`calendar_years_in_policy`). Otherwise its working days are a guess: Monday to Friday."""
    return year in _package_years() or year in policy().calendar_years_in_policy


def calendar_source() -> str:
    """Where the working days come from, for messages to operators: "chinesecalendar 1.11.0，收录2004—2026年"."""
    years = _package_years()
    return f"chinesecalendar {chinese_calendar.__version__}，收录{years[0]}—{years[-1]}年"


def unknown_calendar_years(today: dt.date) -> list[int]:
    """The years whose working days matter on `today` but are not known: this year, and the next one from
    `calendar_check_next_year_from` (1 December: the State Council publishes in October or November)."""
    month, day = policy().calendar_check_next_year_from
    years = [today.year] + ([today.year + 1] if today >= dt.date(today.year, month, day) else [])
    return [y for y in years if not calendar_known(y)]
