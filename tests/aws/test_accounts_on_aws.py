"""Accounts on the AWS backend (DynamoDB in the emulator): the ops command's first administrator, an account
application from creation to the new reviewer's first sign-in, the sign-in wait and unlock, revocation."""
import pytest

from tests.web.test_accounts import PASSWORD, STAFF, apply, approve_all, execute, new_operator


@pytest.fixture
def aws_api(aws_app):
    api, c, _ = aws_app
    for username, (division, role) in STAFF.items():
        c.accounts.create_reviewer(username, PASSWORD, division, username, role=role)
    return api, c


def test_create_admin_prints_a_one_time_password_and_refuses_an_existing_name(aws_api, capsys):
    from argparse import Namespace

    from chalicelib.cli import create_admin
    api, c = aws_api
    args = Namespace(username="sx-root", division="140000", display_name="省系统管理员", role="system_admin")
    assert create_admin(c, args) == 0
    password = capsys.readouterr().out.split("：")[-1].strip()
    status, body = api.call("POST", "/auth/login", {"username": "sx-root", "password": password})
    assert status == 200 and body["role"] == "system_admin" and body["scope"] == "140000"
    assert api.call("GET", "/admin/accounts", token=body["token"])[0] == 403  # change the password first
    assert create_admin(c, args) == 1 and "已存在" in capsys.readouterr().err


def test_application_to_first_sign_in_on_aws(aws_api):
    api, c = aws_api
    status, created = apply(api, new_operator())
    assert status == 201 and created["number"] == "ZH-140100-2026-000001"
    status, listed = api.call("GET", "/admin/applications?status=pending_business", token=api.login("ty-biz", PASSWORD))
    assert [a["id"] for a in listed["items"]] == [created["id"]]
    initial = execute(api, approve_all(api, created))["initial_password"]
    token = api.login("xd-new", initial)
    status, body = api.call("POST", "/auth/password", {"old_password": initial, "new_password": "Better-Passw0rd"},
                            token)
    assert status == 200
    status, me = api.call("GET", "/me", token=body["token"])
    assert (me["username"], me["role"], me["scope"]) == ("xd-new", "operator", "140105")
    assert c.store.get_account("xd-new").id_number == new_operator()["person_id_number"]


def test_sign_in_wait_and_unlock_on_aws(aws_api):
    api, c = aws_api
    token = api.login("xd-op", PASSWORD)
    for _ in range(5):
        status, _ = api.call("POST", "/auth/login", {"username": "xd-op", "password": "wrong"})
    assert status == 401
    status, body = api.call("POST", "/auth/login", {"username": "xd-op", "password": PASSWORD})
    assert status == 429 and "30秒后再试" in body["error"]["message"]
    assert api.call("GET", "/me", token=token)[0] == 200  # an outsider's guesses end no session
    status, body = api.call("POST", "/admin/accounts/xd-op/unlock", token=api.login("ty-sec", PASSWORD))
    assert status == 200 and body["status"] == "active"
    api.login("xd-op", PASSWORD)
