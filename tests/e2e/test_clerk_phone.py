"""Issue 17's main flow on a 375 px phone, unaided: register (the authority confirmed before the account exists)
→ 表一 → 表二 upload (bytes sent, then the import polled) → 核对并提交 with the 承诺 → the confirmation with the
回执号 → the 回执 PDF; the help pages on the way. axe-core checks every page state (tests/e2e/axe.py), screenshots go
to build/screenshots/clerk-*.png, and the taps are counted (the report's tap count of the main flow)."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests import factories
from tests.e2e.test_browser_flow import XLSX, page_problems

SERIAL = 517  # distinct from the other e2e units and the fuzz tier's
AUTHORITY = "太原市小店区人力资源和社会保障局"


class Taps:
    """The user's actions, counted: a tap on a button or link, a field typed into, an option chosen, a box ticked."""

    def __init__(self, page: Page):
        self.page, self.count = page, 0

    def click(self, selector: str) -> None:
        self.count += 1
        self.page.locator(selector).click()

    def fill(self, selector: str, value: str) -> None:
        self.count += 1
        self.page.fill(selector, value)

    def choose(self, selector: str, value: str) -> None:
        self.count += 1
        self.page.select_option(selector, value=value)


class Phone:
    """A clerk's phone: its page, the taps counted, every page state checked (axe, the width) and the named ones
    screenshotted as build/screenshots/<prefix>-<shot>-375.png."""

    def __init__(self, new_context: Callable[..., Any], screenshots: Any, prefix: str, serial: int):
        self.unit = factories.registration(serial, filer_email=f"e2e{serial}@example.com")
        self.year = dt.datetime.now(ZoneInfo("Asia/Shanghai")).year - 1  # the year being filed
        self.page = new_context("phone").new_page()
        self.taps = Taps(self.page)
        self.problems: list[str] = []
        self._screenshots, self._prefix = screenshots, prefix

    def state(self, what: str, shot: str | None = None) -> None:
        if found := page_problems(self.page, what):
            self.problems.append(found)
        if shot:
            self.page.screenshot(path=self._screenshots / f"{self._prefix}-{shot}-375.png", full_page=True)

    def new_filing(self, live_server: Any) -> str:
        """Register the phone's unit, sign in and start the year's filing: the filing page's address."""
        register_and_sign_in(self.page, self.taps, self.state, self.unit, live_server)
        self.taps.click(f"button:has-text('开始{self.year}年度备案')")
        self.page.wait_for_url(re.compile(r"/employer/filings/\w+$"))
        self.state("new filing")
        return self.page.url


def register_and_sign_in(page: Page, taps: Taps, state: Callable[..., None], unit: dict, live_server: Any
                         ) -> None:
    """Register on the form (the authority and its phone confirmed before the account exists), sign in: the home."""
    page.goto("/register")
    state("register form", "register")
    for key in ("uscc", "name", "registered_address", "legal_representative", "founded_on", "filer_name",
                "filer_mobile", "filer_email"):
        taps.fill(f"#f-{key}", str(unit[key]))
    for key in ("unit_type", "economic_type", "industry", "affiliation", "registration_division"):
        taps.choose(f"#f-{key}", str(unit[key]))
    taps.click("#send-code")
    expect(page.locator("#code-sent")).to_be_visible()
    taps.fill("#f-verification_code", live_server.sms_code(str(unit["filer_mobile"])))
    taps.fill("#f-password", str(unit["password"]))
    taps.click("#register-next")
    expect(page.locator("#authority")).to_have_text(AUTHORITY)
    expect(page.locator("#authority-phone")).to_contain_text("12333")
    state("registration's confirm step", "register-confirm")
    taps.click("#confirm-register")
    expect(page.get_by_role("heading", name="注册成功")).to_be_visible()
    state("registered")

    # sign in: the home is a task list
    taps.click("a:has-text('去登录')")
    taps.fill("#username", unit["uscc"])
    taps.fill("#password", unit["password"])
    taps.click("form.card button[type=submit]")
    expect(page.locator("#tasks")).to_be_visible()
    state("employer home", "home")


