"""The audit log as the 业务审计员 reads it (docs/rules.md §10, "Audit log"), on both backends: Chinese action names
and sentences instead of codes and JSON, filters by account, action, target, Beijing-time dates and division,
paging over the whole history, and an .xlsx export built by the export job, itself audited and formula-safe."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from chalice.test import Client

from chalicelib.domain.model import Role
from chalicelib.services.audit import audit_event
from tests.api_client import Api
from tests.job_worker import finish_jobs
from tests.web.test_pages import Browser, text

PASSWORD = "Audit-Passw0rd"
UTC = dt.timezone.utc
HOSTILE = '=HYPERLINK("http://x","y")'


@pytest.fixture
def container(backend_container):
    c = backend_container
    c.accounts.create_reviewer("auditor", PASSWORD, "140000", "省审计员", role=Role.AUDITOR)
    c.accounts.create_reviewer("ty-aud", PASSWORD, "140100", "太原市审计员", role=Role.AUDITOR)
    c.accounts.create_reviewer("xiaodian", PASSWORD, "140105", "小店区审核员")
    for event in (
        audit_event(dt.datetime(2026, 6, 1, 15, 30, tzinfo=UTC), "xiaodian", "reveal_id", "f1", scope="140105",
                    detail={"table": "table2", "row": 3}),  # Beijing 6月1日 23:30
        audit_event(dt.datetime(2026, 6, 1, 16, 30, tzinfo=UTC), "xiaodian", "approve", "f2", scope="140105",
                    detail={"from": "submitted", "to": "approved"}),  # Beijing 6月2日 00:30
        audit_event(dt.datetime(2026, 6, 2, 2, 0, tzinfo=UTC), HOSTILE, "sign_in", HOSTILE, outcome="denied"),
        audit_event(dt.datetime(2026, 6, 3, 2, 0, tzinfo=UTC), "datong-op", "approve", "f3", scope="140200",
                    detail={"from": "submitted", "to": "approved"}),
    ):
        c.store.append_audit(event)
    return c


@pytest.fixture
def api(container):
    from app import app
    with Client(app) as client:
        yield Api(client)


def _workbook(api, status: dict, token: str) -> openpyxl.Workbook:
    response = api.http.get(f"/api/v1/exports/{status['export_id']}/file", headers={"Authorization": f"Bearer {token}"})
    if response.status_code == 302:  # AWS: a presigned S3 GET
        import urllib.request
        with urllib.request.urlopen(response.headers["Location"], timeout=30) as f:
            return openpyxl.load_workbook(io.BytesIO(f.read()))
    return openpyxl.load_workbook(io.BytesIO(response.body))


def _items(api, token, query=""):
    status, body = api.call("GET", f"/audit{query}", token=token)
    assert status == 200, body
    return body


def test_events_read_in_chinese_with_their_detail_as_a_sentence(api):
    token = api.login("auditor", PASSWORD)
    item = next(i for i in _items(api, token, "?action=approve")["items"] if i["target"] == "f2")
    assert (item["action_name"], item["outcome_name"]) == ("审核通过", "成功")
    assert item["division_name"] == "太原市小店区人力资源和社会保障局"
    assert item["description"] == "从「已提交待审核」变为「审核通过」。"
    reveal = _items(api, token, "?action=reveal_id")["items"][0]
    assert (reveal["action_name"], reveal["description"]) == ("查看完整证件号码", "表：表二；行号：3。")


def test_filters_and_pages_cover_the_whole_history(api):
    token = api.login("auditor", PASSWORD)
    # Beijing days: the approval at 00:30 on 6月2日 is that day's, the reveal at 23:30 on 6月1日 is not
    day = _items(api, token, "?date_from=2026-06-02&date_to=2026-06-02")["items"]
    assert [i["target"] for i in day] == [HOSTILE, "f2"]
    assert [i["target"] for i in _items(api, token, "?actor=xiaodian&date_to=2026-06-01")["items"]] == ["f1"]
    assert [i["target"] for i in _items(api, token, "?division=140200")["items"]] == ["f3"]
    seen, query = [], "?limit=1&date_from=2026-06-01&date_to=2026-06-03"
    while True:
        body = _items(api, token, query)
        seen += [i["target"] for i in body["items"]]
        if not body["next_page_token"]:
            break
        query = f"?limit=1&date_from=2026-06-01&date_to=2026-06-03&page_token={body['next_page_token']}"
    assert seen == ["f3", HOSTILE, "f2", "f1"]
    for bad, field in (("?date_from=6月1日", "date_from"), ("?date_from=2026-06-03&date_to=2026-06-01", "date_from"),
                       ("?action=drop_table", "action"), ("?page_token=bm9wZQ", "page_token")):
        status, body = api.call("GET", f"/audit{bad}", token=token)
        assert status == 422 and body["error"]["details"][0]["field"] == field, (bad, body)


def test_a_city_auditor_reads_its_city_and_counties_only(api):
    token = api.login("ty-aud", PASSWORD)
    assert {i["target"] for i in _items(api, token)["items"]} >= {"f1", "f2"}
    assert not {"f3", HOSTILE} & {i["target"] for i in _items(api, token)["items"]}
    status, body = api.call("GET", "/audit?division=140200", token=token)
    assert status == 422 and "管辖范围" in body["error"]["message"]


def test_the_page_filters_and_exports_what_it_shows(container):
    from app import app
    with Client(app) as client:
        b = Browser(client)
        b.get("/login")
        assert b.post("/login", {"username": "auditor", "password": PASSWORD}).status_code == 303
        page = text(b.get("/audit?date_from=2026-06-01&date_to=2026-06-02"))
        assert "查看完整证件号码" in page and "从「已提交待审核」变为「审核通过」" in page and "<td>f3</td>" not in page
        assert "reveal_id" not in page.replace('value="reveal_id"', "") and "\\u" not in page
        assert 'option value="140000"' in page and 'option value="140200"' in page  # the division filter
        asked = b.post("/audit/export?date_from=2026-06-01&date_to=2026-06-02", {})
        assert asked.status_code == 303
        export_id = asked.headers["Location"].rsplit("/", 1)[-1]
        finish_jobs(container)
        token = Api(client).login("auditor", PASSWORD)
        status, done = Api(client).call("GET", f"/exports/{export_id}", token=token)
        assert done["status"] == "done", done
        sheet = _workbook(Api(client), done, token)["审计日志"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert [r[3] for r in rows] == ["登录", "审核通过", "查看完整证件号码"]
    hostile = rows[0]
    assert hostile[2] == HOSTILE and sheet.cell(row=3, column=3).data_type == "s"  # text, never a formula
    assert rows[2][1] == "2026-06-01 23:30" and rows[2][7] == "表：表二；行号：3。"
    events = container.store.list_audit(50)
    assert {"export_requested", "export"} <= {e.action for e in events}
    export = next(e for e in events if e.action == "export")
    assert export.actor == "auditor" and export.detail["date_from"] == "2026-06-01"


def test_an_export_too_large_for_a_workbook_says_where_it_stopped(api, container, monkeypatch):
    from chalicelib.services import audit
    monkeypatch.setattr(audit, "EXPORT_LIMIT", 2)
    token = api.login("auditor", PASSWORD)
    status, asked = api.call("POST", "/exports", {"kind": "audit", "date_from": "2026-06-01"}, token)
    assert status == 202, asked
    finish_jobs(container)
    done = api.call("GET", f"/exports/{asked['export_id']}", token=token)[1]
    rows = list(_workbook(api, done, token)["审计日志"].iter_rows(min_row=3, values_only=True))
    assert [r[3] for r in rows[:2]] == ["审核通过", "登录"] and "超过2条" in rows[2][1] and len(rows) == 3
    assert api.call("POST", "/exports", {"kind": "audit"}, api.login("xiaodian", PASSWORD))[0] == 403


def test_a_submission_reads_with_its_declaration_and_no_english_key_anywhere(api, container):
    from chalicelib.domain.filing import DECLARATION
    container.store.append_audit(audit_event(dt.datetime(2026, 6, 4, 2, 0, tzinfo=UTC), "91140105MA0000001X", "submit",
                                             "f4", scope="140105", detail={"from": "draft", "to": "submitted",
                                                                           "receipt_no": "BA-140105-2025-000001",
                                                                           "declaration": DECLARATION}))
    b = Browser(api.client)
    b.get("/login")
    assert b.post("/login", {"username": "auditor", "password": PASSWORD}).status_code == 303
    page = text(b.get("/audit?action=submit"))
    assert f"回执号：BA-140105-2025-000001；承诺：{DECLARATION}" in page
    assert "\\u" not in page and "declaration" not in page and "receipt_no" not in page
