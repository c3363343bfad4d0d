"""The reminder ladder, working days and who owes what (domain/reminders.py)."""
import datetime as dt

import pytest

from chalicelib.domain.calendar import is_working_day, local_today, working_days_between
from chalicelib.domain.reminders import counts_as_filed, current_step, days_overdue, open_years
from chalicelib.domain.unit_life import years_owed
from tests.contract.test_store_contract import unit

D = dt.date
UTC = dt.timezone.utc


def years_owed_at_registration(at: dt.datetime) -> list[int]:
    """What a unit registering at `at` without a founding date owes right away (domain/unit_life.py)."""
    return years_owed(unit().model_copy(update={"registered_at": at}), local_today(at))


def steps_between(year: int, first: dt.date, last: dt.date) -> list[tuple[str, str]]:
    """(day, step key) for each day the current step changes: the days a reminder goes out."""
    out, seen, day = [], None, first
    while day <= last:
        step = current_step(year, day)
        if step and step.key != seen:
            out.append((day.isoformat(), step.key))
            seen = step.key
        day += dt.timedelta(days=1)
    return out


def test_ladder_for_30_june():
    assert steps_between(2025, D(2026, 5, 1), D(2026, 7, 22)) == [
        ("2026-05-31", "D-30"), ("2026-06-23", "D-7"), ("2026-06-29", "D-1"),
        ("2026-07-01", "D+1"), ("2026-07-08", "D+8"), ("2026-07-15", "D+15"), ("2026-07-22", "D+22")]
    assert current_step(2025, D(2026, 5, 30)) is None
    assert current_step(2025, D(2026, 6, 30)).key == "D-1"  # the due day itself is not late
    assert current_step(2025, D(2026, 6, 30)).label == "截止前1天"
    assert current_step(2025, D(2026, 7, 7)).label == "逾期第1天"


def test_2022_is_due_31_december_2023_and_its_overdue_weeks_cross_the_new_year():
    assert steps_between(2022, D(2023, 11, 1), D(2024, 1, 8)) == [
        ("2023-12-01", "D-30"), ("2023-12-24", "D-7"), ("2023-12-30", "D-1"), ("2024-01-01", "D+1"),
        ("2024-01-08", "D+8")]
    assert days_overdue(2022, D(2023, 12, 31)) == 0 and days_overdue(2022, D(2024, 1, 2)) == 2


def test_leap_years():
    # 2022's weekly overdue steps fall on 26 Feb and then 4 Mar 2024 (29 Feb in between): day 64 after the due date
    assert current_step(2022, D(2024, 3, 3)).key == "D+57"
    assert current_step(2022, D(2024, 3, 4)).key == "D+64"
    # 2023 is due 30 June 2024; thirty days before is 31 May in leap and common years alike
    assert current_step(2023, D(2024, 5, 31)).key == "D-30" and current_step(2023, D(2024, 5, 30)) is None
    assert years_owed_at_registration(dt.datetime(2024, 2, 29, 3, tzinfo=UTC)) == [2023]
    assert working_days_between(D(2028, 2, 25), D(2028, 3, 1)) == 3  # Mon 28, Tue 29 Feb, Wed 1 Mar


def test_the_day_turns_at_16_00_utc():
    before, after = dt.datetime(2026, 6, 22, 15, 59, 59, tzinfo=UTC), dt.datetime(2026, 6, 22, 16, 0, tzinfo=UTC)
    assert current_step(2025, local_today(before)).key == "D-30"
    assert current_step(2025, local_today(after)).key == "D-7"
    # registering at 00:30 Beijing time on New Year's Day already owes the year just ended
    assert years_owed_at_registration(dt.datetime(2025, 12, 31, 16, 30, tzinfo=UTC)) == [2025]
    assert years_owed_at_registration(dt.datetime(2025, 12, 31, 15, 30, tzinfo=UTC)) == [2024]


def test_which_years_a_unit_owes():
    assert years_owed_at_registration(dt.datetime(2022, 5, 1, tzinfo=UTC)) == []  # 2022 opens on 1 Jan 2023
    assert years_owed_at_registration(dt.datetime(2023, 3, 1, tzinfo=UTC)) == [2022]
    assert list(open_years(D(2026, 6, 23))) == [2022, 2023, 2024, 2025]
    assert [s for s in ("draft", "submitted", "approved", "rejected") if counts_as_filed(s)] == ["submitted", "approved"]


@pytest.mark.parametrize("day,working", [
    (D(2026, 6, 23), True),  # Tuesday
    (D(2026, 6, 27), False),  # Saturday
    (D(2026, 6, 19), False),  # 端午节, a Friday
    (D(2026, 10, 5), False),  # 国庆节, a Monday
    (D(2026, 10, 10), True),  # 调休: a Saturday that is a working day
    (D(2026, 2, 14), True),  # 春节调休, Saturday
])
def test_working_days(day, working):
    assert is_working_day(day) is working


def test_working_days_waited():
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 12)) == 4  # 8, 9, 10 (Sat, 调休) and 12 Oct
    assert working_days_between(D(2026, 6, 23), D(2026, 6, 23)) == 0
    assert working_days_between(D(2026, 6, 10), D(2026, 6, 23)) == 8  # 19 June is 端午节
