"""A correction of an approved filing in a real browser (docs/rules.md §11): the filer opens it on a 375 px phone
from the approved filing, changes 表一 and submits; the reviewer's page shows what changed, field by field."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests import factories
from tests.e2e.test_browser_flow import page_problems, login, submit_filing

SERIAL = 504  # distinct from the other e2e and fuzz units on the same server


def approved_zero_report(live_server, unit: dict, year: int) -> str:
    """Through the API: a 零申报 (表一 only) submitted by the unit and approved by the 小店区 reviewer."""
    assert live_server.api("POST", "/employers/register", unit)[0] == 201
    filer = live_server.api("POST", "/auth/login", {"username": unit["uscc"], "password": unit["password"]})[1]["token"]
    status, filing = live_server.api("POST", "/filings", {"year": year}, filer)
    assert status == 201, filing
    assert live_server.api("PUT", f"/filings/{filing['id']}/table1", factories.table1(0), filer)[0] == 200
    status, submitted = live_server.api("POST", f"/filings/{filing['id']}/submit", {"declaration_accepted": True}, filer)
    assert status == 200, submitted
    reviewer = live_server.api("POST", "/auth/login", {"username": "demo-xiaodian",
                                                      "password": live_server.logins["demo-xiaodian"]})[1]["token"]
    status, body = live_server.api("POST", f"/filings/{filing['id']}/review",
                                   {"decision": "approve", "version": submitted["version"]}, reviewer)
    assert status == 200, body
    return filing["id"]


def test_the_filer_corrects_an_approved_filing_and_the_reviewer_sees_what_changed(live_server, new_context):
    year = dt.datetime.now(ZoneInfo("Asia/Shanghai")).year - 1
    unit = factories.registration(SERIAL, filer_email=f"e2e{SERIAL}@example.com")
    approved = approved_zero_report(live_server, unit, year)

    employer = new_context("phone").new_page()
    login(employer, unit["uscc"], unit["password"])
    employer.goto(f"/employer/filings/{approved}")
    employer.get_by_role("button", name="更正本备案").click()
    employer.wait_for_url(re.compile(r"/employer/filings/\w+$"))
    correction = employer.url.rsplit("/", 1)[1]
    assert correction != approved
    employer.get_by_role("link", name="修改表一").click()  # prefilled: 表一 is there already
    expect(employer.locator("#f-contact_phone")).to_have_value("0351-1234567")  # copied from the approved version
    employer.fill("#f-contact_phone", "0351-7654321")
    employer.get_by_role("button", name="保存表一").click()
    submit_filing(employer)
    expect(employer.locator("#status")).to_have_text("已提交待审核")
    assert page_problems(employer, "the submitted correction") is None

    reviewer = new_context().new_page()
    login(reviewer, "demo-xiaodian", live_server.logins["demo-xiaodian"])
    reviewer.goto(f"/review/filings/{correction}")
    changed = reviewer.locator("#changes-table1")
    expect(changed).to_contain_text("0351-1234567")
    expect(changed).to_contain_text("0351-7654321")
