"""Fuzz tier: schemathesis against a live server of its own (tests/live_server.py): its floods of wrong sign-ins
from 127.0.0.1 trip the per-address throttles, which must not meet the e2e tier's users when one worker runs both."""
from __future__ import annotations

import datetime as dt
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from tests import factories
from tests.api_client import multipart
from tests.live_server import LiveServer, start

SERIAL = 701  # distinct from the e2e tier's unit on the same server


@dataclass(frozen=True)
class Target:
    """A real filing (and one of its uploads) for the fuzzer to aim at, so it gets past the 404s."""
    filing_id: str
    upload_id: str


@dataclass(frozen=True)
class Identities:
    """Who the fuzzer calls as, and what each one aims at: the filer its own draft filing (so 表一 and
    uploads are checked for real), the 小店区 reviewer another unit's submitted filing (so reviews are)."""
    filer_token: str
    reviewer_token: str
    filer_target: Target
    reviewer_target: Target


def _post_upload(url: str, fields: dict, content: bytes) -> int:
    body, ctype = multipart(fields, "名册.xlsx", content)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, data=body, headers={"Content-Type": ctype}, method="POST")
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def _unit_with_filing(server: LiveServer, serial: int, submit: bool) -> tuple[str, Target]:
    """Registers a unit, logs its filer in, creates last year's filing with 表一 and an imported 表二."""
    year = dt.datetime.now(ZoneInfo("Asia/Shanghai")).year - 1
    status, body = server.api("POST", "/employers/register",
                              factories.registration(serial, filer_email=f"fuzz{serial}@example.com"))
    assert status == 201, (status, body)
    token = server.login(factories.uscc(serial), "Passw0rd!26")
    status, filing = server.api("POST", "/filings", {"year": year, "kind": "annual"}, token)
    assert status == 201, (status, filing)
    fid = filing["id"]
    status, body = server.api("PUT", f"/filings/{fid}/table1", factories.table1(2), token)
    assert status == 200, (status, body)
    status, started = server.api("POST", f"/filings/{fid}/uploads", {"table": "table2", "filename": "名册.xlsx"},
                                 token)
    assert status == 201, (status, started)
    workbook = factories.table2_workbook([factories.person(0), factories.person(1)])
    assert _post_upload(started["url"], started["fields"], workbook) in (204, 303)
    deadline = time.monotonic() + 30  # the local import runs in the background, like the S3 event's
    while True:
        status, upload = server.api("GET", f"/filings/{fid}/uploads/{started['upload_id']}", token=token)
        if upload and upload["status"] not in ("waiting", "processing") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert status == 200 and upload["status"] == "done", (status, upload)
    if submit:
        status, body = server.api("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=token)
        assert status == 200, (status, body)
    return token, Target(fid, started["upload_id"])


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    server = start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def identities(live_server: LiveServer) -> Identities:  # noqa: F811
    filer, draft = _unit_with_filing(live_server, SERIAL, submit=False)
    _, submitted = _unit_with_filing(live_server, SERIAL + 1, submit=True)
    reviewer = live_server.login("demo-xiaodian", live_server.logins["demo-xiaodian"])
    return Identities(filer, reviewer, draft, submitted)


@pytest.fixture(scope="session")
def api_schema(live_server: LiveServer):  # noqa: F811
    import schemathesis
    return schemathesis.openapi.from_url(f"{live_server.base_url}/api/v1/openapi.json", wait_for_schema=30)
