"""What browsers and bare clients get through API Gateway's binary rules (tests/api_gateway.py), which neither moto
nor the local server apply: workbooks as files, pages and JSON as text."""
from __future__ import annotations

import json

import pytest

from tests.api_gateway import through_api_gateway

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def app(container):
    from app import app
    return app


@pytest.mark.parametrize("accept", [BROWSER, None, "*/*"], ids=["browser", "no Accept header", "any"])
def test_a_blank_form_downloads_as_a_workbook(app, accept):
    status, _, body = through_api_gateway(app, "GET", "/api/v1/templates/table2", {"Accept": accept} if accept else {})
    assert status == 200 and body[:2] == b"PK"


def test_pages_and_json_arrive_as_text(app):
    status, _, page = through_api_gateway(app, "GET", "/login", {"Accept": BROWSER})
    assert status == 200 and "登录" in page.decode()
    status, _, answer = through_api_gateway(app, "POST", "/api/v1/auth/login",
                                         {"Content-Type": "application/json", "Accept": "application/json"},
                                         json.dumps({"username": "nobody", "password": "x"}).encode())
    assert status == 401 and json.loads(answer)["error"]["message"] == "账号或密码错误"
