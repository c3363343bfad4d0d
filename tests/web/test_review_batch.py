"""Reviewers' batch work on both backends (docs/rules.md §9): batch approval of clean filings (each its own
conditional write, audit event and message; a filing with a warning is never decided), claiming and assigning a
filing within the authority, internal notes the unit never sees, the queue's columns and grouped filter, the
confirmation with the next filing, and a filing's roster downloaded masked or, with the permission, in full."""
from __future__ import annotations

import datetime as dt
import io
import uuid
from urllib.parse import urlencode

import pytest
from chalice.test import Client
from openpyxl import load_workbook

from chalicelib.domain.filing import Filing, RowSet
from chalicelib.domain.tables import table1_defaults
from chalicelib.services.accounts import Registration
from chalicelib.services.audit import audit_event
from tests import factories
from tests.api_client import Api
from tests.job_worker import exported
from tests.web.test_pages import Browser, location, text

PASSWORD = "Review-Passw0rd"
MONDAY = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.timezone.utc)  # 09:00 in Shanxi


@pytest.fixture
def desk(backend_container, clock):
    c = backend_container
    clock.current = MONDAY
    c.accounts.create_reviewer("xiaodian", PASSWORD, "140105", "小店区审核员甲", email="xd@hrss.example.cn")
    c.accounts.create_reviewer("xiaodian2", PASSWORD, "140105", "小店区审核员乙", email="xd2@hrss.example.cn")
    c.accounts.create_reviewer("taiyuan", PASSWORD, "140100", "太原市审核员", email="ty@hrss.example.cn")
    from app import app
    with Client(app) as client:
        yield client


def submitted(c, serial: int, *, rows: list[dict] | None = None, **table1) -> Filing:
    """A registered unit's annual 2025 filing, submitted a working day ago, straight through the store:
    a 零申报 (no warnings) unless `rows` or `table1` say otherwise."""
    unit, _ = c.accounts.register(Registration(**factories.registration(serial)))
    at = MONDAY - dt.timedelta(days=3)  # the Friday before
    f = Filing(id=uuid.uuid4().hex, uscc=unit.uscc, unit_name=unit.name, authority_code="140105", year=2025,
               kind="annual", tables=("table1", "table2"), created_at=at, updated_at=at,
               table1={**table1_defaults(unit), **factories.table1(len(rows or [])), "industry_division": "65",
                       **table1})
    if rows:
        c.store.put_rows(f"up-{f.id}", 0, [{**r, "row": n} for n, r in enumerate(rows, start=2)])
        f = f.model_copy(update={"row_sets": {"table2": RowSet(upload_id=f"up-{f.id}", rows=len(rows))}})
    c.store.create_filing(f, audit=audit_event(at, "t", "create", f.id))
    after = f.submit(actor="filer", now=at, receipt_no=f"BA-140105-2025-{serial:06d}")
    c.store.save_filing(after, expected_version=f.version)
    return after


def signed_in(client, username: str) -> Browser:
    b = Browser(client)
    b.get("/login")
    assert b.post("/login", {"username": username, "password": PASSWORD}).status_code == 303
    return b


def test_a_batch_approves_50_clean_filings_each_audited_and_told_and_never_one_with_a_warning(desk, backend_container):
    c = backend_container
    clean = [submitted(c, n) for n in range(1, 51)]
    warned = submitted(c, 51, registration_division="140106")  # 表一 moved: the routing warning
    reviewer = signed_in(desk, "xiaodian")

    assert f'value="{clean[0].id}:{clean[0].version}"' in text(reviewer.get(f"/review?q={clean[0].uscc}"))
    assert 'name="filing"' not in text(reviewer.get(f"/review?q={warned.uscc}"))  # only the clean can be ticked

    picked = [f"{f.id}:{f.version}" for f in [*clean, warned]]
    form = urlencode({"csrf": reviewer.jar["csrf"], "filing": picked}, doseq=True)  # the ticked boxes
    page = reviewer.http.post("/review/batch", body=form.encode(), headers=reviewer._headers(
        {"Content-Type": "application/x-www-form-urlencoded"}))
    body = text(page)
    assert page.status_code == 200 and "审核通过 50 份，未处理 1 份" in body and "有错误或提示" in body

    assert all(c.store.get_filing(f.id).status == "approved" for f in clean)
    assert c.store.get_filing(warned.id).status == "submitted"
    approvals = [e for e in c.store.list_audit(500) if e.action == "approve"]
    assert sorted(e.target for e in approvals) == sorted(f.id for f in clean)
    assert all(e.actor == "xiaodian" and (e.detail["from"], e.detail["to"]) == ("submitted", "approved") for e in approvals)
    told = [m for m in c.store.list_messages(500) if "审核通过" in m.subject]
    assert len({m.to for m in told if m.channel == "email"}) == 50
    assert warned.id not in {e.target for e in c.store.list_audit(500) if e.action in ("approve", "reject")}


