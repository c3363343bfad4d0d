"""The staff second factor (docs/rules.md §13): enrolment by QR code at first sign-in, the code as the sign-in's
second step (each code once), recovery codes, and the reset through a 附件2 application."""
import re

import pyotp
import pytest
from chalice.test import Client

from tests.api_client import Api
from tests.web.test_accounts import PASSWORD, STAFF, apply, execute
from tests.web.test_pages import Browser


@pytest.fixture
def api(container, second_factor_on):
    from app import app
    for username, (division, role) in STAFF.items():
        container.accounts.create_reviewer(username, PASSWORD, division, username, role=role)
    with Client(app) as client:
        yield Api(client)


def enrol(api, username, clock) -> tuple[str, list[str]]:
    status, body = api.call("POST", "/auth/login", {"username": username, "password": PASSWORD})
    assert status == 200 and body["second_factor_enrolment_required"] is True
    token = body["token"]
    status, refused = api.call("GET", "/admin/accounts", token=token)
    assert status == 403 and refused["error"]["code"] == "second_factor_enrolment_required"
    _, started = api.call("GET", "/auth/second-factor/enrolment", token=token)
    secret = pyotp.parse_uri(started["otpauth_uri"]).secret
    status, body = api.call("POST", "/auth/second-factor/enrolment",
                            {"enrolment": started["enrolment"], "code": "000000"}, token=token)
    assert status == 422 and "动态码不正确" in body["error"]["message"]
    status, body = api.call("POST", "/auth/second-factor/enrolment",
                            {"enrolment": started["enrolment"], "code": pyotp.TOTP(secret).at(clock.now())},
                            token=token)
    assert status == 200 and len(body["recovery_codes"]) == 10
    status, after = api.call("GET", "/admin/accounts", token=token)  # now as the role allows (an auditor: 403)
    assert status == 200 or after["error"]["code"] == "forbidden"
    clock.advance(seconds=30)
    return secret, body["recovery_codes"]


def sign_in(api, username, code) -> tuple[int, dict]:
    status, body = api.call("POST", "/auth/login", {"username": username, "password": PASSWORD})
    assert status == 401 and body["error"]["code"] == "second_factor_required" and "token" not in body
    return api.call("POST", "/auth/second-factor", {"challenge": body["challenge"], "code": code})


def test_a_security_officer_enrols_at_first_sign_in_then_signs_in_with_a_code(api, container, clock):
    secret, recovery = enrol(api, "ty-sec", clock)
    assert container.store.get_account("ty-sec").recovery_codes[0] not in recovery  # kept hashed
    code = pyotp.TOTP(secret).at(clock.now())
    status, body = sign_in(api, "ty-sec", code)
    assert status == 200 and body["token"]
    status, body = sign_in(api, "ty-sec", code)  # the same code again
    assert status == 401 and "已用过" in body["error"]["message"]
    status, body = sign_in(api, "ty-sec", recovery[0])
    assert status == 200
    assert sign_in(api, "ty-sec", recovery[0])[0] == 401  # each recovery code once
    assert api.login("xd-op", PASSWORD)  # 业务操作员: configurable, off by default


def test_wrong_codes_count_like_wrong_passwords(api, clock):
    enrol(api, "ty-aud", clock)
    answers = [sign_in(api, "ty-aud", "123456")[0] for _ in range(3)]  # each: the password, then a code
    status, body = api.call("POST", "/auth/login", {"username": "ty-aud", "password": PASSWORD})
    assert answers == [401, 401, 429] and status == 429 and "后再试" in body["error"]["message"]


def test_the_second_factor_is_reset_through_an_application(api, clock, monkeypatch):
    # 太原市 handles its reviewers' applications; here its 业务操作员 must use the second factor too (configurable)
    monkeypatch.setattr("chalicelib.services.second_factor.required",
                        lambda account: account.role.value in ("operator", "security"))
    enrol(api, "xd-op", clock)
    secret, _ = enrol(api, "ty-sec", clock)
    _, created = apply(api, {"kind": "reset_second_factor", "username": "xd-op", "contact_name": "王五",
                             "contact_phone": "0351-1234567", "applying_unit": "小店区人社局"}, as_="ty-biz")
    assert created["kind"] == "reset_second_factor"
    status, body = api.call("POST", f"/admin/applications/{created['id']}/business-review",
                            {"decision": "approve", "version": created["version"]}, api.login("ty-biz2", PASSWORD))
    assert status == 200, body
    _, officer = sign_in(api, "ty-sec", pyotp.TOTP(secret).at(clock.now()))
    status, body = api.call("POST", f"/admin/applications/{created['id']}/it-review",
                            {"decision": "approve", "comment": "手机丢失", "version": body["version"]},
                            officer["token"])
    assert status == 200 and body["status"] == "approved", body
    execute(api, body)
    status, body = api.call("POST", "/auth/login", {"username": "xd-op", "password": PASSWORD})
    assert status == 200 and body["second_factor_enrolment_required"] is True  # enrols again, new phone


def test_enrolment_page_shows_a_qr_code_and_recovery_codes(container, second_factor_on, clock):
    from app import app
    container.accounts.create_reviewer("ty-sec", PASSWORD, "140100", "安全员", role="security")
    with Client(app) as client:
        b = Browser(client)
        b.get("/login")
        response = b.post("/login", {"username": "ty-sec", "password": PASSWORD})
        assert response.headers["Location"] == "/account/second-factor"
        page = b.get("/account/second-factor").body.decode()
        assert "<svg" in page and "绑定身份验证器" in page
        secret = re.search(r"<code[^>]*>([A-Z2-7]+)</code>", page).group(1)
        response = b.post("/account/second-factor", {"enrolment": re.search(
            r'name="enrolment" value="([^"]+)"', page).group(1), "code": pyotp.TOTP(secret).at(clock.now())})
        assert response.status_code == 200 and "只显示这一次" in response.body.decode()
        clock.advance(seconds=30)
        b.post("/logout", {})
        b.get("/login")
        page = b.post("/login", {"username": "ty-sec", "password": PASSWORD}).body.decode()
        assert "输入动态码" in page
        response = b.post("/login/code", {"challenge": re.search(r'name="challenge" value="([^"]+)"', page).group(1),
                                          "code": pyotp.TOTP(secret).at(clock.now()), "next": ""})
        assert response.status_code == 303 and response.headers["Location"] == "/admin/applications"


def test_an_employer_account_does_not_enrol(api):
    from tests import factories
    api.call("POST", "/employers/register", factories.registration())
    token = api.login(factories.uscc(1), "Passw0rd!26")
    status, body = api.call("GET", "/auth/second-factor/enrolment", token=token)
    assert status == 403  # the access rules; the service refuses too (用人单位账号不使用动态口令)
