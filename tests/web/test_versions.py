"""Corrections after approval (更正), revoking an approval (撤销审核) and deleting a draft (docs/rules.md §11),
through the API and the pages. The flows run on both backends: the version in force is what statistics and the
person index read, and it changes only when a correction is approved."""
from __future__ import annotations

import pytest
from chalice.test import Client

from tests import factories
from tests.api_client import Api
from tests.job_worker import finish_jobs
from tests.web.test_pages import location, text
from tests.web.test_zero_report import filer, owing, signed_in

PASSWORD = "Review-Passw0rd"
PEOPLE = [factories.person(0), factories.person(1)]


@pytest.fixture
def container(backend_container):
    return backend_container


@pytest.fixture
def client(container):
    from app import app
    reviewer = container.accounts.create_reviewer("xiaodian", PASSWORD, "140105", "小店区审核员",
                                                  email="xd@hrss.example.cn")
    container.store.put_account(reviewer.model_copy(update={"mobile": "13800000002"}))
    container.accounts.create_reviewer("taiyuan", PASSWORD, "140100", "太原市审核员")
    with Client(app) as c:
        yield c


@pytest.fixture
def api(client, container) -> Api:
    api = Api(client)
    api.bucket = container.settings.bucket_name
    return api


def submitted_2025(api: Api, token: str, people=PEOPLE, **table1) -> str:
    status, filing = api.call("POST", "/filings", {"year": 2025}, token)
    fid = filing["id"]
    assert api.call("PUT", f"/filings/{fid}/table1", factories.table1(len(people), **table1), token)[0] == 200
    assert api.upload(fid, "table2", factories.table2_workbook(people), token)["status"] == "done"
    assert api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=token)[0] == 200
    return fid


def decide(api: Api, fid: str, reviewer: str, decision: str = "approve", reason: str | None = None) -> dict:
    version = api.call("GET", f"/filings/{fid}", token=reviewer)[1]["version"]
    status, body = api.call("POST", f"/filings/{fid}/review",
                            {"decision": decision, "reason": reason, "version": version}, reviewer)
    assert status == 200, body
    return body


def approved_2025(api, container, token, reviewer) -> str:
    fid = submitted_2025(api, token)
    decide(api, fid, reviewer)
    finish_jobs(container)
    return fid


def looked_up(container, id_number: str) -> list[dict]:
    who = container.accounts.authenticate(container.accounts.login("xiaodian", PASSWORD)[0])
    return container.persons.lookup(who, id_number)["records"]


def counts(container) -> dict[str, int]:
    return container.store.stats(2025, ["140105"]).get("140105", {})