def fill_table1_in_steps(page: Page, taps: Taps, values: dict) -> None:
    """Each step's fields (those not prefilled from the registration), then 下一步; the last step saves."""
    step = 1
    while page.locator(f"#step-{step}").count():
        for key, value in values.items():
            field = page.locator(f"#step-{step} #f-{key}")
            if not field.count() or field.input_value() == str(value):
                continue
            if field.evaluate("e => e.tagName") == "SELECT":
                taps.choose(f"#f-{key}", str(value))
            else:
                taps.fill(f"#f-{key}", str(value))
        following = page.locator(f"#step-{step} .step-nav button[data-go='{step + 1}']")
        if following.count() and following.is_visible():
            taps.click(f"#step-{step} .step-nav button[data-go='{step + 1}']")
        step += 1
    taps.click("button:has-text('保存表一')")


def check_and_submit(page: Page, taps: Taps, state: Callable[..., None], year: int, people: int
                     ) -> tuple[str, bytes]:
    """核对并提交 (the 承诺 the server requires; without it, the focus on the error summary), the confirmation with
    the 回执号 and the authority, the 回执 PDF downloaded: (回执号, the PDF)."""
    taps.click("#to-check")
    expect(page.locator("#check-table1")).to_contain_text(f"在册职工 {people} 人")
    expect(page.locator("#check-table2")).to_have_text(f"{people} 行")
    state("check answers", "check")
    page.locator("#submit").click()  # without the 承诺: the server says so, and the focus goes to the summary
    expect(page.locator("#e-declaration_accepted")).to_be_visible()
    expect(page.locator("#error-summary")).to_be_focused()
    state("check answers without the 承诺")
    taps.click("#f-declaration_accepted")
    taps.click("#submit")
    page.wait_for_url(re.compile(r"/submitted$"))
    receipt = page.locator("#receipt").inner_text().strip()
    assert re.fullmatch(rf"BA-140105-{year}-\d{{6}}", receipt), receipt
    expect(page.locator("#authority")).to_have_text(AUTHORITY)
    expect(page.locator("#review-days")).to_contain_text("工作日")
    state("submitted", "submitted")
    pdf = page.request.get(page.locator("#receipt-pdf").get_attribute("href"))
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"
    taps.count += 1  # the 回执 download
    return receipt, pdf.body()


def test_a_clerk_on_a_phone_registers_files_submits_and_gets_the_receipt(live_server, new_context, screenshots):
    phone = Phone(new_context, screenshots, "clerk", SERIAL)
    page, taps, state, year = phone.page, phone.taps, phone.state, phone.year
    filing_url = phone.new_filing(live_server)

    # --- 表一 ---
    taps.click("a:has-text('填写表一')")
    state("表一 form")
    fill_table1_in_steps(page, taps, factories.table1(3))
    page.wait_for_url(filing_url)
    state("filing with 表一")

    # --- 表二: the form after a redirect, the bytes sent, the import polled, 姓名 with any error ---
    taps.click("#table2 form[action$='/uploads'] button")
    page.wait_for_url(re.compile(r"/uploads/\w+/send$"))
    state("upload form", "upload")
    taps.count += 1  # choosing the file
    page.set_input_files("#file", files=[{"name": "名册.xlsx", "mimeType": XLSX,
                                          "buffer": factories.table2_workbook([factories.person(i) for i in range(3)])}])
    taps.click("#upload-button")
    page.wait_for_url(re.compile(r"/employer/filings/\w+/uploads/\w+$"))
    expect(page.locator("#upload-ok")).to_be_visible(timeout=30_000)  # the import polled, no page refresh
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    state("upload result", "upload-result")
    page.go_back()  # Back lands on the upload's GET page (which sends it on to the result), never on a POST
    expect(page.locator("#upload-ok")).to_be_visible()
    taps.click("a:has-text('返回备案继续')")
    page.wait_for_url(filing_url)

    # --- 核对并提交: the summary, the 承诺 the server requires ---
    receipt, _ = check_and_submit(page, taps, state, year, people=3)

    # --- help and 进度查询, from the footer ---
    for link, what in (("办事指南", "guide"), ("常见问题", "faq"), ("进度查询", "progress")):
        page.locator("#site-footer nav").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        state(what, what)
    expect(page.locator("#progress")).to_contain_text(receipt)

    print(f"\nmain flow (register → 表一 → 表二 → 核对并提交 → 回执): {taps.count} taps")
    assert not phone.problems, "\n".join(phone.problems)
