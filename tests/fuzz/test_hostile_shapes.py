"""Shapes schemathesis does not generate, sent to every operation of /api/v1/openapi.json on the live server as
nobody, a filer and a reviewer: JSON nested thousands of levels deep, lone surrogates, huge numbers and strings,
control and bidirectional characters, made-up page tokens. Every answer is below 500 and, where it is an error,
in the shape of docs/api.md."""
from __future__ import annotations

import base64
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

NESTED = b"[" * 5000 + b"]" * 5000
BODIES = [
    NESTED,
    b'{"year": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    b'{"username": "\\ud800", "password": "\\udfff", "table": "\\ud83d", "reason": "a\\ud800b"}',
    json.dumps({"year": 10**30, "version": 10**30, "limit": -10**30, "decision": "approve"}).encode(),
    json.dumps({"name": "A" * 200_000, "reason": "\u202e\u200b\x0b\x00", "uscc": "\x00" * 18}).encode(),
]
QUERY = {"year": "99999999999999999999999", "offset": "1e23", "limit": "-1",
         "page_token": base64.urlsafe_b64encode(b"[1,2,3]").decode(), "q": "\u202e\x00"}


def _send(base_url: str, method: str, path: str, body: bytes | None, token: str | None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json", "Accept": "*/*"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base_url + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _operations(schema: dict) -> list[tuple[str, str]]:
    return [(method.upper(), path) for path, ops in schema["paths"].items() for method in ops
            if path not in ("/auth/logout", "/local-uploads")]  # sign-out ends the session the others use


@pytest.mark.parametrize("who", ["anonymous", "filer", "reviewer"])
def test_hostile_shapes_never_get_a_server_error(live_server, identities, who):
    token = {"anonymous": None, "filer": identities.filer_token, "reviewer": identities.reviewer_token}[who]
    target = identities.filer_target if who == "filer" else identities.reviewer_target
    with urllib.request.urlopen(f"{live_server.base_url}/api/v1/openapi.json", timeout=30) as response:
        schema = json.loads(response.read())
    failures = []
    for method, path in _operations(schema):
        concrete = (path.replace("{filing_id}", target.filing_id).replace("{upload_id}", target.upload_id)
                    .replace("{table}", "table2").replace("{index}", "99999999999999999999")
                    .replace("{username}", "%E2%80%AE%00").replace("{application_id}", "x" * 300)
                    .replace("{id_number}", "11010519491231002X" * 100))
        query = "?" + urllib.parse.urlencode(QUERY)
        for body in (BODIES if method in ("POST", "PUT") else [None]):
            status, answer = _send(live_server.base_url, method, "/api/v1" + concrete + query, body, token)
            if status >= 500:
                failures.append(f"{method} {path} body={body[:60] if body else None!r}: {status} {answer[:200]!r}")
            elif status >= 400 and answer[:1] == b"{" and "error" not in json.loads(answer):
                failures.append(f"{method} {path}: {status} not in the error shape: {answer[:200]!r}")
    assert not failures, "\n".join(failures)


def test_a_client_that_sends_no_accept_header_gets_its_download(live_server):
    """Python's urllib, like many scripts, sends no Accept header: a download answers it all the same."""
    request = urllib.request.Request(f"{live_server.base_url}/api/v1/templates/table2")
    assert request.get_header("Accept") is None
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200 and response.read(2) == b"PK"


def _declare(live_server, path: str, headers: dict[str, str], body: bytes = b"x") -> tuple[int, str, str]:
    """Send headers that declare a body, and only `body` of it: the server must answer without reading more."""
    connection = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=10)
    connection.putrequest("POST", path)
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders(body)
    answer = connection.getresponse()
    result = answer.status, answer.getheader("Content-Type") or "", answer.read().decode()
    connection.close()
    return result


def test_a_body_over_its_limit_is_refused_before_it_is_read(live_server):
    status, kind, text = _declare(live_server, "/api/v1/auth/login",
                                  {"Content-Type": "application/json", "Content-Length": str(300 * 1024 * 1024)})
    assert status == 413 and json.loads(text)["error"] == {"code": "too_large", "message": "请求内容超过1MB上限",
                                                          "details": []}
    status, kind, text = _declare(live_server, "/api/v1/local-uploads",
                                  {"Content-Type": "multipart/form-data; boundary=x", "Accept": "text/html",
                                   "Content-Length": str(300 * 1024 * 1024)})
    assert status == 413 and kind.startswith("text/html") and "文件大小超过50MB上限" in text  # a browser gets a page
    assert _declare(live_server, "/api/v1/auth/login", {"Transfer-Encoding": "chunked"}, b"2\r\n{}\r\n0\r\n\r\n")[0] == 411
    assert _declare(live_server, "/api/v1/auth/login", {"Content-Length": "-5"})[0] == 400
    with urllib.request.urlopen(f"{live_server.base_url}/login", timeout=10) as page:  # and the server is fine
        assert page.status == 200
