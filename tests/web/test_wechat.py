"""The mini-program's server side through the app (docs/wechat.md), against the fake WeChat server: sign in with a
wx.login code, bind once with the unit's USCC and password, subscribe, and a review decision reaches WeChat as a
subscribe message (the SMS when not subscribed); unbinding from the mini-program and from the web page."""
from __future__ import annotations

import json

from tests import factories
from tests.api_client import Api
from tests.senders.fake_wechat import fake_wechat  # noqa: F401 (fixture)
from tests.web.test_pages import Browser, location
from tests.web.wechat_app import PASSWORD, TEMPLATES, api, container  # noqa: F401 (fixtures)


def wechat_session(api: Api, fake, code: str, openid: str = "o-filer-1") -> dict:
    fake.codes[code] = openid
    status, body = api.call("POST", "/auth/wechat", {"code": code})
    assert status == 200, body
    return body


def bound_token(api: Api, fake, code: str = "c-1") -> str:
    first = wechat_session(api, fake, code)
    status, body = api.call("POST", "/auth/wechat/bind", {"bind_token": first["bind_token"],
                                                          "username": factories.uscc(1), "password": PASSWORD})
    assert status == 200, body
    return body["token"]


def test_the_first_sign_in_asks_to_bind_and_later_ones_sign_in_at_once(api, fake_wechat, container):  # noqa: F811
    first = wechat_session(api, fake_wechat, "c-1")
    assert first["bind_required"] is True and "token" not in first
    status, wrong = api.call("POST", "/auth/wechat/bind", {"bind_token": first["bind_token"],
                                                           "username": factories.uscc(1), "password": "wrong-one"})
    assert status == 401 and wrong["error"]["message"] == "账号或密码错误"
    status, bound = api.call("POST", "/auth/wechat/bind", {"bind_token": first["bind_token"],
                                                           "username": factories.uscc(1), "password": PASSWORD})
    assert status == 200 and bound["role"] == "filer"
    again = wechat_session(api, fake_wechat, "c-2")  # the next opening of the mini-program
    assert "bind_required" not in again and api.call("GET", "/me", token=again["token"])[1]["username"] == \
        factories.uscc(1)
    actions = [e.action for e in container.store.list_audit(20)]
    assert "wechat_bind" in actions and actions.count("sign_in") >= 2


def test_bad_codes_and_tokens_get_chinese_messages(api, fake_wechat):  # noqa: F811
    status, body = api.call("POST", "/auth/wechat", {"code": "made-up"})
    assert status == 401 and body["error"]["message"] == "微信登录凭证无效或已使用，请重新打开小程序"
    status, body = api.call("POST", "/auth/wechat", {})
    assert status == 422 and body["error"]["details"][0]["field"] == "code"
    status, body = api.call("POST", "/auth/wechat/bind", {"bind_token": "forged", "username": factories.uscc(1),
                                                          "password": PASSWORD})
    assert status == 401 and body["error"]["message"] == "绑定已过期，请重新打开小程序登录"


def test_a_reviewer_account_cannot_bind(api, fake_wechat, container):  # noqa: F811
    logins = json.loads((container.settings.data_dir / "demo-logins.json").read_text())
    reviewer = next(x for x in logins if x["username"] == "demo-xiaodian")
    first = wechat_session(api, fake_wechat, "c-1")
    status, body = api.call("POST", "/auth/wechat/bind", {"bind_token": first["bind_token"],
                                                          "username": "demo-xiaodian", "password": reviewer["password"]})
    assert status == 403 and container.store.get_wechat_binding("o-filer-1") is None


def test_a_review_decision_reaches_the_subscribed_user_by_wechat_and_falls_back_to_sms(api, fake_wechat,  # noqa: F811
                                                                                       container):
    token = bound_token(api, fake_wechat)
    status, offered = api.call("GET", "/wechat/subscriptions", token=token)
    assert offered == {"templates": TEMPLATES, "accepted": {"review_result": 0, "deadline_reminder": 0}}
    status, body = api.call("POST", "/wechat/subscriptions", {"template_ids": ["TPL-UNKNOWN"]}, token)
    assert status == 422
    status, body = api.call("POST", "/wechat/subscriptions", {"template_ids": ["TPL-RESULT"]}, token)
    assert status == 200 and body["accepted"]["review_result"] == 1

    receipt = submit_and_decide(api, container, token, "reject", "表二缺少部分人员")
    [sent] = fake_wechat.sent
    assert sent["template_id"] == "TPL-RESULT" and sent["touser"] == "o-filer-1"
    assert sent["data"]["character_string2"]["value"] == receipt and sent["data"]["phrase3"]["value"] == "审核不通过"
    assert sent["data"]["thing4"]["value"] == "表二缺少部分人员"
    filer_sms = [m for m in container.store.list_messages(50) if m.template == "rejected"]
    assert [m.channel for m in filer_sms] == ["wechat"]

    submit_and_decide(api, container, token, "approve")  # the acceptance is used up: the SMS goes
    approved = [m for m in container.store.list_messages(50) if m.template == "approved"]
    assert [(m.channel, m.status) for m in approved] == [("sms", "sent")] and len(fake_wechat.sent) == 1


