"""The audit log on a 375 px phone, in a real browser: Chinese names and sentences, the filters, and the export
built in the background, then downloaded."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.test_accounts_flow import sign_in_as
from tests.e2e.test_browser_flow import page_problems


def test_the_audit_log_fits_a_phone_filters_and_exports(live_server, new_context, screenshots):
    page = sign_in_as(new_context, live_server, "demo-sheng-auditor", "phone")  # enrols its second factor first
    page.goto("/audit")
    expect(page.locator("h1")).to_contain_text("审计日志")
    expect(page.locator("#audit")).to_contain_text("登录")  # the auditor's own sign-in, by its Chinese name
    assert page_problems(page, "audit log") is None
    page.select_option("#f-action", "sign_in")
    page.locator("form.filters").get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"/audit\?.*action=sign_in"))
    expect(page.locator("#audit tbody tr").first).to_contain_text("demo-sheng-auditor")
    page.screenshot(path=screenshots / "audit-375.png", full_page=True)
    page.locator("#export").click()
    expect(page).to_have_url(re.compile(r"/exports/[0-9a-f]{32}$"))
    expect(page.locator("#export-file")).to_be_visible(timeout=30_000)
    with page.expect_download() as download:
        page.locator("#export-file").click()
    assert download.value.suggested_filename.startswith("审计日志-")
