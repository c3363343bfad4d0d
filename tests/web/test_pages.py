"""The server-rendered pages: forms, CSRF, sessions, error summaries, role checks."""
import re
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from tests import factories


class Browser:
    """Keeps cookies between requests, like a browser."""

    def __init__(self, client):
        self.http = client.http
        self.jar: dict[str, str] = {}

    def _remember(self, response):
        raw = next((v for k, v in response.headers.items() if k.lower() == "set-cookie"), None)
        for cookie in ([raw] if isinstance(raw, str) else raw or []):
            for part in re.split(r",(?=\s*\w+=)", cookie):
                name, _, rest = part.strip().partition("=")
                value = rest.split(";")[0]
                if "Max-Age=0" in part:
                    self.jar.pop(name, None)
                else:
                    self.jar[name] = value
        return response

    def _headers(self, extra=None):
        cookie = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        return {**({"Cookie": cookie} if cookie else {}), "Accept": "text/html", **(extra or {})}

    def get(self, path):
        return self._remember(self.http.get(path, headers=self._headers()))

    def post(self, path, form: dict, csrf=True):
        if path == "/register" and "verification_code" not in form:  # 获取验证码 first, then read the SMS
            self.post("/register/code", form, csrf)
            form = {**form, "verification_code": factories.sms_code(form.get("filer_mobile", "")) or ""}
        if path == "/register":  # 确认，创建账号 on the confirm step, unless the test stops before it
            form = {"confirmed": "1", **form}
        if csrf:
            form = {"csrf": self.jar.get("csrf", ""), **form}
        return self._remember(self.http.post(path, headers=self._headers(
            {"Content-Type": "application/x-www-form-urlencoded"}), body=urlencode(form).encode()))


@pytest.fixture
def browser(container):
    from app import app
    with Client(app) as client:
        b = Browser(client)
        b.get("/login")  # receive the CSRF cookie
        yield b


def location(response) -> str:
    return next(v for k, v in response.headers.items() if k.lower() == "location")


def text(response) -> str:
    return response.body.decode() if isinstance(response.body, bytes) else response.body


def register_form(**over):
    data = factories.registration(**over)
    data["foreign_invested"] = "否"
    data["labor_dispatch"] = "否"
    return data


def test_register_shows_the_routed_authority(browser):
    page = browser.post("/register", register_form())
    assert page.status_code == 200
    assert "您的备案审核机关：<strong id=\"authority\">太原市小店区人力资源和社会保障局</strong>" in text(page)


def test_register_errors_are_summarised_and_inline(browser):
    page = browser.post("/register", register_form(uscc="91140105MA0000001X", filer_mobile="123"))
    body = text(page)
    assert page.status_code == 422
    assert 'id="error-summary"' in body and 'id="e-uscc"' in body and 'id="e-filer_mobile"' in body
    assert "请填写11位手机号码" in body


def test_post_without_csrf_is_refused(browser):
    page = browser.post("/register", register_form(), csrf=False)
    assert page.status_code == 403 and "CSRF" in text(page)


def test_login_redirects_by_role_and_logout_ends_the_session(browser, container):
    browser.post("/register", register_form())
    response = browser.post("/login", {"username": factories.uscc(1), "password": "Passw0rd!26"})
    assert response.status_code == 303 and location(response) == "/employer"
    home = browser.get("/employer")
    assert "太原市小店区人力资源和社会保障局" in text(home) and "开始2025年度备案" in text(home)
    assert browser.get("/review").status_code == 403  # a filer is not a reviewer
    browser.post("/logout", {})
    assert browser.get("/employer").status_code == 303


def test_wrong_password_says_so(browser):
    page = browser.post("/login", {"username": "nobody", "password": "bad"})
    assert page.status_code == 401 and "账号或密码错误" in text(page)


@pytest.mark.parametrize("target", ["//evil.example", "/%5Cevil.example", "https://evil.example", "/%09/evil"])
def test_open_redirect_after_login_is_ignored(browser, target):
    browser.post("/register", register_form())
    response = browser.post(f"/login?next={target}", {"username": factories.uscc(1), "password": "Passw0rd!26"})
    assert location(response) == "/employer"


def test_employer_pages_escape_user_input(browser):
    browser.post("/register", register_form(name="<script>alert(1)</script>公司"))
    browser.post("/login", {"username": factories.uscc(1), "password": "Passw0rd!26"})
    body = text(browser.get("/employer"))
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_table1_form_shows_errors_next_to_fields(browser):
    browser.post("/register", register_form())
    browser.post("/login", {"username": factories.uscc(1), "password": "Passw0rd!26"})
    created = browser.post("/employer/filings", {"year": "2025", "kind": "annual"})
    filing_path = location(created)
    page = browser.post(f"{filing_path}/table1", {k: str(v) for k, v in factories.table1(3, male=9).items()})
    assert page.status_code == 422
    assert 'id="e-male"' in text(page) and "在册职工人数" in text(page) and "≠ 其中男" in text(page)
    ok = browser.post(f"{filing_path}/table1", {k: str(v) for k, v in factories.table1(3).items()})
    assert ok.status_code == 303
    assert "签订率 100.0%" in text(browser.get(filing_path))


def test_local_mailbox_only_on_the_demo_run(container):
    from app import app
    from chalicelib import bootstrap
    with Client(app) as client:
        assert client.http.get("/dev/mailbox", headers={"Accept": "text/html"}).status_code == 404
        bootstrap.override(container._replace(settings=container.settings._replace(dev_mailbox=True)))
        assert client.http.get("/dev/mailbox", headers={"Accept": "text/html"}).status_code == 200