def submit_and_decide(api: Api, container, token: str, decision: str, reason: str | None = None) -> str:
    status, listing = api.call("GET", "/filings", token=token)
    fid = listing["items"][0]["id"] if listing.get("items") else None
    if fid is None:
        status, filing = api.call("POST", "/filings", {"year": 2025}, token)
        fid = filing["id"]
        api.call("PUT", f"/filings/{fid}/table1", factories.table1(1), token)
        api.upload(fid, "table2", factories.table2_workbook([factories.person(0)]), token)
    status, submitted = api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token)
    assert status == 200, submitted
    logins = json.loads((container.settings.data_dir / "demo-logins.json").read_text())
    reviewer = api.login("demo-xiaodian", next(x["password"] for x in logins if x["username"] == "demo-xiaodian"))
    status, detail = api.call("GET", f"/filings/{fid}", token=reviewer)
    status, body = api.call("POST", f"/filings/{fid}/review", {"decision": decision, "reason": reason,
                                                               "version": detail["version"]}, reviewer)
    assert status == 200, body
    container.outbox.deliver_pending()
    return submitted["receipt_no"]


def test_subscribing_needs_a_mini_program_session(api):
    token = api.login(factories.uscc(1), PASSWORD)
    status, body = api.call("POST", "/wechat/subscriptions", {"template_ids": ["TPL-RESULT"]}, token)
    assert status == 409 and body["error"]["message"] == "请在微信小程序中登录后再订阅消息"


def test_unbinding_from_the_mini_program_asks_to_bind_again(api, fake_wechat, container):  # noqa: F811
    token = bound_token(api, fake_wechat)
    status, body = api.call("POST", "/auth/wechat/unbind", token=token)
    assert status == 200 and body["unbound"] == 1
    assert wechat_session(api, fake_wechat, "c-9")["bind_required"] is True
    assert "wechat_unbind" in [e.action for e in container.store.list_audit(20)]


def test_unbinding_from_the_web_page(api, fake_wechat, container):  # noqa: F811
    bound_token(api, fake_wechat)
    browser = Browser(api.client)
    browser.get("/login")
    browser.post("/login", {"username": factories.uscc(1), "password": PASSWORD})
    assert "/employer/wechat" in browser.get("/employer").body.decode()
    page = browser.get("/employer/wechat").body.decode()
    assert "微信用户 o-fi…er-1" in page and "解除绑定" in page
    response = browser.post("/employer/wechat/unbind", {"openid": "o-filer-1"})
    assert response.status_code in (302, 303)
    page = browser.get(location(response)).body.decode()
    assert "已解除该微信的绑定" in page and "本账号没有绑定微信" in page
    assert container.store.get_wechat_binding("o-filer-1") is None
    assert browser.post("/employer/wechat/unbind", {"openid": "o-filer-1"}).status_code == 404


def test_a_wechat_user_bound_to_a_removed_account_binds_again(api, fake_wechat, container):  # noqa: F811
    bound_token(api, fake_wechat)
    account = container.store.get_account(factories.uscc(1))
    container.store.save_account(account.model_copy(update={"status": "deregistered", "version": account.version + 1}),
                                 expected_version=account.version)
    assert wechat_session(api, fake_wechat, "c-2")["bind_required"] is True


def test_the_web_view_opens_the_site_signed_in_once_per_ticket(api, fake_wechat):  # noqa: F811
    token = bound_token(api, fake_wechat)
    status, body = api.call("POST", "/auth/wechat/web-ticket", token=token)
    assert status == 200
    browser = Browser(api.client)
    opened = browser.get(f"/wechat/web?ticket={body['ticket']}&next=/employer/wechat")
    assert opened.status_code in (302, 303) and location(opened) == "/employer/wechat"
    assert "微信用户 o-fi…er-1" in browser.get("/employer/wechat").body.decode()  # signed in as the filer
    again = Browser(api.client).get(f"/wechat/web?ticket={body['ticket']}&next=/employer")
    assert location(again) == "/login"  # single use
    assert location(Browser(api.client).get("/wechat/web?ticket=forged")) == "/login"
    web_token = api.login(factories.uscc(1), PASSWORD)  # a web session has no WeChat user to vouch for
    assert api.call("POST", "/auth/wechat/web-ticket", token=web_token)[0] == 409
