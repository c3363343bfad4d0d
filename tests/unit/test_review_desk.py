"""Reviewers' batch work, the pure parts (docs/rules.md §9): a desk's notes, codes read as names, the 审核机关
filter grouped by city, what a send-back keeps, and the opt-in permission for full ID numbers."""
from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain.desk import NOTE_MAX, Desk
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.filing import Filing, RowSet
from chalicelib.domain.jurisdiction import authority_groups
from chalicelib.domain.model import Role
from chalicelib.domain.roles import effective_permissions, permissions_problem
from chalicelib.domain.tables import shown

T0 = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.timezone.utc)


def test_a_note_is_checked_and_kept_in_order_each_a_new_version():
    desk = Desk(filing_id="F", authority_code="140105").noted("xd", "  请核实  ", T0)
    assert [n.text for n in desk.notes] == ["请核实"] and desk.version == 1
    for bad, message in (("", "请填写"), ("x" * (NOTE_MAX + 1), "不能超过"), ("a\u200bb", "不可见字符")):
        with pytest.raises(ValidationFailed, match=message):
            desk.noted("xd", bad, T0)
    assert desk.held_by("xd", T0).holder == "xd" and desk.held_by(None, T0).held_since is None


def test_codes_read_as_names():
    assert shown("industry", "H") == "H 住宿和餐饮业" and shown("industry_division", "62") == "62 餐饮业"
    assert shown("registration_division", "140105") == "140105 太原市小店区"
    assert shown("reason_code", "R02") == "R02 协商一致解除（劳动者提出）"
    assert shown("foreign_invested", False) == "否" and shown("employees", 0) == "0" and shown("unit_name", None) == ""
    assert shown("industry", "ZZ") == "ZZ"  # an unknown code stays as it is


def test_the_authority_filter_groups_by_city():
    groups = dict(authority_groups(None))
    assert [a.code for a in groups["省级"]] == ["140000"] and groups["太原市"][0].code == "140100"
    assert sum(map(len, groups.values())) == 129 and "140171" not in {a.code for g in groups.values() for a in g}
    assert [g for g, _ in authority_groups(["140100", "140105"])] == ["太原市"]


def test_a_send_back_keeps_what_the_authority_saw_and_those_rows_stay():
    f = Filing(id="F", uscc="U", unit_name="单位", authority_code="140105", year=2025, kind="annual",
               tables=("table1", "table2"), table1={"employees": 2}, created_at=T0, updated_at=T0,
               row_sets={"table2": RowSet(upload_id="up1", rows=2)})
    submitted = f.submit(actor="u", now=T0, receipt_no="R1")
    assert submitted.disposable(f.row_sets["table2"])  # nobody decided on it yet
    rejected = submitted.review(decision="reject", reason="人数有误", actor="xd", now=T0)
    assert rejected.last_seen.table1 == {"employees": 2} and rejected.last_seen.uploads == {"table2": "up1"}
    assert not rejected.disposable(f.row_sets["table2"]) and rejected.disposable(RowSet(upload_id="up2", rows=1))


def test_full_id_downloads_are_granted_only_when_an_application_lists_them():
    assert "filing.export_full_ids" not in effective_permissions(Role.OPERATOR, None)
    assert "filing.export_full_ids" in effective_permissions(Role.OPERATOR, ["filing.read", "filing.export_full_ids"])
    assert permissions_problem(Role.OPERATOR, ["filing.export_full_ids"]) is None
    assert permissions_problem(Role.DATA_SHARING, ["filing.export_full_ids"]) is not None
