"""The mini-program and the API cannot drift: the requests the mini-program's journey made in its jest tests
(miniprogram/test/journey.test.js, recorded by the wx stub to miniprogram/test/recorded/journey.json) are replayed
in order against the real app, with WeChat faked at its server. Each must answer the status the scripted answer
had, with every field the pages read; the presigned upload is posted as wx.uploadFile posts it, the 回执 downloaded
as wx.downloadFile does, and the web pages the mini-program opens in its web-view must exist."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests import factories
from tests.api_client import Api, multipart
from tests.senders.fake_wechat import fake_wechat  # noqa: F401 (fixture)
from tests.web.wechat_app import api, container  # noqa: F401 (fixtures)

RECORDED = Path(__file__).resolve().parents[2] / "miniprogram" / "test" / "recorded" / "journey.json"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def filled(value: Any, values: dict[str, Any]) -> Any:
    """The recorded value with the replay's own ids in place of the placeholders."""
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value)
        if whole:
            return values[whole.group(1)]
        return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), value)
    if isinstance(value, list):
        return [filled(v, values) for v in value]
    if isinstance(value, dict):
        return {k: filled(v, values) for k, v in value.items()}
    return value


def present(answer: Any, field: str) -> bool:
    """Whether the answer has the field a page read ("a.b", "items[].c": in every item)."""
    head, _, rest = field.partition(".")
    many = head.endswith("[]")
    key = head.removesuffix("[]")
    if not isinstance(answer, dict) or key not in answer:
        return False
    value = answer[key]
    if not rest:
        return True
    return all(present(v, rest) for v in value) if many else present(value, rest)


def page_exists(path: str) -> bool:
    from app import app
    return any(re.fullmatch(re.sub(r"\{\w+\}", r"[^/]+", route), path) and "GET" in methods
               for route, methods in app.routes.items())


def opened_web_view(api: Api, ticket: str, path: str) -> None:
    response = api.http.get(f"/wechat/web?ticket={ticket}&next={path}")
    location = next(v for k, v in response.headers.items() if k.lower() == "location")
    cookies = response.headers.get("set-cookie") or response.headers.get("Set-Cookie") or ""
    assert response.status_code in (302, 303) and location == path and "session=" in str(cookies)


def test_the_mini_programs_journey_works_on_the_real_api(api: Api, fake_wechat, container):  # noqa: F811
    journey = json.loads(RECORDED.read_text(encoding="utf-8"))
    fake_wechat.codes["replay-code"] = "o-replay"
    values: dict[str, Any] = {"code": "replay-code", "uscc": factories.uscc(1), "year": 2025}
    token, started = None, None
    for step in journey["requests"]:
        if step["kind"] == "upload":  # wx.uploadFile: the presigned POST's fields and the file, to its url
            assert started and set(started["fields"]) and started["url"].endswith("/api/v1/local-uploads")
            body, ctype = multipart(started["fields"], "名册.xlsx", factories.table2_workbook([factories.person(0)]))
            response = api.http.post("/api/v1/local-uploads", headers={"Content-Type": ctype}, body=body)
            assert response.status_code in (204, 303), response.body
            continue
        path = filled(step["path"], values)
        if step["kind"] == "download":  # wx.downloadFile with the bearer token
            response = api.http.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200 and response.body.startswith(b"%PDF"), path
            continue
        if path.endswith("/submit"):  # the journey filled 表一 on the web page in between
            assert api.call("PUT", f"/filings/{values['filing_id']}/table1", factories.table1(1), token)[0] == 200
        if "/uploads/" in path:  # the mini-program asks until the import has finished
            answer = api.wait_for_upload(values["filing_id"], values["upload_id"], token)
            status = 200
        else:
            status, answer = api.call(step["method"], path, filled(step["body"], values), token)
        assert status == step["status"], (step["method"], path, answer)
        missing = [f for f in step["reads"] if not present(answer, f)]
        assert not missing, f"{step['method']} {step['path']}: the mini-program reads {missing}, the API has not"
        if "ticket" in answer:  # the web-view opens the site with it, signed in, on the page it was opened for
            opened_web_view(api, answer["ticket"], filled(journey["web"][0]["path"], values))
        token = answer.get("token", token)
        values.update({k: answer[k] for k in ("bind_token", "upload_id") if k in answer})
        if (step["method"], step["path"]) == ("POST", "/filings"):
            values["filing_id"] = answer["id"]
        if "upload_id" in answer:
            started = answer
    assert values.get("filing_id") and container.store.get_filing(values["filing_id"]).status.value == "submitted"
    assert container.store.get_wechat_binding("o-replay") is None  # the journey ends by unbinding
    assert [e.action for e in container.store.list_audit(50)].count("wechat_subscribe") == 1
    for web in journey["web"]:
        assert page_exists(filled(web["path"], values)), web["path"]
    calls = {(s["method"], s["path"]) for s in journey["requests"] if s["kind"] == "api"}
    assert len(calls) >= 13  # docs/wechat.md quotes how many of the API's calls the journey covers
