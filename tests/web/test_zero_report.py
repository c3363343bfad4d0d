"""零申报 (docs/rules.md §11): an annual filing whose 表一 says 在册 = 0 is complete without 表二, through the API
and the pages, on both backends: submitted, labelled for the reviewer, approved, counted as filed, and the unit
no longer owes the year. 在册 = 0 with a roster of people is refused at submit; 在册 > 0 still needs 表二; an
empty 表二 is still refused, saying that none is needed when 表一 says 0."""
from __future__ import annotations

import pytest
from chalice.test import Client

from chalicelib.excel.blank_forms import blank_form
from tests import factories
from tests.api_client import Api
from tests.job_worker import finish_jobs
from tests.web.test_pages import Browser, location, text

PASSWORD = "Review-Passw0rd"
TWO = [factories.person(0), factories.person(1)]


@pytest.fixture
def container(backend_container):
    """Every test here runs on the embedded and on the AWS backend."""
    return backend_container


@pytest.fixture
def client(container):
    from app import app
    reviewer = container.accounts.create_reviewer("xiaodian", PASSWORD, "140105", "小店区审核员",
                                                  email="xd@hrss.example.cn")
    container.store.put_account(reviewer.model_copy(update={"mobile": "13800000001"}))  # SMS too
    with Client(app) as c:
        yield c


@pytest.fixture
def api(client, container) -> Api:
    api = Api(client)
    api.bucket = container.settings.bucket_name  # AWS mode: where presigned uploads land
    return api


def filer(api: Api, serial: int = 1) -> str:
    status, body = api.call("POST", "/employers/register", factories.registration(serial))
    assert status == 201, body
    return api.login(factories.uscc(serial), "Passw0rd!26")


def filing_2025(api: Api, token: str, year: int = 2025) -> str:
    status, filing = api.call("POST", "/filings", {"year": year}, token)
    assert status == 201, filing
    return filing["id"]


def owing(container, year: int = 2025) -> set[str]:
    return {o.uscc for o in container.store.units_owing(year).items}


def signed_in(client, username: str, password: str) -> Browser:
    b = Browser(client)
    b.get("/login")
    assert b.post("/login", {"username": username, "password": password}).status_code == 303
    return b


def test_zero_employees_files_without_a_roster_and_is_approved(api, client, container):
    token = filer(api)
    fid = filing_2025(api, token)
    assert factories.uscc(1) in owing(container)
    status, body = api.call("PUT", f"/filings/{fid}/table1", factories.table1(0), token)
    assert status == 200, body
    assert body["zero_report"] is True and body["checks"]["errors"] == []

    status, submitted = api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=token)
    assert status == 200, submitted
    assert submitted["status"] == "submitted" and submitted["receipt_no"].startswith("BA-140105-2025-")
    assert factories.uscc(1) not in owing(container)

    # the reviewer is told it is a 零申报, in the notice and in the queue
    notices = [m for m in container.store.list_messages() if m.subject == "新的劳动用工备案待审核"]
    assert {m.channel for m in notices} == {"email", "sms"} and all("零申报" in m.body for m in notices)
    reviewer = api.login("xiaodian", PASSWORD)
    status, queue = api.call("GET", "/filings?status=submitted", token=reviewer)
    assert [(f["id"], f["zero_report"]) for f in queue["items"]] == [(fid, True)]
    browser = signed_in(client, "xiaodian", PASSWORD)
    assert "零申报" in text(browser.get("/review"))
    page = text(browser.get(f"/review/filings/{fid}"))
    assert 'id="zero-report"' in page and "不含表二名册" in page

    status, detail = api.call("GET", f"/filings/{fid}", token=reviewer)
    status, decided = api.call("POST", f"/filings/{fid}/review",
                               {"decision": "approve", "version": detail["version"]}, reviewer)
    assert status == 200, decided
    finish_jobs(container)  # the person index of a filing without rows has nothing to write and ends
    assert api.call("GET", f"/filings/{fid}", token=token)[1]["status"] == "approved"

    # the unit no longer owes 2025: off the owing store and the 尚未备案 list; counted like any approval
    assert factories.uscc(1) not in owing(container)
    status, listed = api.call("GET", "/overdue?year=2025", token=reviewer)
    assert status == 200 and factories.uscc(1) not in {i["uscc"] for i in listed["items"]}
    counts = container.store.stats(2025, ["140105"])["140105"]
    assert counts["filed"] == 1 and counts["approved"] == 1 and counts.get("due", 0) == 0


def test_zero_employees_with_a_roster_of_people_is_refused_until_fixed(api, container):
    token = filer(api)
    fid = filing_2025(api, token)
    api.call("PUT", f"/filings/{fid}/table1", factories.table1(0), token)
    assert api.upload(fid, "table2", factories.table2_workbook(TWO), token)["status"] == "done"

    status, refused = api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=token)
    assert status == 422, refused
    [problem] = refused["error"]["details"]
    assert problem["field"] == "employees" and "零申报" in problem["message"] and "2人" in problem["message"]
    assert api.call("GET", f"/filings/{fid}", token=token)[1]["status"] == "draft"

    # saving 表一 with 0 again loses nothing (a mistyped 0 must not delete a roster)…
    upload_id = container.store.get_filing(fid).row_sets["table2"].upload_id
    status, body = api.call("PUT", f"/filings/{fid}/table1", factories.table1(0), token)
    assert status == 200 and body["row_counts"] == {"table2": 2}
    # …the filer removes the uploaded roster explicitly (audited), and the 零申报 goes through
    status, body = api.call("DELETE", f"/filings/{fid}/rows/table2", token=token)
    assert status == 200 and body["row_counts"] == {} and body["checks"]["errors"] == []
    assert container.store.get_rows(upload_id) == []
    assert container.store.list_audit(1)[0].action == "remove_rows"
    assert api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=token)[0] == 200


