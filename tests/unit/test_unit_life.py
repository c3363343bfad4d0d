"""A unit's life (domain/unit_life.py, docs/rules.md §11): which years it owes given its founding date, closures
and reopenings, the transitions' checks, and how the owing index is brought in line. Fixed dates throughout."""
from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain import unit_life as life
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.unit_life import YearChange, YearRecord
from tests.contract.test_store_contract import unit

D = dt.date
NOW = dt.datetime(2026, 3, 2, 2, tzinfo=dt.timezone.utc)
TODAY = D(2026, 3, 2)


def founded(on: str | None):
    return unit().model_copy(update={"founded_on": D.fromisoformat(on) if on else None})


def close(u, on: str, today=TODAY):
    return life.closed(u, "deregistered", on, "晋工商注字〔2026〕1号", "", "op", NOW, today)


def test_a_unit_owes_from_its_founding_year_but_never_before_the_first_filing_year():
    assert life.years_owed(founded("2015-06-01"), TODAY) == [2022, 2023, 2024, 2025]
    assert life.years_owed(founded("2024-12-31"), TODAY) == [2024, 2025]
    assert life.years_owed(founded("2026-01-05"), TODAY) == []  # founded this year: owes nothing yet
    assert life.years_owed(founded("2026-01-05"), D(2027, 1, 1)) == [2026]
    # without a founding date (registered before it was asked): the year before registration, as before
    assert life.years_owed(founded(None), TODAY) == [2025]


def test_a_closure_excuses_the_years_not_yet_due_and_keeps_those_already_overdue():
    u = founded("2015-06-01")
    closed = close(u, "2025-07-01")  # 2024 was due 2025-06-30: overdue when it closed
    assert life.years_owed(closed, TODAY) == [2022, 2023, 2024]
    assert (life.excuse(closed, 2024), life.excuse(closed, 2025), life.excuse(closed, 2026)) == (None, "closed",
                                                                                                "closed")
    # closing on the due date itself: the unit had that whole day to file, so the year is excused
    assert life.years_owed(close(u, "2025-06-30"), TODAY) == [2022, 2023]
    assert life.is_closed(closed) and life.status_label(closed) == "已注销（2025-07-01）"


def test_reopening_owes_the_years_due_from_then_on_only():
    closed = close(founded("2015-06-01"), "2025-07-01", today=D(2025, 7, 2))
    reopened = life.reopened(closed, "误登记", "op", NOW, D(2026, 3, 2))
    assert not life.is_closed(reopened) and reopened.closures[-1].reopened_on == D(2026, 3, 2)
    assert life.years_owed(reopened, TODAY) == [2022, 2023, 2024, 2025]  # 2025 is due 2026-06-30: owed again
    late = life.reopened(closed, "误登记", "op", NOW, D(2026, 7, 10))  # 2025 fell due while it was closed
    assert life.years_owed(late, D(2026, 7, 10)) == [2022, 2023, 2024]
    assert life.years_owed(late, D(2027, 1, 1)) == [2022, 2023, 2024, 2026]


def test_closure_and_founding_inputs_are_checked_with_chinese_messages():
    u = founded("2020-05-01")
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        life.founding_date("2026-03-03", TODAY)
    with pytest.raises(ValidationFailed, match="1949-10-01"):
        life.founding_date("1949-09-30", TODAY)
    with pytest.raises(ValidationFailed, match="请填写成立日期"):
        life.founding_date("", TODAY)
    with pytest.raises(ValidationFailed, match="应为日期"):
        life.founding_date("去年", TODAY)
    with pytest.raises(ValidationFailed, match="请选择类型"):
        life.closed(u, "bankrupt", "2025-01-01", "1号", "", "op", NOW, TODAY)
    with pytest.raises(ValidationFailed, match="不能早于2020-05-01"):
        close(u, "2020-04-30")
    with pytest.raises(ValidationFailed, match="请填写文书编号") as refused:
        life.closed(u, "revoked", "2025-01-01", " ", "", "op", NOW, TODAY)
    assert refused.value.details[0]["field"] == "evidence"
    with pytest.raises(Conflict):
        close(close(u, "2025-01-01"), "2025-02-01")  # already closed
    with pytest.raises(Conflict):
        life.reopened(u, "理由", "op", NOW, TODAY)  # not closed
    with pytest.raises(ValidationFailed, match="请填写恢复理由"):
        life.reopened(close(u, "2025-01-01"), "", "op", NOW, TODAY)


