"""The enforcement state machine (docs/rules.md §15) on fixed dates: 2025 is due on 2026-06-30."""
from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain import enforcement
from chalicelib.domain.enforcement import Stage
from chalicelib.domain.errors import Conflict, ValidationFailed

NOW = dt.datetime(2026, 7, 10, 2, 0, tzinfo=dt.timezone.utc)
TODAY = dt.date(2026, 7, 10)


def order(**over):
    args = {"notice_number": "令1号", "notice_date": "2026-07-10", "deadline": "2026-07-25", "by": "xd", "now": NOW,
            "today": TODAY, "filed": False, **over}
    return enforcement.order("U1", 2025, "140105", **args)


def test_an_order_opens_the_record_and_offers_neither_ending_yet():
    e = order()
    assert (e.stage, e.version, e.last_step_label, e.last_step_date) == (Stage.ORDERED, 1, "责令限期改正",
                                                                         dt.date(2026, 7, 10))
    assert not e.may_correct(filed=False) and e.may_correct(filed=True)
    assert not e.may_transfer(filed=False, today=dt.date(2026, 7, 25))  # the deadline itself is still in time
    assert e.may_transfer(filed=False, today=dt.date(2026, 7, 26)) and not e.may_transfer(True, dt.date(2026, 7, 26))


@pytest.mark.parametrize("over, field", [
    ({"notice_number": "  "}, "notice_number"), ({"notice_number": "令\u200b1号"}, "notice_number"),
    ({"notice_number": "号" * 51}, "notice_number"), ({"notice_date": "2026/7/10"}, "notice_date"),
    ({"notice_date": "2026-06-30"}, "notice_date"), ({"notice_date": "2026-07-11"}, "notice_date"),
    ({"deadline": "2026-07-10"}, "deadline"), ({"deadline": ""}, "deadline"),
])
def test_bad_orders_name_the_field(over, field):
    with pytest.raises(ValidationFailed) as e:
        order(**over)
    assert [d["field"] for d in e.value.details] == [field]


def test_no_order_before_the_due_date_has_passed_or_once_the_unit_has_filed():
    with pytest.raises(Conflict, match="截止日期（2026-06-30）尚未过"):
        order(today=dt.date(2026, 6, 30))
    with pytest.raises(Conflict, match="已提交2025年度备案"):
        order(filed=True)


def test_corrected_needs_a_filing_and_closes_the_record():
    e = order()
    with pytest.raises(Conflict, match="尚未提交2025年度备案"):
        e.correct(by="xd", now=NOW, filed=False)
    later = dt.datetime(2026, 7, 20, 17, 0, tzinfo=dt.timezone.utc)  # 21 July in Beijing
    done = e.correct(by="xd2", now=later, filed=True)
    assert (done.stage, done.version, done.last_step.by, done.last_step_date) == (Stage.CORRECTED, 2, "xd2",
                                                                                  dt.date(2026, 7, 21))
    with pytest.raises(Conflict, match="已办结"):
        done.transfer(by="xd", now=later, today=dt.date(2026, 8, 1), filed=False, note="移交")


def test_a_transfer_waits_for_the_deadline_and_needs_a_note():
    e = order()
    with pytest.raises(Conflict, match="尚未届满"):
        e.transfer(by="xd", now=NOW, today=dt.date(2026, 7, 25), filed=False, note="移交1号")
    with pytest.raises(Conflict, match="请记为已改正"):
        e.transfer(by="xd", now=NOW, today=dt.date(2026, 7, 26), filed=True, note="移交1号")
    with pytest.raises(ValidationFailed, match="请填写移交文书编号或说明"):
        e.transfer(by="xd", now=NOW, today=dt.date(2026, 7, 26), filed=False, note="")
    moved = e.transfer(by="xd", now=NOW, today=dt.date(2026, 7, 26), filed=False, note=" 移交1号 ")
    assert (moved.stage, moved.transfer_note, [s.action for s in moved.history]) == (
        Stage.TRANSFERRED, "移交1号", ["order", "transfer"])
    assert enforcement.transition_detail(e, moved) == {"from": "ordered", "to": "transferred", "year": 2025,
                                                        "transfer_note": "移交1号"}
    assert enforcement.transition_detail(None, e)["from"] is None
