"""The WeChat server API adapter against the fake WeChat server: the sign-in code, the access token fetched once and
kept, fetched again once when WeChat says it expired, and WeChat's refusals as error codes."""
from __future__ import annotations

import pytest

from chalicelib.adapters.wechat import WechatApi
from chalicelib.ports import WechatRefused
from tests.senders.fake_wechat import APP_ID, APP_SECRET, fake_wechat  # noqa: F401 (fixture)

RESULT = {"thing1": "2025年年度备案", "character_string2": "BA-140105-2025-000001", "phrase3": "审核通过",
          "thing4": "请在小程序中查看详情", "time5": "2026年3月2日 10:30"}


@pytest.fixture
def api(fake_wechat):  # noqa: F811
    return WechatApi(APP_ID, APP_SECRET, api_base=fake_wechat.url)


def test_a_login_code_gives_the_openid_once(api, fake_wechat):  # noqa: F811
    fake_wechat.codes["code-1"] = "o-user-1"
    assert api.session_openid("code-1") == "o-user-1"
    with pytest.raises(WechatRefused) as used:
        api.session_openid("code-1")
    with pytest.raises(WechatRefused) as invalid:
        api.session_openid("made-up")
    assert (used.value.errcode, invalid.value.errcode) == (40163, 40029)


def test_the_access_token_is_fetched_once_and_again_once_when_it_expired(api, fake_wechat):  # noqa: F811
    api.send_subscribe("o-1", "TPL-RESULT", RESULT, "pages/home/home")
    api.send_subscribe("o-2", "TPL-RESULT", RESULT, "pages/home/home")
    assert fake_wechat.calls.count(("GET", "/cgi-bin/token")) == 1
    fake_wechat.expire_tokens()  # 42001 on the next send: fetched again, sent again, once
    api.send_subscribe("o-3", "TPL-RESULT", RESULT, "pages/home/home")
    assert fake_wechat.calls.count(("GET", "/cgi-bin/token")) == 2
    assert [m["touser"] for m in fake_wechat.sent] == ["o-1", "o-2", "o-3"]
    assert fake_wechat.sent[0]["data"]["character_string2"] == {"value": "BA-140105-2025-000001"}
    assert fake_wechat.sent[0]["page"] == "pages/home/home"


def test_a_token_expiring_again_right_after_the_refresh_is_not_retried_forever(api, fake_wechat, monkeypatch):  # noqa: F811
    api.access_token()
    monkeypatch.setattr(fake_wechat, "valid_tokens", type("Never", (set,), {"__contains__": lambda s, t: False})())
    with pytest.raises(WechatRefused) as e:
        api.send_subscribe("o-1", "TPL-RESULT", RESULT, "pages/home/home")
    assert e.value.errcode == 42001 and fake_wechat.calls.count(("GET", "/cgi-bin/token")) == 2


def test_wechat_refusals_come_back_as_their_codes(api, fake_wechat):  # noqa: F811
    fake_wechat.refusing.add("o-off")
    with pytest.raises(WechatRefused) as refused:
        api.send_subscribe("o-off", "TPL-RESULT", RESULT, "pages/home/home")
    with pytest.raises(WechatRefused) as too_long:
        api.send_subscribe("o-1", "TPL-RESULT", {**RESULT, "thing4": "原因" * 11}, "pages/home/home")
    assert (refused.value.errcode, too_long.value.errcode) == (43101, 47003) and fake_wechat.sent == []


def test_an_unreachable_wechat_is_error_minus_one():
    api = WechatApi(APP_ID, APP_SECRET, api_base="http://127.0.0.1:9", timeout=2)
    with pytest.raises(WechatRefused) as e:
        api.session_openid("code")
    assert e.value.errcode == -1
