"""The WeChat server API for our mini-program, over HTTPS with the standard library (no SDK in the Lambda bundle).

- sign-in: GET /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code → {openid, session_key}
  or {errcode: 40029 (code invalid), 40163 (code already used), 45011 (too many), …};
- the access token: GET /cgi-bin/token?grant_type=client_credential&appid&secret → {access_token, expires_in}
  (7200 s), kept until 5 minutes before it runs out, and fetched again once when WeChat says it is invalid or
  expired (40001, 42001, 40014: another process fetched a newer one, which voids ours);
- subscribe messages: POST /cgi-bin/message/subscribe/send?access_token → {errcode: 0} or 43101 (no subscription
  left), 47003 (a field's value refused), 40003 (openid unknown), ….
Any error code raises ports.WechatRefused; an unreachable server or an unreadable answer is errcode -1.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from ..ports import WechatClient, WechatRefused

API_BASE = "https://api.weixin.qq.com"
TOKEN_EXPIRED = {40001, 42001, 40014}
EARLY = 300  # seconds before its expiry a token is fetched again


class WechatApi(WechatClient):
    def __init__(self, app_id: str, app_secret: str, *, api_base: str = API_BASE, timeout: float = 10.0,
                 monotonic: Callable[[], float] = time.monotonic):
        self.app_id, self.app_secret = app_id, app_secret
        self.api_base, self.timeout, self.monotonic = api_base.rstrip("/"), timeout, monotonic
        self._token: tuple[str, float] | None = None  # (access token, when to fetch a new one)
        self._lock = threading.Lock()

    def session_openid(self, code: str) -> str:
        answer = self._call("/sns/jscode2session", {"appid": self.app_id, "secret": self.app_secret,
                                                    "js_code": code, "grant_type": "authorization_code"})
        openid = answer.get("openid")
        if not isinstance(openid, str) or not openid:
            raise WechatRefused(-1, "jscode2session answered no openid")
        return openid

    def send_subscribe(self, openid: str, template_id: str, data: Mapping[str, str], page: str) -> None:
        body = json.dumps({"touser": openid, "template_id": template_id, "page": page, "lang": "zh_CN",
                           "data": {name: {"value": value} for name, value in data.items()}},
                          ensure_ascii=False).encode()
        try:
            self._call("/cgi-bin/message/subscribe/send", {"access_token": self.access_token()}, body)
        except WechatRefused as e:
            if e.errcode not in TOKEN_EXPIRED:
                raise
            self._call("/cgi-bin/message/subscribe/send", {"access_token": self.access_token(renew=True)}, body)

    def access_token(self, *, renew: bool = False) -> str:
        """The cached access token, fetched when there is none, it is about to expire, or `renew`."""
        with self._lock:
            if renew or self._token is None or self.monotonic() >= self._token[1]:
                answer = self._call("/cgi-bin/token", {"grant_type": "client_credential", "appid": self.app_id,
                                                       "secret": self.app_secret})
                token, expires_in = answer.get("access_token"), answer.get("expires_in")
                if not isinstance(token, str) or not isinstance(expires_in, int):
                    raise WechatRefused(-1, "cgi-bin/token answered no access_token")
                self._token = (token, self.monotonic() + max(expires_in - EARLY, 0))
            return self._token[0]

    def _call(self, path: str, query: Mapping[str, str], body: bytes | None = None) -> dict[str, Any]:
        """GET (or POST `body` as JSON); the answer, raising WechatRefused for a non-zero errcode."""
        url = f"{self.api_base}{path}?{urllib.parse.urlencode(query)}"
        request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET",
                                         headers={"Content-Type": "application/json; charset=utf-8"} if body else {})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as r:
                raw = r.read()
        except urllib.error.HTTPError as e:  # WeChat answers 200 with errcode; anything else is the network's
            raise WechatRefused(-1, f"HTTP {e.code}") from e
        except OSError as e:
            raise WechatRefused(-1, f"unreachable: {e}") from e
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise WechatRefused(-1, raw[:200].decode("utf-8", "replace"))
        if answer.get("errcode"):
            raise WechatRefused(int(answer["errcode"]), str(answer.get("errmsg", "")))
        return answer