def test_a_correction_is_reviewed_against_the_version_in_force_and_replaces_it_on_approval(api, container):
    token, reviewer = filer(api), api.login("xiaodian", PASSWORD)
    fid = approved_2025(api, container, token, reviewer)
    assert counts(container)["due"] == 2 and counts(container)["approved"] == 1
    assert factories.uscc(1) not in owing(container)
    # a second annual filing of the year is still refused, pointing at the correction
    status, refused = api.call("POST", "/filings", {"year": 2025}, token)
    assert status == 409 and "更正" in refused["error"]["message"]

    status, correction = api.call("POST", f"/filings/{fid}/corrections", token=token)
    assert status == 201, correction
    cid = correction["id"]
    assert (correction["kind"], correction["corrects"], correction["correction_no"]) == ("correction", fid, 1)
    assert correction["row_counts"] == {"table2": 2} and correction["status"] == "draft"
    assert api.call("GET", f"/filings/{cid}", token=token)[1]["table1"]["average_wage"] == 72000  # 表一 copied
    status, again = api.call("POST", f"/filings/{fid}/corrections", token=token)
    assert status == 409 and "正在办理的更正" in again["error"]["message"]

    # the filer corrects 表一's wage and the roster: one contract changed, one person added
    changed = {**PEOPLE[1], "contract_end": "2027-02-28"}
    people = [PEOPLE[0], changed, factories.person(2)]
    assert api.call("PUT", f"/filings/{cid}/table1", factories.table1(3, average_wage=80000), token)[0] == 200
    assert api.upload(cid, "table2", factories.table2_workbook(people), token)["status"] == "done"
    status, body = api.call("POST", f"/filings/{cid}/submit", {"declaration_accepted": True}, token=token)
    assert status == 200, body

    # until the correction is approved, the approved version stays in force
    assert counts(container)["due"] == 2
    assert [r["contract_end"] for r in looked_up(container, PEOPLE[1]["id_number"])] == ["2026-02-28"]
    assert looked_up(container, factories.person(2)["id_number"]) == []

    status, changes = api.call("GET", f"/filings/{cid}/changes", token=reviewer)
    assert status == 200, changes
    assert {c["label"]: (c["before"], c["after"]) for c in changes["table1"]}["上年度职工平均工资（元）"] == (72000, 80000)
    t2 = changes["tables"]["table2"]
    assert (t2["added"], t2["changed"], t2["removed"]) == (1, 1, 0)
    [row_changed] = [x for x in t2["items"] if x["change"] == "changed"]
    assert row_changed["fields"] == ["合同终止日期"] and "*" in row_changed["after"]["id_number"]  # masked

    decide(api, cid, reviewer)
    finish_jobs(container)
    earlier = api.call("GET", f"/filings/{fid}", token=token)[1]
    assert earlier["superseded_by"] == cid and earlier["status"] == "approved"
    assert counts(container)["due"] == 3 and counts(container)["approved"] == 1 and counts(container)["filed"] == 1
    assert [r["contract_end"] for r in looked_up(container, PEOPLE[1]["id_number"])] == ["2027-02-28"]
    assert len(looked_up(container, factories.person(2)["id_number"])) == 1
    assert factories.uscc(1) not in owing(container)
    # the next correction corrects the version now in force
    status, second = api.call("POST", f"/filings/{cid}/corrections", token=token)
    assert status == 201 and second["correction_no"] == 2 and second["corrects"] == cid
    assert api.call("POST", f"/filings/{fid}/corrections", token=token)[0] == 409  # superseded


def test_a_rejected_correction_leaves_the_unit_filed_and_the_approved_version_in_force(api, container):
    token, reviewer = filer(api), api.login("xiaodian", PASSWORD)
    fid = approved_2025(api, container, token, reviewer)
    cid = api.call("POST", f"/filings/{fid}/corrections", token=token)[1]["id"]
    api.call("PUT", f"/filings/{cid}/table1", factories.table1(2, average_wage=1), token)
    assert api.call("POST", f"/filings/{cid}/submit", {"declaration_accepted": True}, token=token)[0] == 200
    decide(api, cid, reviewer, "reject", "工资填写有误")
    assert factories.uscc(1) not in owing(container)
    assert counts(container)["due"] == 2 and counts(container)["approved"] == 1
    assert api.call("GET", f"/filings/{fid}", token=token)[1]["superseded_by"] is None


def test_revoking_an_approval_sends_it_back_and_the_unit_owes_again(api, container):
    token, reviewer = filer(api), api.login("xiaodian", PASSWORD)
    fid = approved_2025(api, container, token, reviewer)
    version = api.call("GET", f"/filings/{fid}", token=reviewer)[1]["version"]
    status, refused = api.call("POST", f"/filings/{fid}/revoke", {"reason": " ", "version": version}, reviewer)
    assert status == 422 and "原因" in refused["error"]["message"]
    city = api.login("taiyuan", PASSWORD)  # reads it, but does not review it
    assert api.call("POST", f"/filings/{fid}/revoke", {"reason": "有误", "version": version}, city)[0] == 403

    status, body = api.call("POST", f"/filings/{fid}/revoke", {"reason": "表二人员与实际不符", "version": version},
                            reviewer)
    assert status == 200 and body["status"] == "rejected", body
    assert factories.uscc(1) in owing(container)
    c = counts(container)
    assert (c.get("filed", 0), c.get("approved", 0), c["rejected"], c.get("due", 0)) == (0, 0, 1, 0)
    assert looked_up(container, PEOPLE[0]["id_number"]) == []  # no longer in force
    event = next(e for e in container.store.list_audit(10) if e.action == "revoke")
    assert (event.detail["from"], event.detail["to"], event.detail["reason"]) == ("approved", "rejected",
                                                                                 "表二人员与实际不符")
    told = [m for m in container.store.list_messages() if m.subject == "劳动用工备案审核通过已被撤销"]
    assert {m.channel for m in told} == {"email", "sms"} and all("表二人员与实际不符" in m.body for m in told)
    sms = next(m for m in told if m.channel == "sms")
    assert (sms.template, sms.params["kind"]) == ("revoked", "年度备案")
    # the unit fixes and resubmits; approved again, it has filed
    assert api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=token)[0] == 200
    assert factories.uscc(1) not in owing(container)


