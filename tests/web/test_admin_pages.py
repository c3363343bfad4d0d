"""The admin pages: an application through its forms (CSRF), the initial password shown once, lockout on the
sign-in page, the security officer's unlock button, sign-out ending the session."""
import re

import pytest
from chalice.test import Client

from tests.web.test_accounts import ID_NUMBER, PASSWORD, STAFF
from tests.web.test_pages import Browser


@pytest.fixture
def client(container):
    from app import app
    for username, (division, role) in STAFF.items():
        container.accounts.create_reviewer(username, PASSWORD, division, username, role=role)
    with Client(app) as c:
        yield c


def browser(client, username=None, password=PASSWORD) -> Browser:
    b = Browser(client)
    b.get("/login")
    if username:
        response = b.post("/login", {"username": username, "password": password})
        assert response.status_code == 303, response.body
    return b


def text(response) -> str:
    return response.body.decode()


FORM = {"kind": "create", "username": "xd-new", "contact_name": "王五", "contact_phone": "0351-1234567",
        "applying_unit": "小店区人社局", "role": "operator", "division": "140105", "person_name": "赵六",
        "person_unit": "小店区人社局", "person_position": "科员", "person_id_number": ID_NUMBER,
        "person_mobile": "13900000001"}


def test_application_through_the_pages_and_the_password_shown_once(client, container):
    applicant = browser(client, "xd-op")
    response = applicant.post("/admin/applications/new", {**FORM, "person_id_number": "110105194912310021"})
    assert response.status_code == 422 and "居民身份证号码校验位错误" in text(response)
    assert 'value="赵六"' in text(response)  # what was typed is kept
    response = applicant.post("/admin/applications/new", FORM)
    assert response.status_code == 303
    detail = response.headers["Location"].split("?")[0]
    page = text(applicant.get(detail))
    assert "ZH-140100-2026-000001" in page and "110105********002X" in page and ID_NUMBER not in page
    assert "/business-review" not in page  # the applicant gets no approval form

    app_id = detail.rsplit("/", 1)[1]
    for username, step in (("ty-biz", "business-review"), ("ty-sec", "it-review")):
        b = browser(client, username)
        assert f"/{step}" in text(b.get(detail))
        assert b.post(f"{detail}/{step}", {"decision": "approve", "version": "1"}, csrf=False).status_code == 403
        version = container.store.get_application(app_id).version
        assert b.post(f"{detail}/{step}", {"decision": "approve", "version": str(version)}).status_code == 303

    admin = browser(client, "ty-sys")
    response = admin.post(f"{detail}/execute", {"version": "3"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = re.search(r'<code class="secret">([^<]+)</code>', text(response)).group(1)
    assert password not in text(admin.get(detail))  # shown once only

    newcomer = browser(client)
    response = newcomer.post("/login", {"username": "xd-new", "password": password})
    assert response.headers["Location"] == "/account/password"
    assert newcomer.get("/review").headers["Location"] == "/account/password"
    response = newcomer.post("/account/password", {"old_password": password, "new_password": "Better-Passw0rd"})
    assert response.status_code == 303 and response.headers["Location"] == "/review"
    assert newcomer.get("/review").status_code == 200


def test_the_wait_shown_on_the_sign_in_page_and_lifted_by_the_security_officer(client):
    b = browser(client)
    for _ in range(5):
        assert b.post("/login", {"username": "xd-op", "password": "wrong"}).status_code == 401
    response = b.post("/login", {"username": "xd-op", "password": PASSWORD})
    assert response.status_code == 429 and response.headers["Retry-After"] == "30"
    assert "登录失败次数过多，请30秒后再试" in text(response)

    officer = browser(client, "ty-sec")
    page = text(officer.get("/admin/accounts/xd-op"))
    assert "30秒后可再次登录" in page and "解除登录锁定" in page
    assert "解除登录锁定" not in text(browser(client, "ty-sys").get("/admin/accounts/xd-op"))
    response = officer.post("/admin/accounts/xd-op/unlock", {})
    assert response.status_code == 303
    assert b.post("/login", {"username": "xd-op", "password": PASSWORD}).status_code == 303


def test_sign_out_ends_this_session_and_a_password_change_ends_all(client):
    first, second, third = browser(client, "ty-sys"), browser(client, "ty-sys"), browser(client, "ty-sys")
    session = first.jar["session"]
    assert first.post("/logout", {}).headers["Location"] == "/login"
    first.jar["session"] = session  # a copied cookie is no use after sign-out
    assert first.get("/admin/accounts").headers["Location"].startswith("/login?next=")
    assert second.get("/admin/accounts").status_code == 200  # another device stays signed in
    third.post("/account/password", {"old_password": PASSWORD, "new_password": "Another-Passw0rd"})
    assert third.get("/admin/accounts").status_code == 200
    assert second.get("/admin/accounts").headers["Location"].startswith("/login?next=")


def test_each_role_lands_on_its_own_page(client):
    homes = {"xd-op": "/review", "ty-sys": "/admin/applications", "ty-biz": "/admin/applications",
             "ty-sec": "/admin/applications", "ty-aud": "/audit"}
    for username, home in homes.items():
        b = browser(client)
        assert b.post("/login", {"username": username, "password": PASSWORD}).headers["Location"] == home
        assert b.get(home).status_code == 200, username
    auditor = browser(client, "ty-aud")
    assert auditor.get("/admin/accounts").status_code == 403  # the auditor reads the audit log and nothing else
