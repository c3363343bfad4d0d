import datetime as dt

import pytest

from chalicelib.domain import calendar
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.filing import Filing, Status, receipt_number

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)


def test_due_dates():
    assert calendar.due_date(2025) == dt.date(2026, 6, 30)
    assert calendar.due_date(2022) == dt.date(2023, 12, 31)


def test_beijing_day_starts_at_16_utc():
    assert calendar.local_today(dt.datetime(2026, 6, 30, 15, 59, tzinfo=dt.timezone.utc)) == dt.date(2026, 6, 30)
    assert calendar.local_today(dt.datetime(2026, 6, 30, 16, 0, tzinfo=dt.timezone.utc)) == dt.date(2026, 7, 1)


@pytest.mark.parametrize("year,today,ok", [
    (2025, dt.date(2026, 1, 1), True),
    (2026, dt.date(2026, 12, 31), False),  # the year has not ended
    (2021, dt.date(2026, 1, 1), False),  # before the system
    (2022, dt.date(2023, 1, 1), True),
    (2024, dt.date(2026, 7, 1), True),  # late filing is still accepted
])
def test_which_years_can_be_filed(year, today, ok):
    assert (calendar.annual_year_error(year, today) is None) is ok


def test_tables_by_kind():
    assert calendar.tables_for("annual", first_annual=True) == ("table1", "table2")
    assert calendar.tables_for("annual", first_annual=False) == ("table1", "table2", "table3")
    assert calendar.tables_for("interim", first_annual=False) == ("table3",)


def draft() -> Filing:
    return Filing(id="f1", uscc="X", unit_name="U", authority_code="140105", year=2025, kind="annual",
                  tables=("table1", "table2"), created_at=NOW, updated_at=NOW)


def test_state_machine_and_versions():
    f = draft()
    s = f.submit(actor="u", now=NOW, receipt_no=receipt_number("140105", 2025, 123))
    assert (s.status, s.version, s.receipt_no) == (Status.SUBMITTED, 2, "BA-140105-2025-000123")
    with pytest.raises(Conflict):
        s.edited(NOW, table1={})
    w = s.withdraw(actor="u", now=NOW)
    assert w.status == Status.DRAFT and w.version == 3
    rej = s.review(decision="reject", reason="缺表", actor="r", now=NOW)
    assert rej.status == Status.REJECTED and rej.last_rejection.reason == "缺表"
    with pytest.raises(Conflict, match="已被其他审核员处理"):
        rej.review(decision="approve", reason=None, actor="r2", now=NOW)
    with pytest.raises(Conflict):
        rej.withdraw(actor="u", now=NOW)
    again = rej.submit(actor="u", now=NOW, receipt_no="BA-140105-2025-000124")
    assert again.review(decision="approve", reason=None, actor="r", now=NOW).status == Status.APPROVED
    assert [t.action for t in again.history] == ["submit", "reject", "submit"]


def test_reject_needs_a_reason():
    s = draft().submit(actor="u", now=NOW, receipt_no="R")
    with pytest.raises(ValidationFailed):
        s.review(decision="reject", reason="  ", actor="r", now=NOW)


# -- every date rule at its edges (docs/rules.md §3) ---------------------------------------------------
@pytest.mark.parametrize("year,today,overdue", [
    (2025, dt.date(2026, 6, 30), False),  # due by 30 June of Y+1: the day itself is on time
    (2025, dt.date(2026, 7, 1), True),
    (2022, dt.date(2023, 7, 1), False),  # the 2022 exception: due by 31 Dec 2023
    (2022, dt.date(2023, 12, 31), False),
    (2022, dt.date(2024, 1, 1), True),
    (2023, dt.date(2024, 6, 30), False),  # the exception is 2022's alone
    (2023, dt.date(2024, 7, 1), True),
])
def test_overdue_edges(year, today, overdue):
    assert calendar.is_overdue(year, today) is overdue


def test_due_date_turns_at_beijing_midnight():
    # 2026-06-30 23:59 Beijing is 15:59 UTC: still on time; one minute later it is overdue
    on_time = calendar.local_today(dt.datetime(2026, 6, 30, 15, 59, tzinfo=dt.timezone.utc))
    late = calendar.local_today(dt.datetime(2026, 6, 30, 16, 0, tzinfo=dt.timezone.utc))
    assert not calendar.is_overdue(2025, on_time) and calendar.is_overdue(2025, late)


@pytest.mark.parametrize("year,today,ok", [
    (2025, dt.date(2026, 1, 1), True),  # the first day a year can be filed
    (2025, dt.date(2025, 12, 31), False),  # its last day: not yet
    (2022, dt.date(2023, 1, 1), True),  # the first year the system takes
    (2021, dt.date(2023, 1, 1), False),
])
def test_annual_year_edges(year, today, ok):
    assert (calendar.annual_year_error(year, today) is None) is ok


@pytest.mark.parametrize("year,today,ok", [
    (2026, dt.date(2026, 1, 1), True),  # terminations of the current year, from its first day
    (2025, dt.date(2026, 1, 1), True),  # or of a past year
    (2027, dt.date(2026, 12, 31), False),  # not of a year to come
    (2021, dt.date(2026, 3, 1), False),  # nor before the system
    (2022, dt.date(2026, 3, 1), True),
])
def test_interim_year_edges(year, today, ok):
    assert (calendar.interim_year_error(year, today) is None) is ok


def test_table3_period():
    today = dt.date(2026, 3, 2)
    assert calendar.period("annual", 2025, today) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert calendar.period("interim", 2025, today) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert calendar.period("interim", 2026, today) == (dt.date(2026, 1, 1), today)  # nothing ends in the future
    assert calendar.period("interim", 2026, dt.date(2026, 12, 31)) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