def test_a_batch_through_the_api_reports_a_stale_version_and_a_foreign_filing_per_filing(desk, backend_container):
    c = backend_container
    first, second = submitted(c, 1), submitted(c, 2)
    api = Api(desk)
    token = api.login("xiaodian", PASSWORD)
    status, body = api.call("POST", "/review/batch", {"filings": [
        {"id": first.id, "version": first.version}, {"id": second.id, "version": second.version - 1},
        {"id": "nope", "version": 1}]}, token)
    assert status == 200
    assert [r["outcome"] for r in body["results"]] == ["approved", "failed", "failed"]
    assert "其他审核员" in body["results"][1]["message"] and body["results"][2]["message"] == "备案不存在"
    assert api.call("POST", "/review/batch", {"filings": "all"}, token)[0] == 422
    city = api.login("taiyuan", PASSWORD)  # reads the county's filings, decides none of them
    status, body = api.call("POST", "/review/batch", {"filings": [{"id": second.id, "version": second.version}]},
                            city)
    assert body["results"][0]["outcome"] == "failed" and c.store.get_filing(second.id).status == "submitted"


def test_claims_assignments_and_notes_are_conditional_audited_and_never_the_units(desk, backend_container):
    c = backend_container
    f = submitted(c, 1)
    api = Api(desk)
    one, two = api.login("xiaodian", PASSWORD), api.login("xiaodian2", PASSWORD)
    status, held = api.call("PUT", f"/filings/{f.id}/holder", {"holder": "xiaodian", "version": 0}, one)
    assert status == 200 and held["holder"] == "xiaodian" and held["version"] == 1
    status, lost = api.call("PUT", f"/filings/{f.id}/holder", {"holder": "xiaodian2", "version": 0}, two)
    assert status == 409 and "刷新" in lost["error"]["message"]
    assert api.call("PUT", f"/filings/{f.id}/holder", {"holder": "taiyuan", "version": 1}, one)[0] == 422
    status, noted = api.call("POST", f"/filings/{f.id}/notes", {"text": "表一人数请电话核实", "version": 1}, two)
    assert status == 201 and noted["notes"][0]["author"] == "xiaodian2"
    city = api.login("taiyuan", PASSWORD)
    assert api.call("PUT", f"/filings/{f.id}/holder", {"holder": "taiyuan", "version": 2}, city)[0] == 403
    assert api.call("GET", f"/filings/{f.id}/desk", token=city)[1]["notes"][0]["text"] == "表一人数请电话核实"
    events = {e.action: e for e in c.store.list_audit(50) if e.target == f.id}
    assert events["hold_filing"].detail == {"from": None, "to": "xiaodian"}
    assert events["note_filing"].actor == "xiaodian2"

    filer = api.login(factories.uscc(1), "Passw0rd!26")
    assert api.call("GET", f"/filings/{f.id}/desk", token=filer)[0] == 403
    assert "表一人数请电话核实" not in str(api.call("GET", f"/filings/{f.id}", token=filer)[1])

    # the colleague sees who holds it in the queue and on the page, and is warned before deciding
    other = signed_in(desk, "xiaodian2")
    assert '<td class="holder">xiaodian</td>' in text(other.get("/review"))
    page = text(other.get(f"/review/filings/{f.id}"))
    assert 'id="held-warning"' in page and "表一人数请电话核实" in page
    assert page.index('id="rows-title"' if 'id="rows-title"' in page else "<h2>表一</h2>") < page.index(
        'id="review-form"')  # the data first, then the decision


def test_the_queue_shows_kind_and_working_days_waiting_and_groups_the_filter_by_city(desk, backend_container):
    submitted(backend_container, 1)  # submitted on Friday: one working day (Monday) by now
    page = text(signed_in(desk, "taiyuan").get("/review"))
    assert "等待（工作日）" in page and '<td class="waiting">1</td>' in page and "<td>年度备案</td>" in page
    assert '<optgroup label="太原市">' in page and "大同市" not in page
    api = Api(desk)
    items = api.call("GET", "/filings", token=api.login("taiyuan", PASSWORD))[1]["items"]
    assert [(f["waiting_working_days"], f["holder"]) for f in items] == [(1, None)]


