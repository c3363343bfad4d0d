"""Employer identity and account recovery (docs/rules.md §12) through the API and the pages, on both backends:
the SMS code at registration, 忘记密码, the 单位管理员's 经办人 (mobile proved by a code) and the hand-over of the
role, contact changes, the unit's accounts on the staff's pages, and a reviewer rebinding a lost unit."""
from __future__ import annotations

import pytest
from chalice.test import Client

from tests import factories
from tests.api_client import Api
from tests.web.test_pages import Browser, location

UNIT = factories.uscc(1)
MOBILE = "13800000001"
REVIEWER_PASSWORD = "Review-Passw0rd"


@pytest.fixture
def container(backend_container):
    """Every test here runs on the embedded and on the AWS backend."""
    return backend_container


@pytest.fixture
def client(container):
    from app import app
    with Client(app) as client:
        yield client


@pytest.fixture
def api(client):
    api = Api(client)
    assert api.call("POST", "/employers/register", factories.registration())[0] == 201
    return api


def browser_of(client, username=UNIT, password="Passw0rd!26") -> Browser:
    b = Browser(client)
    b.get("/login")
    assert b.post("/login", {"username": username, "password": password}).status_code == 303
    return b


def test_registration_needs_the_code_sent_to_the_filers_mobile(client, container):
    api = Api(client)
    data = factories.registration(2)
    status, body = api.call("POST", "/employers/register", {**data, "verification_code": "123456"})
    assert status == 422 and body["error"]["details"][0]["field"] == "verification_code"
    assert api.call("POST", "/employers/register/code", {"mobile": data["filer_mobile"]})[0] == 202
    status, body = api.call("POST", "/employers/register/code", {"mobile": data["filer_mobile"]})
    assert status == 429 and "秒后再重新获取" in body["error"]["message"]
    code = factories.sms_code(data["filer_mobile"])
    assert api.call("POST", "/employers/register", {**data, "verification_code": code})[0] == 201
    assert container.store.get_account(data["uscc"]).unit_role == "admin"


def test_the_register_page_sends_the_code_and_keeps_what_was_typed(client):
    b = Browser(client)
    b.get("/register")
    form = {**factories.registration(3), "foreign_invested": "否", "labor_dispatch": "否"}
    page = b.post("/register/code", form)
    body = page.body.decode()
    assert page.status_code == 200 and 'id="code-sent"' in body and form["name"] in body
    assert 'action="/register"' in body  # 注册 posts the form to /register, not back to /register/code
    page = b.post("/register", {**form, "verification_code": factories.sms_code(form["filer_mobile"])})
    assert page.status_code == 200 and "备案审核机关" in page.body.decode()


def test_forgotten_password_through_the_pages(client, api, container):
    old_session = browser_of(client)
    b = Browser(client)
    assert 'href="/password-reset"' in b.get("/login").body.decode()
    page = b.post("/password-reset/code", {"uscc": UNIT, "mobile": MOBILE})
    assert 'id="code-sent"' in page.body.decode()
    page = b.post("/password-reset", {"uscc": UNIT, "mobile": MOBILE, "code": factories.sms_code(MOBILE, "找回密码"),
                                      "new_password": "Brand-new-2026"})
    assert 'id="reset-done"' in page.body.decode()
    assert location(old_session.get("/employer")).startswith("/login")  # every session ended
    browser_of(client, password="Brand-new-2026")


def test_reset_answers_the_same_for_a_pair_that_does_not_exist(client, api):
    real = api.call("POST", "/auth/password-reset/code", {"uscc": UNIT, "mobile": MOBILE})
    wrong = api.call("POST", "/auth/password-reset/code", {"uscc": UNIT, "mobile": "13700000000"})
    nobody = api.call("POST", "/auth/password-reset/code", {"uscc": factories.uscc(9), "mobile": "13700000001"})
    assert real == wrong == nobody and real[0] == 202
    assert factories.sms_code("13700000000", "找回密码") is None
    status, body = api.call("POST", "/auth/password-reset", {"uscc": UNIT, "mobile": "13700000000", "code": "000000",
                                                             "new_password": "Brand-new-2026"})
    assert status == 422 and body["error"]["details"][0]["field"] == "code"