def test_an_approval_cannot_be_revoked_after_the_window(api, container):
    token, reviewer = filer(api), api.login("xiaodian", PASSWORD)
    fid = approved_2025(api, container, token, reviewer)
    container.clock.advance(days=30, hours=1)
    reviewer = api.login("xiaodian", PASSWORD)  # the earlier session has expired
    version = api.call("GET", f"/filings/{fid}", token=reviewer)[1]["version"]
    status, refused = api.call("POST", f"/filings/{fid}/revoke", {"reason": "有误", "version": version}, reviewer)
    assert status == 409 and "超过30天" in refused["error"]["message"]
    assert factories.uscc(1) not in owing(container)


def test_revoking_an_approved_correction_puts_the_earlier_version_back_in_force(api, container):
    token, reviewer = filer(api), api.login("xiaodian", PASSWORD)
    fid = approved_2025(api, container, token, reviewer)
    cid = api.call("POST", f"/filings/{fid}/corrections", token=token)[1]["id"]
    api.call("PUT", f"/filings/{cid}/table1", factories.table1(2, contracts_due=2, average_wage=1), token)
    api.call("POST", f"/filings/{cid}/submit", {"declaration_accepted": True}, token=token)
    decide(api, cid, reviewer)
    version = api.call("GET", f"/filings/{cid}", token=reviewer)[1]["version"]
    assert api.call("POST", f"/filings/{cid}/revoke", {"reason": "更正有误", "version": version}, reviewer)[0] == 200
    earlier = api.call("GET", f"/filings/{fid}", token=token)[1]
    assert earlier["superseded_by"] is None and earlier["open_correction"] == cid
    assert factories.uscc(1) not in owing(container) and counts(container)["due"] == 2
    assert len(looked_up(container, PEOPLE[0]["id_number"])) == 1


def test_a_draft_never_submitted_is_deleted_with_its_uploads_but_not_carried_rows(api, container):
    token = filer(api)
    status, draft = api.call("POST", "/filings", {"year": 2025}, token)
    fid = draft["id"]
    upload = api.upload(fid, "table2", factories.table2_workbook(PEOPLE), token)
    upload_id = container.store.get_filing(fid).row_sets["table2"].upload_id
    blob_key = container.store.get_upload(upload["upload_id"]).blob_key
    assert api.call("DELETE", f"/filings/{fid}", token=token)[0] == 204
    assert api.call("GET", f"/filings/{fid}", token=token)[0] == 404
    assert container.store.get_rows(upload_id) == [] and container.store.get_upload(upload_id) is None
    assert container.blobs.size(blob_key) is None
    event = container.store.list_audit(1)[0]
    assert (event.action, event.detail["from"], event.detail["to"]) == ("delete_filing", "draft", "deleted")
    assert api.call("POST", "/filings", {"year": 2025}, token)[0] == 201  # the year is free again


def test_a_withdrawn_filing_and_a_correction_draft_on_deletion(api, container):
    token, reviewer = filer(api), api.login("xiaodian", PASSWORD)
    fid = approved_2025(api, container, token, reviewer)
    carried = container.store.get_filing(fid).row_sets["table2"].upload_id
    cid = api.call("POST", f"/filings/{fid}/corrections", token=token)[1]["id"]
    assert api.call("DELETE", f"/filings/{cid}", token=token)[0] == 204
    assert len(container.store.get_rows(carried)) == 2  # carried by reference: the approved filing's rows stay
    assert api.call("GET", f"/filings/{fid}", token=token)[1]["open_correction"] is None
    assert api.call("DELETE", f"/filings/{fid}", token=token)[0] == 409  # approved

    status, interim = api.call("POST", "/filings", {"year": 2026, "kind": "interim"}, token)
    iid = interim["id"]
    ended = factories.ended(PEOPLE[0], ended_on="2026-02-01")
    assert api.upload(iid, "table3", factories.workbook("table3", [ended]), token)["status"] == "done"
    assert api.call("POST", f"/filings/{iid}/submit", {"declaration_accepted": True}, token=token)[0] == 200
    assert api.call("POST", f"/filings/{iid}/withdraw", token=token)[0] == 200
    status, refused = api.call("DELETE", f"/filings/{iid}", token=token)
    assert status == 409 and "曾经提交" in refused["error"]["message"]
    assert api.call("DELETE", f"/filings/{iid}", token=reviewer)[0] == 403


