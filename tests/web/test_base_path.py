"""Pages under a base path: on API Gateway's default endpoint every URL carries the stage (`/api/…`), behind a
custom domain it may carry a base path mapping or nothing. Links, forms, assets and redirects are built on the
request's own base path, so a filer can sign in and start a filing either way (tests/api_gateway.py)."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from tests import factories
from tests.api_client import Api
from tests.api_gateway import through_api_gateway

BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"


@pytest.fixture
def app(container):
    from app import app
    return app


class Visitor:
    """A browser going through API Gateway at `base`: keeps its cookies, sends the CSRF token with forms."""

    def __init__(self, app, base: str):
        self.app, self.base, self.jar = app, base, {}

    def _send(self, method: str, path: str, body: bytes | None = None, kind: str | None = None):
        headers = {"Accept": BROWSER, "Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())}
        if kind:
            headers["Content-Type"] = kind
        answer = through_api_gateway(self.app, method, path, headers, body, base_path=self.base)
        cookies = answer.headers.get("Set-Cookie", [])
        for cookie in [cookies] if isinstance(cookies, str) else cookies:
            name, value = cookie.split(";", 1)[0].split("=", 1)
            self.jar[name] = value
        return answer

    def get(self, path: str):
        return self._send("GET", path)

    def post(self, path: str, form: dict[str, str]):
        body = urlencode({**form, "csrf": self.jar.get("csrf", "")}).encode()
        return self._send("POST", path, body, "application/x-www-form-urlencoded")


def _own_links(page: bytes) -> list[str]:
    return re.findall(r'(?:href|action|src)="(/[^"]*)"', page.decode())


@pytest.mark.parametrize("base", ["/api", ""], ids=["execute-api stage", "custom domain"])
def test_a_filer_signs_in_and_starts_a_filing_under_the_base_path(app, base):
    Api(Client(app)).call("POST", "/employers/register", factories.registration(1))
    visitor = Visitor(app, base)
    asked = visitor.get("/employer")
    assert asked.status == 303 and asked.headers["Location"] == f"{base}/login?next=/employer"

    login = visitor.get("/login?next=/employer")
    links = _own_links(login.body)
    assert links and all(link.startswith(f"{base}/") for link in links), links  # incl. the script and stylesheet
    signed_in = visitor.post("/login?next=/employer", {"username": factories.uscc(1), "password": "Passw0rd!26"})
    assert signed_in.status == 303 and signed_in.headers["Location"] == f"{base}/employer"

    home = visitor.get("/employer")
    assert home.status == 200 and all(link.startswith(f"{base}/") for link in _own_links(home.body))
    started = visitor.post("/employer/filings", {"year": "2025"})
    assert started.status == 303 and started.headers["Location"].startswith(f"{base}/employer/filings/")


def test_no_template_links_to_a_root_path_without_the_base_path():
    from pathlib import Path
    templates = Path(__file__).resolve().parents[2] / "templates"
    bare = [f"{t.name}: {m}" for t in templates.glob("*.html")
            for m in re.findall(r'(?:href|action|src)="/[^"]*"', t.read_text(encoding="utf-8"))]
    assert bare == []  # write {{ base }}/… (web/page.py Page.base)
