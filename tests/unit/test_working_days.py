"""Working days (docs/rules.md §3): the chinesecalendar package's 法定节假日 and 调休, policy.json's overrides on
top, Monday to Friday for a year the package does not know, and what the daily job then says."""
import dataclasses
import datetime as dt

import chinese_calendar
import pytest

from chalicelib.domain import calendar
from chalicelib.domain.calendar import (calendar_known, calendar_source, is_working_day, unknown_calendar_years,
                                        working_days_between)
from chalicelib.domain.reference import policy
from chalicelib.services.reminders import DailyReport

D = dt.date


def days_of(year: int) -> list[dt.date]:
    return [D(year, 1, 1) + dt.timedelta(days=n) for n in range((D(year + 1, 1, 1) - D(year, 1, 1)).days)]


@pytest.fixture
def overrides(monkeypatch):
    """Replace policy.json's calendar keys for one test."""
    def apply(**changes):
        monkeypatch.setattr(calendar, "policy", lambda: dataclasses.replace(policy(), **changes))
    return apply


def test_the_2026_spring_festival_is_nine_days_off():
    festival = [D(2026, 2, 15) + dt.timedelta(days=n) for n in range(9)]  # 15 (Sun) to 23 (Mon) February
    assert [chinese_calendar.get_holiday_detail(d) for d in festival] == [(True, "Spring Festival")] * 9
    assert not any(is_working_day(d) for d in festival)
    assert is_working_day(D(2026, 2, 24))  # back to work on Tuesday


# the State Council's notice on the 2026 holidays, as the package has it: the Saturdays and Sundays worked
ADJUSTED_2026 = [(D(2026, 1, 4), "New Year's Day"), (D(2026, 2, 14), "Spring Festival"),
                 (D(2026, 2, 28), "Spring Festival"), (D(2026, 5, 9), "Labour Day"),
                 (D(2026, 9, 20), "National Day"), (D(2026, 10, 10), "National Day")]


@pytest.mark.parametrize("day,holiday", ADJUSTED_2026, ids=lambda v: str(v))
def test_the_2026_tiaoxiu_weekends_are_working_days(day, holiday):
    assert day.weekday() >= 5  # a Saturday or Sunday
    assert chinese_calendar.get_holiday_detail(day) == (False, holiday)
    assert chinese_calendar.is_workday(day) and is_working_day(day)


def test_the_package_knows_exactly_these_2026_tiaoxiu_days():
    assert sorted(d for d in chinese_calendar.workdays if d.year == 2026) == [d for d, _ in ADJUSTED_2026]


@pytest.mark.parametrize("year", range(2022, 2027))
def test_the_domain_agrees_with_the_package_on_every_day(year):
    """With no overrides in policy.json, a working day is exactly the package's working day."""
    assert not policy().rest_day_overrides and not policy().working_day_overrides
    assert [d for d in days_of(year) if is_working_day(d) != chinese_calendar.is_workday(d)] == []


def test_2026_working_days_waited_across_holidays():
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2  # Sat 14 Feb (调休) and Tue 24 Feb
    assert working_days_between(D(2026, 9, 18), D(2026, 9, 28)) == 6  # Sun 20 (调休), 21–24, Mon 28; 25–27 中秋


def test_overrides_win_over_the_package(overrides):
    overrides(rest_day_overrides=frozenset({D(2026, 6, 23)}), working_day_overrides=frozenset({D(2026, 2, 16)}))
    assert not is_working_day(D(2026, 6, 23))  # a Tuesday the bureau closes
    assert is_working_day(D(2026, 2, 16))  # a correction against the package
    assert is_working_day(D(2026, 6, 24))


def test_a_day_cannot_be_both_a_rest_day_and_a_working_day(tmp_path, monkeypatch):
    from chalicelib.domain import reference
    (tmp_path / "policy.json").write_text(
        (reference._DIR / "policy.json").read_text(encoding="utf-8").replace(
            '"rest_day_overrides": []', '"rest_day_overrides": ["2026-06-22/2026-06-24"]').replace(
            '"working_day_overrides": []', '"working_day_overrides": ["2026-06-23"]'), encoding="utf-8")
    monkeypatch.setattr(reference, "_DIR", tmp_path)
    reference.policy.cache_clear()
    try:
        with pytest.raises(ValueError, match="2026-06-23"):
            reference.policy()
    finally:
        monkeypatch.undo()
        reference.policy.cache_clear()


def test_a_year_the_package_does_not_know_is_monday_to_friday(overrides):
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))
    assert not calendar_known(2027) and calendar_known(2026) and calendar_known(2022)
    week = [D(2027, 1, 1) + dt.timedelta(days=n) for n in range(7)]  # Fri 1 Jan (元旦, unknown yet) to Thu 7 Jan
    assert [is_working_day(d) for d in week] == [True, False, False, True, True, True, True]
    assert working_days_between(D(2027, 9, 30), D(2027, 10, 8)) == 6  # 国庆 unknown: only the weekend is off
    # the bureau can type a published schedule in until the package has it
    overrides(calendar_years_in_policy=frozenset({2027}), rest_day_overrides=frozenset({D(2027, 1, 1)}))
    assert calendar_known(2027) and not is_working_day(D(2027, 1, 1))


def test_which_unknown_years_the_daily_job_mentions():
    assert unknown_calendar_years(D(2026, 6, 23)) == []
    assert unknown_calendar_years(D(2026, 11, 30)) == []
    assert unknown_calendar_years(D(2026, 12, 1)) == [2027]  # next year, from 1 December
    assert unknown_calendar_years(D(2027, 3, 1)) == [2027]  # this year: working days are a guess now
    assert unknown_calendar_years(D(2027, 12, 31)) == [2027, 2028]
    assert calendar_source() == f"chinesecalendar {chinese_calendar.__version__}，收录2004—2026年"


def test_the_report_says_when_the_calendar_is_not_known():
    source = calendar_source()
    this_year = "\n".join(DailyReport(D(2027, 3, 1), False, calendar_unknown=[2027], calendar_source=source).lines())
    assert "2027年的法定节假日和调休安排尚未收录" in this_year and "工作日暂按周一至周五计算" in this_year
    assert "升级 chinesecalendar" in this_year and source in this_year
    coming = "\n".join(DailyReport(D(2026, 12, 1), True, calendar_unknown=[2027], calendar_source=source).lines())
    assert "2027年的法定节假日和调休安排尚未收录" in coming and "国务院办公厅公布后" in coming
    assert "自2027年1月1日起工作日按周一至周五计算" in coming
    assert "尚未收录" not in "\n".join(DailyReport(D(2026, 6, 23), False).lines())


def test_a_due_date_on_a_rest_day_does_not_move():
    """§3: due by 30 June (31 December 2023 for 2022), and the due date itself is on time; the rules do not
    carry a due date on a weekend or holiday over to the next working day."""
    assert calendar.due_date(2023) == D(2024, 6, 30) and not is_working_day(D(2024, 6, 30))  # a Sunday
    assert not calendar.is_overdue(2023, D(2024, 6, 30)) and calendar.is_overdue(2023, D(2024, 7, 1))
    assert calendar.due_date(2022) == D(2023, 12, 31) and not is_working_day(D(2023, 12, 31))  # a Sunday
    assert calendar.is_overdue(2022, D(2024, 1, 1))  # 元旦, a holiday: still overdue

