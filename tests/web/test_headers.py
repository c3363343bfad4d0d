"""What every answer tells the browser: a Content-Security-Policy that the pages satisfy (no inline script,
forms only to this site and, on an upload page, the storage), HSTS when served over https, a CSRF token that is
new after sign-in; and an audit log that never keeps a mistyped user name as typed."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from chalice.test import Client

from tests import factories
from tests.api_client import Api
from tests.web.test_pages import Browser

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture
def container(backend_container):
    return backend_container


@pytest.fixture
def client(container):
    from app import app
    with Client(app) as c:
        yield c


def test_no_template_needs_inline_script():
    for page in TEMPLATES.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), page.name
        assert not re.search(r"\son[a-z]+\s*=", text), page.name  # onclick=, onchange=, …
        assert "javascript:" not in text, page.name


def test_pages_carry_the_policy_and_the_script_is_served(client):
    page = client.http.get("/login", headers={"Accept": "text/html"})
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "form-action 'self'" in policy and "unsafe-inline" not in \
        policy.split("script-src")[1].split(";")[0]
    script = client.http.get("/assets/app.js")
    assert script.status_code == 200 and script.headers["Content-Type"].startswith("text/javascript")
    assert b"upload-form" in script.body
    assert client.http.get("/assets/secret.key").status_code == 404
    assert client.http.get("/assets/..%2Fbase.html").status_code == 404


def test_an_upload_page_may_post_to_the_storage_and_nowhere_else(client, container):
    api = Api(client)
    api.call("POST", "/employers/register", factories.registration(1))
    browser = Browser(client)
    browser.get("/login")
    browser.post("/login", {"username": factories.uscc(1), "password": "Passw0rd!26"})
    filing = browser.post("/employer/filings", {"year": "2025"}).headers["Location"]
    page = browser.get(browser.post(f"{filing}/uploads", {"table": "table2"}).headers["Location"])
    action = re.search(r'<form class="card" method="post" action="([^"]+)"', page.body.decode()).group(1)
    storage = "/".join(action.split("/")[:3])
    assert f"form-action 'self' {storage}" in page.headers["Content-Security-Policy"]


def test_hsts_only_over_https(client, container):
    answer = client.http.get("/login", headers={"Accept": "text/html"})
    if container.settings.base_url.startswith("https://"):
        assert answer.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "Strict-Transport-Security" in client.http.get("/api/v1/me").headers
    else:
        assert "Strict-Transport-Security" not in answer.headers


def test_the_csrf_token_is_new_after_sign_in(client):
    Api(client).call("POST", "/employers/register", factories.registration(1))
    browser = Browser(client)
    browser.get("/login")
    before = browser.jar["csrf"]
    signed_in = browser.post("/login", {"username": factories.uscc(1), "password": "Passw0rd!26"})
    assert signed_in.status_code == 303
    assert browser.jar["csrf"] != before and browser.get("/employer").status_code == 200
    assert browser.post("/employer/filings", {"year": "2025"}).status_code == 303  # forms carry the new token


def test_a_mistyped_user_name_is_not_kept_as_typed(client, container):
    Api(client).call("POST", "/auth/login", {"username": "Secret-Passw0rd!26", "password": "x"})
    event = container.store.list_audit(1)[0]
    assert event.action == "sign_in" and event.outcome == "denied"
    assert "Secret" not in event.actor + event.target and event.actor.startswith("未知账号#")
