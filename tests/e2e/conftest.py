"""E2E tier: a real server (scripts/run-local.sh) driven by Debian's Chromium through Playwright."""
from __future__ import annotations

import pytest

from tests.live_server import BUILD, live_server  # noqa: F401  (session fixture shared with tests/fuzz)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = BUILD / "screenshots"
PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def browser():
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium; scripts/test.sh does it)", pytrace=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def new_context(browser, live_server):  # noqa: F811
    """Opens browser contexts (phone or desktop) against the live server; closes them afterwards."""
    contexts = []

    def make(kind: str = "desktop", **kw):
        options = {**(PHONE if kind == "phone" else DESKTOP), "base_url": live_server.base_url,
                   "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
                   "bypass_csp": True,  # axe-core is injected as a script (tests/e2e/axe.py); the app's own CSP
                   **kw}              # is checked in tests/web/test_headers.py
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