def test_with_people_on_the_payroll_the_roster_is_still_needed(api):
    token = filer(api)
    fid = filing_2025(api, token)
    status, body = api.call("PUT", f"/filings/{fid}/table1", factories.table1(2), token)
    assert body["zero_report"] is False
    assert [e["message"] for e in body["checks"]["errors"]] == ["请上传表二（劳动关系人员名册）"]
    status, refused = api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=token)
    assert status == 422 and "请上传表二" in refused["error"]["details"][0]["message"]


def test_an_empty_roster_is_refused_saying_none_is_needed_only_for_zero(api):
    token = filer(api)
    zero, two = filing_2025(api, token), filing_2025(api, token, 2024)
    api.call("PUT", f"/filings/{zero}/table1", factories.table1(0), token)
    api.call("PUT", f"/filings/{two}/table1", factories.table1(2), token)
    refused = api.upload(zero, "table2", blank_form("table2"), token)
    assert refused["status"] == "failed"
    assert "没有填写任何数据" in refused["message"] and "不需要上传表二" in refused["message"]
    refused = api.upload(two, "table2", blank_form("table2"), token)
    assert refused["status"] == "failed"
    assert "没有填写任何数据" in refused["message"] and "不需要" not in refused["message"]


def test_a_carried_roster_is_let_go_for_zero_and_comes_back(api, container):
    from tests.web.test_filing_complete import approve
    token = filer(api)
    base = filing_2025(api, token, 2024)
    api.call("PUT", f"/filings/{base}/table1", factories.table1(2), token)
    api.upload(base, "table2", factories.table2_workbook(TWO), token)
    approve(container, base)
    fid = filing_2025(api, token)
    assert api.call("GET", f"/filings/{fid}", token=token)[1]["row_counts"] == {"table2": 2}

    status, body = api.call("PUT", f"/filings/{fid}/table1", factories.table1(0), token)
    assert body["zero_report"] is True and body["row_counts"] == {} and body["checks"]["errors"] == []
    base_rows = container.store.get_filing(base).row_sets["table2"].upload_id
    assert len(container.store.get_rows(base_rows)) == 2  # the approved filing keeps its rows

    status, body = api.call("PUT", f"/filings/{fid}/table1", factories.table1(2), token)
    assert body["zero_report"] is False and body["row_counts"] == {"table2": 2}
    api.call("PUT", f"/filings/{fid}/table1", factories.table1(0), token)
    assert api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=token)[0] == 200


def test_the_employer_page_says_no_roster_is_needed_and_submits(client, api):
    filer(api)
    b = signed_in(client, factories.uscc(1), "Passw0rd!26")
    path = location(b.post("/employer/filings", {"year": "2025", "kind": "annual"}))
    before = text(b.get(path))
    assert "零申报" not in before and "上传表二</button>" in before
    assert b.post(f"{path}/table1", {k: str(v) for k, v in factories.table1(0).items()}).status_code == 303
    page = text(b.get(path))
    assert 'id="zero-notice"' in page and 'id="no-roster"' in page and "不需要上传表二" in page
    assert "上传表二</button>" not in page and 'id="missing"' not in page
    submitted = b.post(f"{path}/submit", {"declaration_accepted": "1"})
    assert submitted.status_code == 303
    assert 'id="receipt"' in text(b.get(path))
    assert "年度备案（零申报）" in text(b.get("/employer"))


def test_the_served_openapi_document_describes_zero_report(api):
    status, doc = api.call("GET", "/openapi.json")
    filing = doc["components"]["schemas"]["Filing"]
    assert status == 200 and filing["properties"]["zero_report"]["type"] == "boolean"
    assert "零申报" in filing["properties"]["zero_report"]["description"]
    detail = doc["paths"]["/filings/{filing_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert detail["schema"] == {"$ref": "#/components/schemas/Filing"}


def test_the_employer_page_removes_an_uploaded_roster_when_asked(client, api, container):
    token = filer(api)
    b = signed_in(client, factories.uscc(1), "Passw0rd!26")
    path = location(b.post("/employer/filings", {"year": "2025", "kind": "annual"}))
    fid = path.rsplit("/", 1)[1]
    assert api.upload(fid, "table2", factories.table2_workbook(TWO), token)["status"] == "done"
    assert b.post(f"{path}/table1", {k: str(v) for k, v in factories.table1(0).items()}).status_code == 303
    page = text(b.get(path))
    assert 'id="zero-roster"' in page and 'id="remove-roster"' in page  # kept, with the way to remove it
    assert b.post(f"{path}/rows/table2/remove", {}).status_code == 303
    assert "table2" not in container.store.get_filing(fid).row_sets
    assert b.post(f"{path}/submit", {"declaration_accepted": "1"}).status_code == 303 and 'id="receipt"' in text(b.get(path))