def test_the_unit_admin_manages_clerks_on_the_people_page(client, api, container):
    admin = browser_of(client)
    assert 'id="unit-people"' in admin.get("/employer").body.decode()
    form = {"name": "王五", "mobile": "13600000003", "email": "w@example.com", "password": "Clerk-Passw0rd-1"}
    page = admin.post("/employer/people", form)
    assert page.status_code == 422 and 'id="e-verification_code"' in page.body.decode()
    page = admin.post("/employer/people/code", form)  # 获取验证码: the form comes back as typed
    assert 'id="code-sent"' in page.body.decode() and 'value="王五"' in page.body.decode()
    page = admin.post("/employer/people", {**form, "verification_code": factories.sms_code("13600000003", "添加经办人")})
    assert location(page) == "/employer/people?done=added"
    clerk_name = f"{UNIT}-2"
    assert clerk_name in admin.get("/employer/people").body.decode()
    clerk = browser_of(client, clerk_name, "Clerk-Passw0rd-1")
    assert 'id="add-clerk"' not in clerk.get("/employer/people").body.decode()
    assert clerk.post("/employer/people", {"name": "赵六", "mobile": "13600000004", "email": "z@example.com",
                                           "password": "Clerk-Passw0rd-2"}).status_code == 403
    assert location(admin.post(f"/employer/people/{clerk_name}/remove", {})) == "/employer/people?done=removed"
    assert location(clerk.get("/employer")).startswith("/login")


def test_contact_change_through_the_api(client, api, container):
    token = api.login(UNIT, "Passw0rd!26")
    assert api.call("POST", "/me/contact/code", {"mobile": "13900000002"}, token)[0] == 202
    status, body = api.call("PUT", "/me/contact", {"mobile": "13900000002", "email": "new@example.com",
                                                   "code": factories.sms_code("13900000002", "更换手机号")}, token)
    assert status == 200 and body["mobile"] == "139****0002"
    assert container.store.get_unit(UNIT).filer_mobile == "13900000002"
    told = [m for m in container.store.list_messages(50) if m.subject == "单位账号变更提醒"]
    assert {MOBILE, "filer1@example.com"} <= {m.to for m in told}


def test_a_reviewer_rebinds_a_lost_unit_on_its_page(client, api, container):
    container.accounts.create_reviewer("xiaodian", REVIEWER_PASSWORD, "140105", "小店区审核员")
    reviewer = browser_of(client, "xiaodian", REVIEWER_PASSWORD)
    path = f"/review/units/{UNIT}/rebind"
    assert "已核验的材料" in reviewer.get(path).body.decode()
    form = {"name": "赵新", "mobile": "13900000002", "email": "new@example.com", "documents": "营业执照"}
    assert 'id="code-sent"' in reviewer.post(path, {**form, "action": "code"}).body.decode()
    page = reviewer.post(path, {**form, "code": factories.sms_code("13900000002", "单位管理员变更"),
                                "action": "rebind"})
    assert page.status_code == 422 and "法定代表人身份证或授权委托书" in page.body.decode()
    reviewer.post(path, {**form, "action": "code"})  # (the resend interval: the clock stands still) …
    container.clock.advance(seconds=61)
    reviewer.post(path, {**form, "action": "code"})
    body = f"csrf={reviewer.jar['csrf']}&name=赵新&mobile=13900000002&email=new%40example.com&documents=营业执照" \
           f"&documents=授权委托书&action=rebind&code={factories.sms_code('13900000002', '单位管理员变更')}"
    page = reviewer.http.post(path, headers=reviewer._headers({"Content-Type": "application/x-www-form-urlencoded"}),
                              body=body.encode())
    text = page.body.decode()
    assert page.status_code == 200 and 'id="initial-password"' in text
    event = next(e for e in container.store.list_audit(20) if e.action == "rebind_unit")
    assert event.actor == "xiaodian" and event.detail["documents"] == ["营业执照", "授权委托书"]
    status, _ = Api(client).call("POST", "/auth/login", {"username": UNIT, "password": "Passw0rd!26"})
    assert status == 401


def test_the_admin_hands_the_role_over_on_the_people_page(client, api, container):
    admin = browser_of(client)
    admin_token = api.login(UNIT, "Passw0rd!26")
    assert api.call("POST", "/unit/people/code", {"mobile": "13600000003"}, admin_token)[0] == 202
    status, clerk = api.call("POST", "/unit/people", {
        "name": "王五", "mobile": "13600000003", "email": "w@example.com", "password": "Clerk-Passw0rd-1",
        "verification_code": factories.sms_code("13600000003", "添加经办人")}, admin_token)
    assert status == 201
    page = admin.get("/employer/people").body.decode()
    assert 'id="hand-over"' in page and f'value="{clerk["username"]}"' in page
    page = admin.post("/employer/people/hand-over", {"person": clerk["username"], "current_password": "wrong"})
    assert page.status_code == 422 and "登录密码不正确" in page.body.decode()
    page = admin.post("/employer/people/hand-over", {"person": clerk["username"], "current_password": "Passw0rd!26"})
    assert location(page) == "/employer/people?done=handed_over"
    page = admin.get("/employer/people?done=handed_over").body.decode()
    assert "您的账号现为经办人" in page and 'id="add-clerk"' not in page and 'id="hand-over"' not in page
    new_admin = browser_of(client, clerk["username"], "Clerk-Passw0rd-1").get("/employer/people").body.decode()
    assert 'id="add-clerk"' in new_admin and 'id="hand-over"' in new_admin  # the former admin is a 经办人 now
    assert container.store.get_unit(UNIT).filer_mobile == "13600000003"
    told = {m.to for m in container.store.list_messages(100) if m.template == "unit_admin_handover"}
    assert told == {MOBILE, "13600000003"}
    # and back again through the API
    token = api.login(clerk["username"], "Clerk-Passw0rd-1")
    status, body = api.call("POST", f"/unit/people/{UNIT}/hand-over", {"current_password": "Clerk-Passw0rd-1"}, token)
    assert status == 200 and body["unit_role"] == "admin" and body["username"] == UNIT