def test_the_pages_offer_correction_revocation_and_deletion(api, client, container):
    if container.settings.backend != "embedded":
        pytest.skip("the pages are the same on both backends; the flows above run on both")
    token, reviewer = filer(api), api.login("xiaodian", PASSWORD)
    fid = approved_2025(api, container, token, reviewer)
    unit = signed_in(client, factories.uscc(1), "Passw0rd!26")
    page = text(unit.get(f"/employer/filings/{fid}"))
    assert 'id="correct-form"' in page and 'id="delete-form"' not in page
    path = location(unit.post(f"/employer/filings/{fid}/correct", {}))
    page = text(unit.get(path))
    assert "第1次更正" in page and 'id="correction-of"' in page and 'id="delete-form"' in page
    assert "确认删除" in page
    refused = unit.post(f"{path}/delete", {})
    assert refused.status_code == 422 and "请勾选" in text(refused)
    assert location(unit.post(f"{path}/delete", {"confirm": "1"})).endswith("/employer?deleted=1")
    assert 'id="deleted"' in text(unit.get("/employer?deleted=1"))

    review = signed_in(client, "xiaodian", PASSWORD)
    page = text(review.get(f"/review/filings/{fid}"))
    assert 'id="revoke-form"' in page
    version = container.store.get_filing(fid).version
    refused = review.post(f"/review/filings/{fid}/revoke", {"reason": "", "version": str(version)})
    assert refused.status_code == 422 and "撤销审核时必须填写原因" in text(refused)
    assert review.post(f"/review/filings/{fid}/revoke", {"reason": "名册有误", "version": str(version)}).status_code == 303
    page = text(review.get(f"/review/filings/{fid}"))
    assert "撤销审核" in page and 'id="revoke-form"' not in page and "审核不通过" in page
    page = text(unit.get(f"/employer/filings/{fid}"))
    assert "审核通过已被审核机关撤销，原因：<strong>名册有误</strong>" in page and "重新提交" in page


def test_the_reviewer_page_shows_what_a_correction_changes(api, client, container):
    if container.settings.backend != "embedded":
        pytest.skip("the pages are the same on both backends")
    token, reviewer = filer(api), api.login("xiaodian", PASSWORD)
    fid = approved_2025(api, container, token, reviewer)
    cid = api.call("POST", f"/filings/{fid}/corrections", token=token)[1]["id"]
    api.call("PUT", f"/filings/{cid}/table1", factories.table1(1, average_wage=80000), token)
    api.upload(cid, "table2", factories.table2_workbook(PEOPLE[:1]), token)
    api.call("POST", f"/filings/{cid}/submit", {"declaration_accepted": True}, token=token)
    page = text(signed_in(client, "xiaodian", PASSWORD).get(f"/review/filings/{cid}"))
    assert 'id="changes"' in page and "上年度职工平均工资（元）" in page and "80000" in page
    assert "新增 <strong>0</strong> 行，删除 <strong>1</strong> 行，修改 <strong>0</strong> 行" in page
    assert PEOPLE[1]["name"] in page and PEOPLE[1]["id_number"] not in page  # listed, masked


def test_a_correction_cannot_be_opened_after_the_next_years_due_date(api, container):
    import datetime as dt
    token, reviewer = filer(api), api.login("xiaodian", PASSWORD)
    fid = approved_2025(api, container, token, reviewer)
    container.clock.current = dt.datetime(2027, 6, 30, 15, 0, tzinfo=dt.timezone.utc)  # 30 June, 23:00 Beijing
    token = api.login(factories.uscc(1), "Passw0rd!26")
    assert container.versions.correctable(container.store.get_filing(fid))
    container.clock.advance(hours=2)  # 1 July in Beijing
    token = api.login(factories.uscc(1), "Passw0rd!26")
    status, refused = api.call("POST", f"/filings/{fid}/corrections", token=token)
    assert status == 409 and "2027年6月30日" in refused["error"]["message"], refused
    assert not container.versions.correctable(container.store.get_filing(fid))
