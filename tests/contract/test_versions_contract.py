"""Versions of a filing on both backends (docs/rules.md §11): a correction is created with its mark on the version it
corrects, and its approval swaps the version in force in one transaction; a revoked approval moves the owing index
and the counters; a deleted draft frees its year and takes its uploads along."""
from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain.filing import Status
from chalicelib.domain.model import Upload
from chalicelib.ports import StaleVersion
from tests.contract.test_owing_contract import move, owing, register
from tests.contract.test_store_contract import T0, audit, filing

TABLE1 = {"unit_name": "单位", "industry": "I", "contracts_due": 10, "contracts_signed": 8, "employees": 10}


def approved(store, year=2025, table1=TABLE1):
    f = filing(uscc="U1", year=year).model_copy(update={"table1": table1})
    store.create_filing(f, audit=audit())
    return move(store, f, "submit", "approve")


def counters(store, year=2025) -> dict[str, int]:
    return store.stats(year).get("140105", {})


def open_correction(store, f, minutes=10):
    at = T0 + dt.timedelta(minutes=minutes)
    correction = f.correction(new_id=f"{f.id}-c{f.correction_no + 1}", now=at)
    marked = f.marked(at, open_correction=correction.id)
    store.create_filing(correction, audit=audit(), together=[(marked, f.version)])
    return correction, marked


def test_a_correction_is_created_with_its_mark_on_the_version_in_force_and_only_one_at_a_time(store):
    register(store, "U1")
    f = approved(store)
    correction, marked = open_correction(store, f)
    assert store.get_filing(f.id).open_correction == correction.id
    stored = store.get_filing(correction.id)
    assert (stored.kind, stored.corrects, stored.correction_no, stored.status) == ("correction", f.id, 1, Status.DRAFT)
    # a second correction read from the version before the mark loses: one open correction at a time
    second = f.correction(new_id="second", now=T0)
    with pytest.raises(StaleVersion):
        store.create_filing(second, audit=audit(), together=[(f.marked(T0, open_correction="second"), f.version)])
    assert store.get_filing("second") is None


def test_a_corrections_approval_swaps_the_version_in_force_atomically(store):
    register(store, "U1")
    f = approved(store)
    assert counters(store)["due"] == 10 and counters(store)["approved"] == 1
    correction, marked = open_correction(store, f)
    correction = correction.edited(T0, table1={**TABLE1, "contracts_due": 12, "contracts_signed": 12})
    store.save_filing(correction, expected_version=1)
    correction = move(store, correction, "submit")
    decided = correction.review(decision="approve", reason=None, actor="r", now=T0 + dt.timedelta(hours=1))
    stale = marked.marked(T0, superseded_by=correction.id, open_correction=None)
    # the earlier version changed meanwhile: nothing is written, neither version
    with pytest.raises(StaleVersion):
        store.save_filing(decided, expected_version=correction.version, together=[(stale, f.version)])
    assert store.get_filing(correction.id).status == Status.SUBMITTED
    store.save_filing(decided, expected_version=correction.version, together=[(stale, marked.version)])
    earlier, now_in_force = store.get_filing(f.id), store.get_filing(correction.id)
    assert earlier.superseded_by == correction.id and not earlier.in_force and now_in_force.in_force
    assert earlier.status == Status.APPROVED  # history keeps every version
    c = counters(store)
    assert (c["due"], c["signed"], c["due:I"], c["approved"], c["filed"]) == (12, 12, 12, 1, 1)
    assert owing(store, 2025) == []


def test_revoking_an_approval_makes_the_unit_owe_again_and_takes_back_the_counters(store):
    register(store, "U1")
    f = approved(store)
    assert owing(store, 2025) == []
    revoked = f.revoke(reason="表二人数有误", actor="r", now=T0 + dt.timedelta(days=1), window_days=30)
    store.save_filing(revoked, expected_version=f.version, audit=audit())
    assert [(o.uscc, o.filing_status) for o in store.units_owing(2025).items] == [("U1", "rejected")]
    c = counters(store)
    assert (c.get("approved", 0), c.get("filed", 0), c["rejected"], c.get("due", 0), c.get("signed", 0)) == (0, 0, 1, 0, 0)


def test_a_correction_rejected_or_revoked_leaves_the_unit_filed(store):
    register(store, "U1")
    f = approved(store)
    correction, marked = open_correction(store, f)
    correction = correction.edited(T0, table1={**TABLE1, "contracts_due": 12})
    store.save_filing(correction, expected_version=1)
    correction = move(store, correction, "submit", "reject")
    assert owing(store, 2025) == [] and counters(store)["due"] == 10


def test_deleting_a_draft_frees_its_year_and_its_uploads(store):
    register(store, "U1")
    f = filing(uscc="U1", year=2025)
    store.create_filing(f, audit=audit())
    f2 = f.edited(T0, table1=TABLE1)
    store.save_filing(f2, expected_version=1)
    store.put_upload(Upload(id="up1", filing_id=f.id, table="table2", filename="a.xlsx", blob_key="uploads/up1.xlsx",
                            created_at=T0, updated_at=T0))
    store.put_rows("up1", 0, [{"row": 2, "id_number": "X1"}])
    assert [u.id for u in store.list_uploads(f.id)] == ["up1"]
    with pytest.raises(StaleVersion):
        store.delete_filing(f2, expected_version=1, audit=audit())
    store.delete_filing(f2, expected_version=2, audit=audit())
    assert store.get_filing(f.id) is None
    assert [(o.uscc, o.filing_status) for o in store.units_owing(2025).items] == [("U1", None)]
    store.delete_upload("up1")
    store.delete_rows("up1")
    assert store.get_upload("up1") is None and store.get_rows("up1") == [] and store.list_uploads(f.id) == []
    store.create_filing(filing(uscc="U1", year=2025), audit=audit())  # the year is free again


def test_deleting_a_draft_correction_frees_the_version_it_corrects(store):
    register(store, "U1")
    f = approved(store)
    correction, marked = open_correction(store, f)
    store.delete_filing(correction, expected_version=1, audit=audit(),
                        together=[(marked.marked(T0, open_correction=None), marked.version)])
    assert store.get_filing(correction.id) is None and store.get_filing(f.id).open_correction is None
    assert store.get_filing(f.id).in_force and owing(store, 2025) == []
