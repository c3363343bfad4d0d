"""Online 表二/表三 rows on both backends (docs/rules.md §5 "Online rows"): one row added, edited or deleted makes a
new row-set version — the upload plus a small overlay — written at the filing's version with its audit event; the
upload's rows are never copied or touched, an approved set never changes, a correction edits its own copy."""
from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain.checks import RosterSummary
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.filing import RowSet
from chalicelib.services.row_reader import RowReader
from tests import factories
from tests.contract.world import assembled, filer_with_filing, registered

ROWS = 3000


def _person(i: int) -> dict:
    born = dt.date(1980, 1, 1) + dt.timedelta(days=i // 500)
    return {**factories.person(0, name=f"职工{i + 1}", seq=i + 1, gender="男" if i % 2 == 0 else "女",
                               birth_date=born.isoformat(),
                               id_number=factories.resident_id("140105", f"{born:%Y%m%d}", i % 500, i % 2 == 0)),
            "row": i + 2}


@pytest.fixture
def world(adapters, clock, tmp_path):
    c = registered(assembled(adapters, clock, tmp_path))
    filer, filing = filer_with_filing(c, ROWS)
    people = [_person(i) for i in range(ROWS)]
    adapters.store.put_rows("upload-big", 0, people)
    summary = RosterSummary()
    summary.add(people)
    adapters.store.save_filing(filing.edited(clock.now(), row_sets={"table2": RowSet(
        upload_id="upload-big", rows=ROWS, summary=summary.as_dict())}), expected_version=filing.version)
    return c, filer, filing.id, people


def _rows_written(store, monkeypatch) -> list[int]:
    written: list[int] = []
    real = store.put_rows
    monkeypatch.setattr(store, "put_rows", lambda upload_id, start, rows: (written.append(len(rows)),
                                                                           real(upload_id, start, rows))[1])
    return written


def test_editing_one_row_of_a_big_roster_writes_one_row_and_leaves_the_upload_alone(world, store, monkeypatch):
    c, filer, filing_id, people = world
    written = _rows_written(store, monkeypatch)
    before = store.get_filing(filing_id)
    after = c.row_edits.edit(filer, filing_id, "table2", 1234, {**people[1234], "name": "王五", "gender": "男"},
                             version=before.version)
    assert written == [1]  # the overlay of one edit, not 3,000 rows
    assert after.version == before.version + 1 and store.get_filing(filing_id).version == after.version
    assert list(store.iter_rows("upload-big")) == people  # the upload as it was
    page = c.row_edits.rows(filer, filing_id, "table2", offset=1230, limit=10)
    assert [(r["index"], r["name"]) for r in page.items][3:6] == [(1233, "职工1234"), (1234, "王五"), (1235, "职工1236")]
    assert page.items[4]["id_number"].count("*") == 8  # masked in the list
    assert c.row_edits.row(filer, filing_id, "table2", 1234)["id_number"] == people[1234]["id_number"]
    reveal = next(e for e in store.list_audit(limit=20) if e.action == "reveal_id")  # the full number: audited
    assert (reveal.actor, reveal.detail["name"]) == (filer.username, "王五")
    rs = after.row_sets["table2"]
    assert rs.rows == ROWS and rs.summary["male"] == ROWS // 2
    event = next(e for e in store.list_audit(limit=20) if e.action == "edit_row")
    assert (event.target, event.detail["name"], event.detail["row"]) == (filing_id, "王五", 1235)


def test_add_and_delete_count_and_a_second_edit_keeps_the_first(world, store):
    c, filer, filing_id, people = world
    newcomer = factories.person(0, name="新人", id_number=factories.resident_id("140105", "19950505", 7, True),
                                birth_date="1995-05-05")
    filing, index = c.row_edits.add(filer, filing_id, "table2", newcomer)
    assert index == ROWS and filing.row_sets["table2"].rows == ROWS + 1
    c.row_edits.edit(filer, filing_id, "table2", 5, {**people[5], "workplace": "大同"})
    after = c.row_edits.delete(filer, filing_id, "table2", 0)
    rows = list(RowReader(store).rows(after.row_sets["table2"]))
    assert len(rows) == after.row_sets["table2"].rows == ROWS
    assert rows[0]["name"] == "职工2" and rows[4]["workplace"] == "大同" and rows[-1]["name"] == "新人"
    assert after.row_sets["table2"].summary["rows"] == ROWS
    assert after.row_sets["table2"].summary["male"] == ROWS // 2  # one man added, one deleted
    with pytest.raises(ValidationFailed) as refused:  # the ID number of someone already on the roster
        c.row_edits.add(filer, filing_id, "table2", {**people[7], "name": "重复"})
    assert refused.value.details[0]["column"] == "证件号码" and "职工8" in refused.value.details[0]["message"]
    # the deleted person's number is free again; the edited row may keep its own number
    c.row_edits.add(filer, filing_id, "table2", {**newcomer, "id_number": people[0]["id_number"],
                                                 "gender": people[0]["gender"], "birth_date": people[0]["birth_date"]})
    c.row_edits.edit(filer, filing_id, "table2", 5, {**people[5], "workplace": "朔州"})


def test_a_stale_version_or_bad_fields_save_nothing(world, store):
    c, filer, filing_id, people = world
    before = store.get_filing(filing_id)
    with pytest.raises(Conflict):
        c.row_edits.edit(filer, filing_id, "table2", 3, {**people[3], "name": "甲"}, version=before.version - 1)
    with pytest.raises(ValidationFailed) as refused:
        c.row_edits.edit(filer, filing_id, "table2", 3, {**people[3], "id_number": "140105199001011234",
                                                         "hire_date": "明天"})
    assert {d["column"] for d in refused.value.details} >= {"证件号码", "入职日期"}
    assert store.get_filing(filing_id) == before


def test_an_approved_set_never_changes_and_a_correction_edits_its_own_copy(world, store, clock):
    c, filer, filing_id, people = world
    c.row_edits.edit(filer, filing_id, "table2", 10, {**people[10], "name": "审核前改"})
    c.accounts.create_reviewer("r1", "Review-Passw0rd", "140105", "r1")
    reviewer = c.accounts.authenticate(c.accounts.login("r1", "Review-Passw0rd")[0])
    submitted = c.filings.submit(filer, filing_id, declaration_accepted=True)
    with pytest.raises(Conflict):
        c.row_edits.edit(filer, filing_id, "table2", 10, {**people[10], "name": "提交后改"})
    approved = c.review.review(reviewer, filing_id, decision="approve", reason=None, version=submitted.version)
    correction = c.versions.open_correction(filer, filing_id)
    c.row_edits.edit(filer, correction.id, "table2", 10, {**people[10], "name": "更正改"})
    c.row_edits.delete(filer, correction.id, "table2", 11)
    reader = RowReader(store)
    assert [r["name"] for r in reader.rows(store.get_filing(filing_id).row_sets["table2"])][10:13] == \
        ["审核前改", "职工12", "职工13"]
    assert [r["name"] for r in reader.rows(store.get_filing(correction.id).row_sets["table2"])][10:12] == \
        ["更正改", "职工13"]
    changes = c.versions.changes(filer, correction.id, "table2")["tables"]["table2"]
    assert (changes["changed"], changes["removed"]) == (1, 1)
    assert approved.row_sets == store.get_filing(filing_id).row_sets


def test_a_replaced_overlay_and_a_deleted_draft_leave_no_rows_behind(world, store):
    c, filer, filing_id, people = world
    first = c.row_edits.edit(filer, filing_id, "table2", 1, {**people[1], "name": "一改"}).row_sets["table2"].edits_id
    second = c.row_edits.edit(filer, filing_id, "table2", 1, {**people[1], "name": "二改"}).row_sets["table2"].edits_id
    assert list(store.iter_rows(first or "")) == []  # the version before, never seen by a reviewer, is gone
    assert [e["now"]["name"] for e in store.iter_rows(second or "")] == ["二改"]
    c.versions.delete_draft(filer, filing_id)
    assert list(store.iter_rows(second or "")) == []