def test_the_filer_fills_in_the_founding_date_once_the_authority_corrects_it():
    u = life.with_founding(founded(None), "2019-03-01", TODAY, by_authority=False)
    assert u.founded_on == D(2019, 3, 1) and u.version == 2
    with pytest.raises(Conflict, match="联系备案审核机关"):
        life.with_founding(u, "2018-03-01", TODAY, by_authority=False)
    assert life.with_founding(u, "2018-03-01", TODAY, by_authority=True).founded_on == D(2018, 3, 1)


def test_a_request_is_confirmed_by_the_closure_or_refused_with_a_reason():
    u = founded("2020-05-01")
    asked = life.requested(u, "moved_out", "2026-02-01", "迁往北京", "filer", NOW, TODAY)
    assert life.pending_request(asked) and life.status_label(asked) == "正常（已申请注销，待确认）"
    with pytest.raises(Conflict, match="待确认"):
        life.requested(asked, "moved_out", "2026-02-01", "", "filer", NOW, TODAY)
    confirmed = close(asked, "2026-02-01")
    assert confirmed.closure_request.status == "confirmed" and life.pending_request(confirmed) is None
    with pytest.raises(ValidationFailed, match="请填写不同意的理由"):
        life.refused(asked, "", "op", NOW)
    refused = life.refused(asked, "尚未办结注销登记", "op", NOW)
    assert refused.closure_request.status_label == "审核机关未同意" and refused.closure_request.answer
    assert life.pending_request(life.requested(refused, "deregistered", "2026-02-20", "", "filer", NOW, TODAY))


def test_who_may_file_what():
    closed = close(founded("2015-06-01"), "2025-07-01")
    assert life.filing_refusal(closed, 2024, "annual") is None  # overdue before it closed: still owed
    assert "不能再新建或提交备案" in life.filing_refusal(closed, 2025, "annual")
    assert "不能再新建或提交备案" in life.filing_refusal(closed, 2025, "interim")
    assert life.filing_refusal(founded("2024-03-01"), 2023, "annual") == "单位成立于2024-03-01，不需要备案2023年度"
    assert life.filing_refusal(founded("2024-03-01"), 2023, "interim") is None
    assert life.filing_refusal(founded(None), 2022, "annual") is None  # the old units may still file late


def test_reconcile_moves_the_years_not_filed_and_leaves_filed_ones():
    u = founded("2015-06-01")
    records = [YearRecord(2024, "140105", None, None), YearRecord(2025, "140105", "submitted", None)]
    # a closure on 2024-03-01: 2022 (due 2023-06-30) was overdue and is owed (its record is added); 2023 has no
    # record and needs none; 2024 leaves the list; 2025 was filed and stands
    changes, deltas = life.reconcile(close(u, "2024-03-01"), records, TODAY)
    assert changes == [YearChange(2022, "140105", None, new=True), YearChange(2024, "140105", "closed", new=False)]
    assert deltas == [(2022, "140105", "expected", 1), (2024, "140105", "expected", -1),
                      (2024, "140105", "closed", 1)]
    # a founding date after 2024 excuses it as not started; nothing to add before it
    changes, deltas = life.reconcile(founded("2025-02-01"), records, TODAY)
    assert changes == [YearChange(2024, "140105", "not_started", new=False)]
    assert deltas == [(2024, "140105", "expected", -1)]
    # an excused year owed again rejoins (and leaves `closed`)
    back = [YearRecord(2025, "140105", "draft", "closed")]
    changes, deltas = life.reconcile(founded("2025-02-01"), back, TODAY)
    assert changes == [YearChange(2025, "140105", None, new=False)]
    assert deltas == [(2025, "140105", "expected", 1), (2025, "140105", "closed", -1)]
