"""What browsers and bare clients get through API Gateway (REST API, Lambda proxy integration), whose binary rules
neither moto nor the local server apply: the event it sends the function (a body whose Content-Type is one of the
API's binaryMediaTypes arrives base64), and what it makes of the answer (a base64 body is decoded only when the
request's first Accept type is a binary media type; otherwise the client gets the base64 text)."""
from __future__ import annotations

import base64
import fnmatch
import json

import pytest
from chalice.local import LambdaContext, LambdaEventConverter, RouteMatcher

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def app(container):
    from app import app
    return app


def _binary(media_type: str, binary_media_types: list[str]) -> bool:
    """`*/*` matches any type, none included (no Accept header, no Content-Type); others match their pattern."""
    return any(pattern == "*/*" or fnmatch.fnmatch(media_type, pattern) for pattern in binary_media_types)


def through_api_gateway(app, method: str, path: str, headers: dict[str, str], body: bytes | None = None):
    binary_media_types = app.api.binary_types  # what `chalice package` declares on the API
    event = LambdaEventConverter(RouteMatcher(list(app.routes)), []).create_lambda_event(method, path, headers)
    if body is not None:
        encoded = _binary(headers.get("Content-Type", "").split(";")[0], binary_media_types)
        event["body"] = base64.b64encode(body).decode() if encoded else body.decode()
        event["isBase64Encoded"] = encoded
    answer = app(event, LambdaContext("api", 1024))
    first_accept = headers.get("Accept", "").split(",")[0].split(";")[0].strip()
    if answer.get("isBase64Encoded") and _binary(first_accept, binary_media_types):
        return answer["statusCode"], base64.b64decode(answer["body"])
    return answer["statusCode"], answer["body"].encode()


@pytest.mark.parametrize("accept", [BROWSER, None, "*/*"], ids=["browser", "no Accept header", "any"])
def test_a_blank_form_downloads_as_a_workbook(app, accept):
    status, body = through_api_gateway(app, "GET", "/api/v1/templates/table2", {"Accept": accept} if accept else {})
    assert status == 200 and body[:2] == b"PK"


def test_pages_and_json_arrive_as_text(app):
    status, page = through_api_gateway(app, "GET", "/login", {"Accept": BROWSER})
    assert status == 200 and "登录" in page.decode()
    status, answer = through_api_gateway(app, "POST", "/api/v1/auth/login",
                                         {"Content-Type": "application/json", "Accept": "application/json"},
                                         json.dumps({"username": "nobody", "password": "x"}).encode())
    assert status == 401 and json.loads(answer)["error"]["message"] == "账号或密码错误"
