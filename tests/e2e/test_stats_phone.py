"""The statistics dashboard on a 375 px phone, in a real browser: the charts (inline SVG, no script) and their
tables fit the screen; the export is built in the background and its page, whose script follows the job and reloads it when the file is
ready (no meta refresh), then offers the download."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.test_browser_flow import page_problems, login


def test_the_dashboard_fits_a_phone_and_exports(live_server, new_context, screenshots):
    page = new_context("phone").new_page()
    login(page, "demo-xiaodian", live_server.logins["demo-xiaodian"])
    page.locator("header").get_by_role("link", name="统计").click()
    expect(page).to_have_url(re.compile(r"/stats$"))
    expect(page.locator("h1")).to_contain_text("年度劳动用工备案统计")
    expect(page.locator("#chart-filing svg")).to_be_visible()
    expect(page.locator("#filing-table")).to_contain_text("小店区")
    assert page.locator("#chart-filing svg").bounding_box()["width"] <= 375
    assert page_problems(page, "statistics dashboard") is None
    page.screenshot(path=screenshots / "stats-375.png", full_page=True)
    page.locator("#export").click()
    expect(page).to_have_url(re.compile(r"/exports/[0-9a-f]{32}$"))
    expect(page.locator("#export-file")).to_be_visible(timeout=30_000)  # the page's script reloads it once built
    assert page_problems(page, "export page") is None
    page.screenshot(path=screenshots / "export-375.png", full_page=True)
    with page.expect_download() as download:
        page.locator("#export-file").click()
    assert download.value.suggested_filename.endswith("备案数据导出.xlsx")