def test_the_units_authority_sees_its_accounts_read_only(client, api, container):
    from chalicelib.domain.model import Role
    token = api.login(UNIT, "Passw0rd!26")
    factories.add_clerk(container, container.accounts.authenticate(token), "王五", "13600000003", "w@example.com")
    container.accounts.create_reviewer("xiaodian", REVIEWER_PASSWORD, "140105", "小店区审核员")
    container.accounts.create_reviewer("yingze", REVIEWER_PASSWORD, "140106", "迎泽区审核员")
    container.accounts.create_reviewer("ty-biz", REVIEWER_PASSWORD, "140100", "太原市业务管理员",
                                       role=Role.BUSINESS_ADMIN)
    status, body = api.call("GET", f"/units/{UNIT}/people", token=api.login("xiaodian", REVIEWER_PASSWORD))
    assert status == 200
    assert [(p["name"], p["unit_role_label"], p["mobile"], p["status"]) for p in body["items"]] == [
        (container.store.get_unit(UNIT).name, "单位管理员", "138****0001", "active"),
        ("王五", "经办人", "136****0003", "active")]
    assert body["items"][0]["last_signed_in_at"] and body["items"][1]["last_signed_in_at"] is None
    assert "email" not in body["items"][0]
    assert api.call("GET", f"/units/{UNIT}/people", token=api.login("yingze", REVIEWER_PASSWORD))[0] == 403
    assert api.call("GET", f"/units/{UNIT}/people", token=token)[0] == 403
    page = browser_of(client, "xiaodian", REVIEWER_PASSWORD).get(f"/units/{UNIT}").body.decode()
    assert 'id="unit-accounts-table"' in page and "136****0003" in page and "13600000003" not in page
    admin_page = browser_of(client, "ty-biz", REVIEWER_PASSWORD)
    found = admin_page.get(f"/admin/accounts?uscc={UNIT}").body.decode()
    assert 'id="unit-accounts"' in found and "王五" in found and "经办人" in found
    container.accounts.create_reviewer("dt-biz", REVIEWER_PASSWORD, "140200", "大同市业务管理员",
                                       role=Role.BUSINESS_ADMIN)
    far = browser_of(client, "dt-biz", REVIEWER_PASSWORD).get(f"/admin/accounts?uscc={UNIT}").body.decode()
    assert 'id="unit-message"' in far and "王五" not in far


def test_a_review_decision_reaches_every_active_person_of_the_unit(client, api, container):
    admin = container.accounts.authenticate(api.login(UNIT, "Passw0rd!26"))
    factories.add_clerk(container, admin, "王五", "13600000003", "w@example.com")
    gone = factories.add_clerk(container, admin, "赵六", "13600000004", "z@example.com")
    container.people.remove_clerk(admin, gone.username)
    token = api.login(UNIT, "Passw0rd!26")
    status, filing = api.call("POST", "/filings", {"year": 2025}, token)
    assert api.call("PUT", f"/filings/{filing['id']}/table1", factories.table1(0), token)[0] == 200  # 零申报
    assert api.call("POST", f"/filings/{filing['id']}/submit", {"declaration_accepted": True}, token)[0] == 200
    container.accounts.create_reviewer("xiaodian", REVIEWER_PASSWORD, "140105", "小店区审核员")
    reviewer = api.login("xiaodian", REVIEWER_PASSWORD)
    version = api.call("GET", f"/filings/{filing['id']}", token=reviewer)[1]["version"]
    status, body = api.call("POST", f"/filings/{filing['id']}/review",
                            {"decision": "reject", "reason": "表一填写有误", "version": version}, reviewer)
    assert status == 200, body
    told = sorted((m.channel, m.to) for m in container.store.list_messages(200) if m.subject == "劳动用工备案审核不通过")
    assert told == [("email", "filer1@example.com"), ("email", "w@example.com"),
                    ("sms", "13600000003"), ("sms", MOBILE)]