def test_after_a_decision_the_page_confirms_and_offers_the_next_filing_of_the_same_queue(desk, backend_container):
    c = backend_container
    first, second = submitted(c, 1), submitted(c, 2)
    reviewer = signed_in(desk, "xiaodian")
    back = urlencode({"status": "submitted", "q": "山西演示"})
    done = reviewer.post(f"/review/filings/{first.id}", {"decision": "approve", "version": first.version,
                                                         "back": back})
    assert done.status_code == 303
    page = text(reviewer.get(location(done)))
    assert 'id="decided"' in page and "已审核通过" in page
    assert f"/review/filings/{second.id}?back=" in page and "下一份：" in page
    done = reviewer.post(f"/review/filings/{second.id}", {"decision": "reject", "reason": "表二缺人",
                                                          "version": second.version, "back": back})
    assert 'id="queue-done"' in text(reviewer.get(location(done)))


def test_table1_shows_codes_with_their_names(desk, backend_container):
    f = submitted(backend_container, 1, industry="H", industry_division="62")
    page = text(signed_in(desk, "xiaodian").get(f"/review/filings/{f.id}"))
    assert "H 住宿和餐饮业" in page and "62 餐饮业" in page and "140105 太原市小店区" in page


def test_a_filings_roster_downloads_masked_and_in_full_only_with_the_permission(desk, backend_container):
    c = backend_container
    people = [factories.person(0), factories.person(1, name='=HYPERLINK("x")')]
    f = submitted(c, 1, rows=people)
    reviewer = signed_in(desk, "xiaodian")
    page = text(reviewer.get(f"/review/filings/{f.id}"))
    assert 'id="download-form"' in page and 'name="full_ids"' not in page  # no permission: no choice offered
    _, data = exported(reviewer, c, f"/review/filings/{f.id}/export", {"table": "table2"})
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    full = people[0]["id_number"]
    assert sheet.cell(2, 4).value == full[:6] + "********" + full[-4:]
    assert full not in str(list(sheet.values)) and sheet.cell(3, 2).data_type == "s"  # a formula stays text
    api = Api(desk)
    token = api.login("xiaodian", PASSWORD)
    status, refused = api.call("POST", "/exports", {"kind": "filing_rows", "filing_id": f.id, "table": "table2",
                                                    "full_ids": True}, token)
    assert status == 403 and "完整证件号码" in refused["error"]["message"]
    assert api.call("POST", "/exports", {"kind": "filing_rows", "filing_id": f.id, "table": "table3"},
                    token)[0] == 404

    account = c.store.get_account("xiaodian")  # granted through an application (附件2): the permission itself
    c.store.put_account(account.model_copy(update={"permissions": ["filing.read", "filing.review",
                                                                   "filing.export_full_ids"]}))
    reviewer = signed_in(desk, "xiaodian")
    assert 'name="full_ids"' in text(reviewer.get(f"/review/filings/{f.id}"))
    _, data = exported(reviewer, c, f"/review/filings/{f.id}/export", {"table": "table2", "full_ids": "1"})
    assert load_workbook(io.BytesIO(data)).worksheets[0].cell(2, 4).value == full
    reveal = next(e for e in c.store.list_audit(20) if e.action == "reveal_id")
    assert reveal.detail == {"table": "table2", "rows": 2, "all_rows": True} and reveal.target == f.id


def test_a_resubmission_shows_what_changed_since_the_authority_sent_it_back(desk, backend_container):
    from tests.web.test_review import api_for, submitted_filing
    c = backend_container
    api = api_for(desk, c)
    fid = submitted_filing(api, 1)  # 表一 of 2 people, 表二 职工0 and 职工1
    reviewer = api.login("xiaodian", PASSWORD)
    version = c.store.get_filing(fid).version
    assert api.call("POST", f"/filings/{fid}/review", {"decision": "reject", "reason": "人数有误", "version": version},
                    reviewer)[0] == 200
    filer = api.login(factories.uscc(1), "Passw0rd!26")
    api.call("PUT", f"/filings/{fid}/table1", factories.table1(3, industry_division="64"), filer)
    people = [factories.person(0), factories.person(1, name="职工乙"), factories.person(2)]
    api.upload(fid, "table2", factories.table2_workbook(people), filer)
    assert api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=filer)[0] == 200

    page = text(signed_in(desk, "xiaodian").get(f"/review/filings/{fid}"))
    assert "重新提交的变化" in page and "在册职工人数" in page and "64 互联网和相关服务" in page
    assert '<p id="changes-table2">新增 <strong>1</strong> 行，删除 <strong>0</strong> 行，修改 <strong>1</strong> 行。' in page
    assert "职工乙" in page and page.index('id="changes"') < page.index('id="review-form"')
