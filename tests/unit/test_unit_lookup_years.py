"""The unit look-up's years (docs/rules.md §16): the version in force speaks for its year — an approved correction
rather than the version it replaced, a draft correction not at all — and a revoked approval shows no counts."""
from __future__ import annotations

import datetime as dt

from chalicelib.domain.filing import Filing, Status, Transition
from chalicelib.services.unit_lookup import _years

T0 = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.timezone.utc)


def _filing(fid: str, year: int, status: Status, days: int, *, employees: int, kind: str = "annual",
            **over) -> Filing:
    at = T0 + dt.timedelta(days=days)
    history = [Transition(at=at, actor="r", action="approve", from_status=Status.SUBMITTED,
                          to_status=Status.APPROVED)] if status == Status.APPROVED else []
    return Filing(id=fid, uscc="u", unit_name="单位", authority_code="140105", year=year, kind=kind,
                  tables=("table1",), status=status, table1={"employees": employees}, receipt_no=f"R-{fid}",
                  created_at=at, updated_at=at, history=history, **over)


def test_each_year_shows_the_version_in_force_or_else_its_latest_filing():
    years = _years([
        _filing("a25", 2025, Status.APPROVED, 0, employees=10, superseded_by="c25"),
        _filing("c25", 2025, Status.APPROVED, 5, employees=12, kind="correction", corrects="a25"),
        _filing("a24", 2024, Status.REJECTED, 1, employees=7),  # its approval revoked
        _filing("a23", 2023, Status.APPROVED, 2, employees=3),
        _filing("d23", 2023, Status.DRAFT, 9, employees=4, kind="correction", corrects="a23"),
        _filing("i25", 2025, Status.APPROVED, 9, employees=1, kind="interim"),  # not an annual filing
    ])
    assert [(y["year"], y["receipt_no"], y["status"]) for y in years] == [
        (2025, "R-c25", "审核通过"), (2024, "R-a24", "审核不通过"), (2023, "R-a23", "审核通过")]
    assert years[0]["counts"]["在册职工人数"] == 12 and years[0]["approved_on"] == "2026-03-06"
    assert years[1]["counts"] is None and years[1]["approved_on"] is None
    assert years[2]["counts"]["在册职工人数"] == 3
