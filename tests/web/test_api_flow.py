"""The walking-skeleton flow through the JSON API (API.md), in process with chalice.test.Client."""
from __future__ import annotations

import json
import uuid

import pytest
from chalice.test import Client

from tests import factories


def multipart(fields: dict, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Api:
    def __init__(self, client: Client):
        self.http = client.http
        self.token = None

    def call(self, method: str, path: str, body=None, token: str | None = None):
        headers = {"Content-Type": "application/json"}
        if token or self.token:
            headers["Authorization"] = f"Bearer {token or self.token}"
        response = self.http.request(method, f"/api/v1{path}", headers=headers,
                                     body=json.dumps(body).encode() if body is not None else b"")
        return response.status_code, (json.loads(response.body) if response.body else None)

    def login(self, username: str, password: str) -> str:
        status, body = self.call("POST", "/auth/login", {"username": username, "password": password})
        assert status == 200, body
        return body["token"]

    def upload(self, filing_id: str, table: str, content: bytes, token: str) -> dict:
        status, started = self.call("POST", f"/filings/{filing_id}/uploads", {"table": table, "filename": "名册.xlsx"},
                                    token)
        assert status == 201, started
        assert started["url"].endswith("/api/v1/local-uploads")
        body, ctype = multipart(started["fields"], "名册.xlsx", content)
        response = self.http.post("/api/v1/local-uploads", headers={"Content-Type": ctype}, body=body)
        assert response.status_code in (204, 303), response.body
        status, upload = self.call("GET", f"/filings/{filing_id}/uploads/{started['upload_id']}", token=token)
        assert status == 200
        return upload


@pytest.fixture
def api(container):
    from app import app
    from chalicelib.cli import seed_demo
    seed_demo(container)
    with Client(app) as client:
        yield Api(client)


def reviewer_password(container, username: str) -> str:
    logins = json.loads((container.settings.data_dir / "demo-logins.json").read_text())
    return next(x["password"] for x in logins if x["username"] == username)


def test_register_tells_the_routed_authority(api):
    status, body = api.call("POST", "/employers/register", factories.registration())
    assert status == 201
    assert body["authority"] == {"code": "140105", "name": "太原市小店区人力资源和社会保障局", "level": "county"}
    status, again = api.call("POST", "/employers/register", factories.registration())
    assert status == 409 and again["error"]["code"] == "conflict"


def test_register_rejects_a_bad_check_digit_with_a_chinese_message(api):
    data = factories.registration()
    data["uscc"] = data["uscc"][:-1] + ("0" if data["uscc"][-1] != "0" else "1")
    status, body = api.call("POST", "/employers/register", data)
    assert status == 422
    assert {"row": None, "column": "统一社会信用代码", "field": "uscc",
            "message": "统一社会信用代码校验位错误，请核对"} in body["error"]["details"]


def test_full_flow_register_fill_upload_fix_submit_reject_resubmit_approve(api, container):
    api.call("POST", "/employers/register", factories.registration())
    filer = api.login(factories.uscc(1), "Passw0rd!")

    status, filing = api.call("POST", "/filings", {"year": 2025, "kind": "annual"}, filer)
    assert status == 201 and filing["status"] == "draft" and filing["tables"] == ["table1", "table2"]
    fid = filing["id"]

    status, body = api.call("PUT", f"/filings/{fid}/table1", factories.table1(3, male=5), filer)
    assert status == 422
    assert any(d["column"] == "其中男" for d in body["error"]["details"])
    status, body = api.call("PUT", f"/filings/{fid}/table1", factories.table1(3), filer)
    assert status == 200 and body["checks"]["signing_rate"] == 1.0

    people = [factories.person(i) for i in range(3)]
    bad = [*people[:2], {**people[2], "gender": "男" if people[2]["gender"] == "女" else "女"}]
    upload = api.upload(fid, "table2", factories.table2_workbook(bad), filer)
    assert upload["status"] == "failed"
    assert any(e["column"] == "性别" and e["row"] for e in upload["errors"]), upload["errors"]
    status, body = api.call("POST", f"/filings/{fid}/submit", token=filer)
    assert status == 422  # the failed upload left no rows behind

    upload = api.upload(fid, "table2", factories.table2_workbook(people), filer)
    assert upload["status"] == "done" and upload["rows_done"] == 3

    status, submitted = api.call("POST", f"/filings/{fid}/submit", token=filer)
    assert status == 200 and submitted["receipt_no"] == "BA-140105-2025-000001"
    status, again = api.call("POST", f"/filings/{fid}/submit", token=filer)
    assert again["receipt_no"] == submitted["receipt_no"]

    # the city reviewer sees it read-only; another county cannot see it at all
    city = api.login("demo-taiyuan", reviewer_password(container, "demo-taiyuan"))
    status, listing = api.call("GET", "/filings", token=city)
    assert [f["id"] for f in listing["items"]] == [fid]
    status, body = api.call("POST", f"/filings/{fid}/review", {"decision": "approve", "version": 1}, city)
    assert status == 403
    other = api.login("demo-yingze", reviewer_password(container, "demo-yingze"))
    assert api.call("GET", f"/filings/{fid}", token=other)[0] == 403

    reviewer = api.login("demo-xiaodian", reviewer_password(container, "demo-xiaodian"))
    status, listing = api.call("GET", "/filings?status=submitted", token=reviewer)
    assert [f["id"] for f in listing["items"]] == [fid]
    status, detail = api.call("GET", f"/filings/{fid}", token=reviewer)
    status, rows = api.call("GET", f"/filings/{fid}/rows/table2", token=reviewer)
    assert "*" in rows["items"][0]["id_number"]  # masked for reviewers

    status, body = api.call("POST", f"/filings/{fid}/review", {"decision": "reject", "version": detail["version"]},
                            reviewer)
    assert status == 422  # a rejection needs a reason
    status, body = api.call("POST", f"/filings/{fid}/review",
                            {"decision": "reject", "reason": "表二缺少部分人员", "version": detail["version"]}, reviewer)
    assert status == 200 and body["status"] == "rejected"
    status, body = api.call("POST", f"/filings/{fid}/review",
                            {"decision": "approve", "version": detail["version"]}, reviewer)
    assert status == 409

    status, mine = api.call("GET", f"/filings/{fid}", token=filer)
    assert mine["status"] == "rejected" and mine["history"][-1]["reason"] == "表二缺少部分人员"
    status, resubmitted = api.call("POST", f"/filings/{fid}/submit", token=filer)
    assert status == 200 and resubmitted["receipt_no"] == "BA-140105-2025-000002"

    status, body = api.call("POST", f"/filings/{fid}/review",
                            {"decision": "approve", "version": resubmitted["version"]}, reviewer)
    assert status == 200 and body["status"] == "approved"

    subjects = [(m.to, m.subject) for m in container.store.list_messages()]
    assert ("demo-xiaodian@demo.invalid", "新的劳动用工备案待审核") in subjects
    assert ("filer1@example.com", "劳动用工备案审核不通过") in subjects
    assert ("filer1@example.com", "劳动用工备案审核通过") in subjects


def test_employer_cannot_touch_another_units_filing(api):
    api.call("POST", "/employers/register", factories.registration(1))
    api.call("POST", "/employers/register", factories.registration(2))
    first = api.login(factories.uscc(1), "Passw0rd!")
    second = api.login(factories.uscc(2), "Passw0rd!")
    _, filing = api.call("POST", "/filings", {"year": 2025}, first)
    assert api.call("GET", f"/filings/{filing['id']}", token=second)[0] == 404
    assert api.call("PUT", f"/filings/{filing['id']}/table1", factories.table1(), second)[0] == 404


def test_withdraw_before_review(api):
    api.call("POST", "/employers/register", factories.registration())
    filer = api.login(factories.uscc(1), "Passw0rd!")
    _, filing = api.call("POST", "/filings", {"year": 2025}, filer)
    fid = filing["id"]
    api.call("PUT", f"/filings/{fid}/table1", factories.table1(1), filer)
    api.upload(fid, "table2", factories.table2_workbook([factories.person(0)]), filer)
    api.call("POST", f"/filings/{fid}/submit", token=filer)
    status, body = api.call("POST", f"/filings/{fid}/withdraw", token=filer)
    assert status == 200 and body["status"] == "draft"


def test_errors_follow_api_md(api):
    status, body = api.call("GET", "/me")
    assert status == 401 and body["error"]["message"] == "请先登录"
    status, body = api.call("POST", "/auth/login", {"username": "nobody", "password": "x"})
    assert status == 401 and body["error"]["code"] == "unauthenticated"
    response = api.http.request("POST", "/api/v1/auth/login", headers={"Content-Type": "application/json"},
                                body=b"{not json")
    assert response.status_code == 400
    assert json.loads(response.body)["error"]["message"] == "请求内容不是有效的JSON"


def test_duplicate_annual_filing_is_409_and_current_year_is_refused(api):
    api.call("POST", "/employers/register", factories.registration())
    filer = api.login(factories.uscc(1), "Passw0rd!")
    assert api.call("POST", "/filings", {"year": 2025}, filer)[0] == 201
    status, body = api.call("POST", "/filings", {"year": 2025}, filer)
    assert status == 409
    status, body = api.call("POST", "/filings", {"year": 2026}, filer)
    assert status == 422 and "尚未结束" in body["error"]["message"]
