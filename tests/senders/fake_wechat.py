"""A fake WeChat server on 127.0.0.1 speaking the documented protocol, with its own checks (not the adapter's):

- GET /sns/jscode2session: the app id and secret must match; a code it was given (`codes`: code → openid) answers
  the openid once, then 40163 (code been used); any other code 40029 (invalid code);
- GET /cgi-bin/token: a new access token each call, valid `expires_in` 7200; `expire_tokens()` voids the ones
  handed out (42001), as a token fetched elsewhere voids the older one (40001 for an unknown token);
- POST /cgi-bin/message/subscribe/send: the token, then the template (`templates`: id → its fields), every field of
  the template given with a value within its type's limits (thing ≤ 20 characters, character_string ≤ 32 without
  Chinese, phrase ≤ 5 Chinese characters, time/date in WeChat's forms), else 47003; an openid in `refusing` 43101.
Accepted messages are kept in `sent`; every request in `calls`.
"""
from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.senders.fake_providers import send_json

APP_ID, APP_SECRET = "wx0123456789abcdef", "wechat-test-secret"
TEMPLATES = {"TPL-RESULT": ("thing1", "character_string2", "phrase3", "thing4", "time5"),
             "TPL-REMIND": ("thing1", "thing2", "thing3")}
TIME = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}|\d{1,2}:\d{2}")
DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")


def value_ok(field: str, value: str) -> bool:
    kind = field.rstrip("0123456789")
    if kind == "thing":
        return 0 < len(value) <= 20
    if kind == "character_string":
        return 0 < len(value) <= 32 and value.isascii()
    if kind == "phrase":
        return 0 < len(value) <= 5 and all("\u4e00" <= c <= "\u9fff" for c in value)
    if kind == "time":
        return bool(TIME.fullmatch(value))
    if kind == "date":
        return bool(DATE.fullmatch(value))
    return False


class FakeWechat:
    def __init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self._answer(b"")

            def do_POST(self) -> None:  # noqa: N802
                self._answer(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def _answer(self, body: bytes) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                with fake.lock:
                    fake.calls.append((self.command, url.path))
                    answer = fake.answer(url.path, query, body)
                send_json(self, 200, answer)  # WeChat answers 200 and puts the error in the body

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.codes: dict[str, str] = {}
        self.used: set[str] = set()
        self.valid_tokens: set[str] = set()
        self.issued = 0
        self.refusing: set[str] = set()
        self.sent: list[dict[str, Any]] = []
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def answer(self, path: str, query: dict[str, str], body: bytes) -> dict[str, Any]:
        if path == "/sns/jscode2session":
            if (query.get("appid"), query.get("secret")) != (APP_ID, APP_SECRET) \
                    or query.get("grant_type") != "authorization_code":
                return {"errcode": 40013, "errmsg": "invalid appid"}
            code = query.get("js_code", "")
            if code in self.used:
                return {"errcode": 40163, "errmsg": "code been used"}
            if code not in self.codes:
                return {"errcode": 40029, "errmsg": "invalid code"}
            self.used.add(code)
            return {"openid": self.codes[code], "session_key": "c2Vzc2lvbi1rZXk="}
        if path == "/cgi-bin/token":
            if (query.get("appid"), query.get("secret"), query.get("grant_type")) != (APP_ID, APP_SECRET,
                                                                                        "client_credential"):
                return {"errcode": 40013, "errmsg": "invalid appid"}
            self.issued += 1
            token = f"ACCESS-TOKEN-{self.issued}"
            self.valid_tokens.add(token)
            return {"access_token": token, "expires_in": 7200}
        if path == "/cgi-bin/message/subscribe/send":
            token = query.get("access_token", "")
            if token not in self.valid_tokens:
                return ({"errcode": 42001, "errmsg": "access_token expired"} if token.startswith("ACCESS-TOKEN-")
                        else {"errcode": 40001, "errmsg": "invalid credential"})
            message = json.loads(body)
            fields = TEMPLATES.get(message.get("template_id"))
            if fields is None:
                return {"errcode": 40037, "errmsg": "invalid template_id"}
            data = message.get("data") or {}
            if set(data) != set(fields) or not all(value_ok(f, str(data[f].get("value", ""))) for f in fields):
                return {"errcode": 47003, "errmsg": "argument invalid! data.thing1.value invalid"}
            if message.get("touser") in self.refusing:
                return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
            self.sent.append(message)
            return {"errcode": 0, "errmsg": "ok", "msgid": len(self.sent)}
        return {"errcode": -1, "errmsg": "system error"}

    def expire_tokens(self) -> None:
        self.valid_tokens.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_wechat(monkeypatch) -> Iterator[FakeWechat]:
    """The fake, with urllib's proxies bypassed for it."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    fake = FakeWechat()
    yield fake
    fake.close()
