"""The walking-skeleton flow through the JSON API (docs/api.md), in process with chalice.test.Client."""
from __future__ import annotations

import json
import pytest
from chalice.test import Client

from tests import factories, scenarios
from tests.api_client import Api


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
    passwords = {u: reviewer_password(container, u) for u in ("demo-xiaodian", "demo-taiyuan", "demo-yingze")}
    scenarios.full_flow(api, container, passwords)


def test_employer_cannot_touch_another_units_filing(api):
    api.call("POST", "/employers/register", factories.registration(1))
    api.call("POST", "/employers/register", factories.registration(2))
    first = api.login(factories.uscc(1), "Passw0rd!26")
    second = api.login(factories.uscc(2), "Passw0rd!26")
    _, filing = api.call("POST", "/filings", {"year": 2025}, first)
    assert api.call("GET", f"/filings/{filing['id']}", token=second)[0] == 404
    assert api.call("PUT", f"/filings/{filing['id']}/table1", factories.table1(), second)[0] == 404


def test_withdraw_before_review(api):
    api.call("POST", "/employers/register", factories.registration())
    filer = api.login(factories.uscc(1), "Passw0rd!26")
    _, filing = api.call("POST", "/filings", {"year": 2025}, filer)
    fid = filing["id"]
    api.call("PUT", f"/filings/{fid}/table1", factories.table1(1), filer)
    api.upload(fid, "table2", factories.table2_workbook([factories.person(0)]), filer)
    api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=filer)
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
    filer = api.login(factories.uscc(1), "Passw0rd!26")
    assert api.call("POST", "/filings", {"year": 2025}, filer)[0] == 201
    status, body = api.call("POST", "/filings", {"year": 2025}, filer)
    assert status == 409
    status, body = api.call("POST", "/filings", {"year": 2026}, filer)
    assert status == 422 and "尚未结束" in body["error"]["message"]


def test_filings_are_listed_by_year_for_both_sides(api, container):
    api.call("POST", "/employers/register", factories.registration())
    filer = api.login(factories.uscc(1), "Passw0rd!26")
    assert api.call("POST", "/filings", {"year": 2025}, filer)[0] == 201
    status, body = api.call("GET", "/filings?year=2025", token=filer)
    assert status == 200 and [f["year"] for f in body["items"]] == [2025]
    assert api.call("GET", "/filings?year=2024", token=filer)[1]["items"] == []
    status, body = api.call("GET", "/filings?year=abc", token=filer)
    assert status == 422 and body["error"]["details"][0]["field"] == "year"
    reviewer = api.login("demo-sheng", reviewer_password(container, "demo-sheng"))
    status, body = api.call("GET", "/filings?year=2025&status=draft", token=reviewer)
    assert status == 200 and body["counts"]["draft"] == 1
