"""Action links in a real browser: the employer submits; the reviewer opens the local mailbox, follows the
signed link from the notification, signs in, confirms and rejects with a reason; the employer sees the reason,
resubmits; the reviewer follows the new link and approves. A used link is refused."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories
from tests.e2e.test_browser_flow import fill_table1, login, logout, register, submit_filing

SERIAL = 502


def mailbox_link(page, subject: str, to: str, about: str) -> str:
    """The link in the newest message with that subject, sent to `to`, mentioning `about`."""
    page.goto("/dev/mailbox")
    message = page.locator(".message").filter(has_text=subject).filter(has_text=to).filter(has_text=about).first
    return message.locator("a[href*='/act/']").first.get_attribute("href")


def test_reviewer_acts_from_the_notification_link(live_server, new_context):
    unit = factories.registration(SERIAL, filer_email=f"e2e{SERIAL}@example.com")
    reviewer_mail = "demo-xiaodian@demo.invalid"
    employer = new_context("phone").new_page()
    register(employer, unit, live_server)
    login(employer, unit["uscc"], unit["password"])
    employer.get_by_role("button", name=re.compile(r"开始\d{4}年度备案")).click()
    employer.wait_for_url(re.compile(r"/employer/filings/\w+$"))
    filing_url = employer.url
    employer.get_by_role("link", name="填写表一").click()
    fill_table1(employer, factories.table1(1))
    employer.wait_for_url(filing_url)
    employer.locator("#table2 form[action$='/uploads'] button").click()
    employer.set_input_files("#file", files=[{
        "name": "名册.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": factories.table2_workbook([factories.person(0)])}])
    employer.get_by_role("button", name="上传并检查").click()
    expect(employer.locator("#upload-ok")).to_be_visible()
    employer.goto(filing_url)
    submit_filing(employer)
    expect(employer.locator("#status")).to_have_text("已提交待审核")

    # --- the reviewer follows the link from the mailbox; sign-in first, then the confirmation page ---
    desk = new_context("desktop").new_page()
    link = mailbox_link(desk, "新的劳动用工备案待审核", reviewer_mail, unit["name"])
    desk.goto(link)
    expect(desk).to_have_url(re.compile(r"/login\?next=/act/"))
    desk.fill("#username", "demo-xiaodian")
    desk.fill("#password", live_server.logins["demo-xiaodian"])
    desk.locator("form.card").get_by_role("button", name="登录").click()
    expect(desk.locator("#review-form")).to_be_visible()
    expect(desk.locator("#status")).to_have_text("已提交待审核")  # opening the link changed nothing
    desk.select_option("#reason-template", label="表二缺少部分职工信息")
    desk.get_by_role("button", name="审核不通过").click()
    expect(desk.locator("#status")).to_have_text("审核不通过")
    desk.goto(link)
    expect(desk.locator("#link-refused")).to_contain_text("已使用")

    # --- the employer sees the reason and resubmits ---
    employer.reload()
    expect(employer.locator("#rejection")).to_contain_text("表二缺少部分职工信息")
    submit_filing(employer)
    expect(employer.locator("#status")).to_have_text("已提交待审核")

    # --- a fresh link for the resubmission; the reviewer (still signed in) approves ---
    second = mailbox_link(desk, "新的劳动用工备案待审核", reviewer_mail, unit["name"])
    assert second != link
    desk.goto(second)
    expect(desk.locator("#previous-rejection")).to_contain_text("表二缺少部分职工信息")
    desk.get_by_role("button", name="审核通过").click()
    expect(desk.locator("#status")).to_have_text("审核通过")
    logout(desk)
    employer.reload()
    expect(employer.locator("#status")).to_have_text("审核通过")
