"""Versions of a filing (docs/rules.md §11): the correction and revocation windows on fixed dates, the states a
correction and a revocation move through, and what a correction changes — 表一 field by field, 表二/表三 by ID
number, streamed with bounded memory (100,000 rows)."""
from __future__ import annotations

import datetime as dt
import tracemalloc

import pytest

from chalicelib.domain import versions
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.filing import Filing, RowSet, Status
from tests import factories

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.timezone.utc)


def approved(**over) -> Filing:
    f = Filing(id="f1", uscc="U1", unit_name="单位", authority_code="140105", year=2025, kind="annual",
               tables=("table1", "table2", "table3"), table1={"unit_name": "单位", "employees": 3},
               row_sets={"table2": RowSet(upload_id="up2", rows=3)}, created_at=T0, updated_at=T0, **over)
    f = f.submit(actor="u", now=T0, receipt_no="BA-140105-2025-000001")
    return f.review(decision="approve", reason=None, actor="r", now=T0 + dt.timedelta(hours=1))


def test_a_year_can_be_corrected_until_the_next_years_due_date():
    assert versions.correction_deadline(2025) == dt.date(2027, 6, 30)
    assert versions.correction_error(2025, dt.date(2027, 6, 30)) is None  # the due date itself is in time
    assert "2027年6月30日" in versions.correction_error(2025, dt.date(2027, 7, 1))
    assert versions.correction_deadline(2021) == dt.date(2023, 12, 31)  # 2022's due date is the exception


def test_a_correction_copies_table1_and_carries_the_rows_by_reference():
    f = approved()
    c = f.correction(new_id="c1", now=T0)
    assert (c.kind, c.corrects, c.correction_no, c.status, c.year) == ("correction", "f1", 1, Status.DRAFT, 2025)
    assert c.table1 == f.table1 and c.table1 is not f.table1
    assert c.row_sets["table2"].upload_id == "up2" and c.row_sets["table2"].carried_from == "f1"
    assert c.title == "2025年度劳动用工备案（第1次更正）" and c.kind_short == "年度备案更正"
    assert c.annual and not c.in_force
    with pytest.raises(Conflict, match="正在办理的更正"):
        f.marked(T0, open_correction="c1").correction(new_id="c2", now=T0)
    with pytest.raises(Conflict, match="现行有效"):
        f.marked(T0, superseded_by="c1").correction(new_id="c2", now=T0)
    interim = approved().model_copy(update={"kind": "interim"})
    with pytest.raises(Conflict, match="表三备案不能更正"):
        interim.correction(new_id="c2", now=T0)


def test_an_approval_can_be_revoked_with_a_reason_within_the_window_only():
    f = approved()
    with pytest.raises(ValidationFailed, match="原因"):
        f.revoke(reason=" ", actor="r", now=T0 + dt.timedelta(days=1), window_days=30)
    with pytest.raises(Conflict, match="超过30天"):
        f.revoke(reason="有误", actor="r", now=T0 + dt.timedelta(days=30, hours=2), window_days=30)
    revoked = f.revoke(reason="有误", actor="r", now=T0 + dt.timedelta(days=30), window_days=30)
    assert revoked.status == Status.REJECTED and revoked.editable
    # its rows may be carried into later filings: a new upload to the revoked filing replaces, never deletes them
    assert revoked.row_sets["table2"].carried_from == "f1"
    t = revoked.history[-1]
    assert (t.action, t.from_status, t.to_status, t.reason) == ("revoke", Status.APPROVED, Status.REJECTED, "有误")
    with pytest.raises(Conflict, match="只有审核通过"):
        revoked.revoke(reason="有误", actor="r", now=T0, window_days=30)
    with pytest.raises(Conflict, match="已被审核通过的更正取代"):
        f.marked(T0, superseded_by="c1").revoke(reason="有误", actor="r", now=T0, window_days=30)


def test_table1_changes_name_each_changed_field():
    changes = versions.table1_changes({"employees": 3, "male": 2, "unit_name": "甲"}, {"employees": 4, "male": 2,
                                                                                    "unit_name": "甲"})
    assert changes == [{"field": "employees", "label": "在册职工人数", "before": 3, "after": 4}]


def test_rows_are_compared_by_id_number():
    a, b, c, d = (factories.person(i) for i in range(4))
    before = [a, b, c]
    after = [{**a, "seq": 9}, {**b, "contract_end": "2027-02-28"}, d]  # a moved (same content), b changed, c left
    diff = versions.row_changes(lambda: before, lambda: after, "table2")
    assert (diff["added"], diff["changed"], diff["removed"], diff["total"]) == (1, 1, 1, 3)
    listed = [(x["change"], (x["after"] or x["before"])["name"]) for x in diff["items"]]
    assert listed == [("changed", b["name"]), ("added", d["name"]), ("removed", c["name"])]
    assert diff["items"][0]["fields"] == ["合同终止日期"] and diff["items"][0]["before"]["contract_end"] == "2026-02-28"
    page = versions.row_changes(lambda: before, lambda: after, "table2", offset=2, limit=1)
    assert [x["change"] for x in page["items"]] == ["removed"] and page["total"] == 3


def test_a_person_ended_twice_on_table3_is_two_rows():
    p = factories.person(0)
    first, second = factories.ended(p), factories.ended(p, ended_on="2025-11-30")
    diff = versions.row_changes(lambda: [first], lambda: [first, second], "table3")
    assert (diff["added"], diff["changed"], diff["removed"]) == (1, 0, 0)


def test_a_large_roster_is_compared_with_bounded_memory():
    """20,000 rows here (tracemalloc is slow); bench/bench_versions.py measures 100,000 and 500,000."""
    n = 20_000

    def rows(changed_every: int = 0, drop: int = -1):
        for i in range(n):
            if i == drop:
                continue
            yield {"row": i + 2, "name": f"职工{i}", "id_number": f"14010519900101{i:04d}"[:14] + f"{i:06d}",
                   "gender": "男", "contract_term": "固定期限", "contract_start": "2021-01-01",
                   "contract_end": "2027-01-01" if changed_every and i % changed_every == 0 else "2026-01-01"}
    tracemalloc.start()
    try:
        diff = versions.row_changes(lambda: rows(), lambda: rows(changed_every=1000, drop=5), "table2", limit=50)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (diff["added"], diff["changed"], diff["removed"]) == (0, 20, 1)
    assert len(diff["items"]) == 21 and all(x["before"] for x in diff["items"])
    # the rows are never held: two hashes per person (~4 MB here; the roster held as dicts: ~25 MB)
    assert peak < 8 * 1024 * 1024, peak
