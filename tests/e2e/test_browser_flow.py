"""The whole filing flow in a real browser against scripts/run-local.sh:
register → log in → start the year's filing → 表一 (wrong, then right) → template download → 表二 upload with an
error, then fixed → submit → reviewer rejects → employer resubmits → reviewer approves → local mailbox.

The employer works on a 375 px phone; the reviewer on a desktop. Screenshots go to build/screenshots/.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests import factories
from tests.e2e.axe import axe_violations

SERIAL = 501  # distinct from the units the fuzz tier registers on the same server
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AUTHORITY = "太原市小店区人力资源和社会保障局"
REASON = "表二缺少部分人员，请补充后重新提交"


def page_problems(page: Page, what: str, width: int = 375) -> str | None:
    """None when the page fits the viewport's width and axe-core finds nothing on it (tests/e2e/axe.py), else what
    sticks out or what axe found. Every e2e test calls it at each page state it visits."""
    if found := axe_violations(page, what):
        return found
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width <= width:
        return None
    wide = page.evaluate(
        """w => [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > w + 0.5)
              .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                                    + (e.className ? '.' + String(e.className).replace(/ /g, '.') : '')
                                    + ' right=' + Math.round(e.getBoundingClientRect().right))""", width)
    return f"{what}: page is {scroll_width}px wide at a {width}px viewport; too wide: {wide}"


def header_row_of(workbook: bytes) -> int:
    from openpyxl import load_workbook

    from chalicelib.domain.tables import TABLE2
    sheet = load_workbook(io.BytesIO(workbook)).worksheets[0]
    return next(r for r in range(1, 10) if sheet.cell(r, 1).value == TABLE2[0].title)


def register(page: Page, data: dict, server) -> None:
    page.goto("/register")
    for key in ("uscc", "name", "registered_address", "legal_representative", "founded_on", "filer_name", "filer_mobile",
                "filer_email", "password"):
        page.fill(f"#f-{key}", str(data[key]))
    for key in ("unit_type", "economic_type", "industry", "affiliation", "registration_division"):
        page.select_option(f"#f-{key}", value=str(data[key]))
    page.select_option("#f-foreign_invested", value="是" if data["foreign_invested"] else "否")
    page.select_option("#f-labor_dispatch", value="是" if data["labor_dispatch"] else "否")
    page.get_by_role("button", name="获取验证码").click()  # the form comes back as typed, but the password
    expect(page.locator("#code-sent")).to_be_visible()
    page.fill("#f-password", str(data["password"]))
    page.fill("#f-verification_code", server.sms_code(str(data["filer_mobile"])))
    page.get_by_role("button", name="下一步：确认审核机关").click()
    expect(page.locator("#confirm-authority")).to_contain_text("您的备案审核机关将是")  # before the account exists
    page.get_by_role("button", name="确认，创建账号").click()


def submit_filing(page: Page) -> str:
    """From the filing page: 核对并提交, accept the 承诺, submit; the confirmation's 回执号, then back to the filing."""
    page.locator("#to-check").click()
    expect(page.locator("#declaration")).to_be_visible()
    page.check("#f-declaration_accepted")
    page.locator("#submit").click()
    page.wait_for_url(re.compile(r"/submitted$"))
    receipt = page.locator("#receipt").inner_text().strip()
    page.get_by_role("link", name="查看备案").click()
    return receipt


def login(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.locator("form.card").get_by_role("button", name="登录").click()


def logout(page: Page) -> None:
    page.locator("header").get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def fill_table1(page: Page, values: dict) -> None:
    for key, value in values.items():
        field = page.locator(f"#f-{key}")
        if not field.is_visible():  # 表一 shows one step at a time: open the field's step
            step = field.evaluate("e => e.closest('fieldset.step').dataset.step")
            page.locator(f"#step-list [data-go='{step}']").click()
        if field.evaluate("e => e.tagName") == "SELECT":  # coded 表一 fields (e.g. 所属行业大类) are dropdowns
            field.select_option(str(value))
        else:
            field.fill(str(value))
    page.get_by_role("button", name="保存表一").click()


def upload_table2(page: Page, content: bytes) -> None:
    """From the filing page or an upload result page: start an upload and post the workbook."""
    # the filing page's 表二 card, or the result page's 修改后重新上传
    page.locator("#table2 form[action$='/uploads'] button, main > form[action$='/uploads'] button").click()
    expect(page.locator("#upload-form")).to_be_visible()
    page.set_input_files("#file", files=[{"name": "名册.xlsx", "mimeType": XLSX, "buffer": content}])
    page.get_by_role("button", name="上传并检查").click()
    page.wait_for_url(re.compile(r"/employer/filings/\w+/uploads/\w+$"))
    expect(page.locator("#upload-ok, #upload-errors")).to_be_visible()


def test_register_file_reject_resubmit_approve_in_the_browser(live_server, new_context, screenshots):
    year = dt.datetime.now(ZoneInfo("Asia/Shanghai")).year - 1
    unit = factories.registration(SERIAL, filer_email=f"e2e{SERIAL}@example.com")
    uscc, password = unit["uscc"], unit["password"]

    problems: list[str] = []  # checks that do not stop the flow; reported together at the end

    def fits(page: Page, what: str) -> None:
        problem = page_problems(page, what)
        if problem:
            problems.append(problem)

    phone = new_context("phone")
    employer = phone.new_page()

    # --- register on a phone: the page names the routed authority ---
    employer.goto("/register")
    expect(employer.get_by_role("heading", name="用人单位注册")).to_be_visible()
    fits(employer, "register form")
    employer.screenshot(path=screenshots / "register-375.png", full_page=True)
    register(employer, unit, live_server)
    expect(employer.locator(".success")).to_contain_text(f"您的备案审核机关：{AUTHORITY}")
    expect(employer.locator("#authority")).to_have_text(AUTHORITY)

    employer.goto("/password-reset")  # 忘记密码, linked from the sign-in page
    fits(employer, "password reset")

    # --- log in; the dashboard offers last year's filing ---
    login(employer, uscc, password)
    expect(employer).to_have_url(re.compile(r"/employer$"))
    expect(employer.get_by_role("heading", name=unit["name"])).to_be_visible()
    start = employer.get_by_role("button", name=f"开始{year}年度备案")
    expect(start).to_be_visible()
    fits(employer, "employer dashboard")
    employer.screenshot(path=screenshots / "employer-dashboard-375.png", full_page=True)
    employer.locator("#unit-people").click()  # the unit's people and contacts (docs/rules.md §12)
    expect(employer.get_by_role("heading", name="添加经办人")).to_be_visible()
    fits(employer, "unit people")
    employer.goto("/employer")
    start.click()
    employer.wait_for_url(re.compile(r"/employer/filings/\w+$"))
    filing_url = employer.url
    filing_id = filing_url.rsplit("/", 1)[1]
    expect(employer.locator("#status")).to_have_text("草稿")
    fits(employer, "filing page (new draft)")

    # --- 表一: a wrong count shows the summary and the inline error; then the right figures ---
    employer.get_by_role("link", name="填写表一").click()
    expect(employer.locator("#f-contact_name")).to_have_value(unit["filer_name"])  # prefilled from registration
    fill_table1(employer, factories.table1(3, male=5))
    summary = employer.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("在册职工人数3 ≠ 其中男5 + 其中女1（合计6）")
    expect(summary.locator("a[href='#f-male']")).to_be_visible()
    expect(employer.locator("#e-male")).to_have_text("在册职工人数3 ≠ 其中男5 + 其中女1（合计6），请核对")
    expect(employer.locator("#f-male")).to_have_attribute("aria-invalid", "true")
    expect(employer.locator("#f-male")).to_have_value("5")  # what was typed is kept
    fits(employer, "表一 with errors")
    employer.screenshot(path=screenshots / "table1-errors-375.png", full_page=True)
    fill_table1(employer, factories.table1(3))
    employer.wait_for_url(filing_url)
    expect(employer.locator(".card").filter(has_text="用人单位劳动用工基本情况")).to_contain_text("在册职工 3 人")

    # --- the 表二 template link serves an .xlsx ---
    template_link = employer.get_by_role("link", name="下载表二模板")
    href = template_link.get_attribute("href")
    response = employer.request.get(href)
    assert response.status == 200, response.status
    assert response.headers["content-type"].startswith(XLSX)
    assert zipfile.is_zipfile(io.BytesIO(response.body()))
    with employer.expect_download() as download:
        template_link.click()
    assert download.value.suggested_filename.endswith(".xlsx")

    # --- 表二 with one deliberate error: the result names the row and the column ---
    people = [factories.person(i) for i in range(3)]
    wrong = {**people[2], "gender": "男" if people[2]["gender"] == "女" else "女"}
    bad_book = factories.table2_workbook([*people[:2], wrong])
    bad_row = header_row_of(bad_book) + 3
    upload_table2(employer, bad_book)
    errors = employer.locator("#upload-errors")
    expect(errors).to_be_visible()
    expect(errors.locator("thead")).to_contain_text("行号")
    cells = [[c.strip() for c in row.locator("td").all_inner_texts()] for row in errors.locator("tbody tr").all()]
    assert any(cells_[:3] == [str(bad_row), people[2]["name"], "性别"] for cells_ in cells), cells  # 行号, 姓名, 列名
    fits(employer, "upload result with errors")
    employer.screenshot(path=screenshots / "upload-errors-375.png", full_page=True)

    # --- the fixed workbook goes in ---
    upload_table2(employer, factories.table2_workbook(people))
    expect(employer.locator("#upload-ok")).to_be_visible()
    employer.get_by_role("link", name="返回备案继续").click()
    employer.wait_for_url(filing_url)
    expect(employer.locator("#rows tbody tr")).to_have_count(3)
    fits(employer, "filing page with 表二 rows")
    employer.screenshot(path=screenshots / "filing-draft-375.png", full_page=True)

    # --- submit: a receipt number ---
    submit_filing(employer)
    expect(employer.locator("#status")).to_have_text("已提交待审核")
    receipt = employer.locator("#receipt").inner_text().strip()
    assert re.fullmatch(rf"BA-140105-{year}-\d{{6}}", receipt), receipt
    fits(employer, "filing page (submitted)")
    logout(employer)

    # --- the 小店区 reviewer (desktop) finds it in the queue and rejects it with a reason ---
    desk = new_context("desktop")
    reviewer = desk.new_page()
    login(reviewer, "demo-xiaodian", live_server.logins["demo-xiaodian"])
    expect(reviewer).to_have_url(re.compile(r"/review$"))
    reviewer.goto("/review")
    row = reviewer.locator("#queue tbody tr").filter(has_text=uscc)
    expect(row).to_have_count(1)
    reviewer.screenshot(path=screenshots / "review-queue-desktop.png", full_page=True)
    row.get_by_role("link", name=unit["name"]).click()
    reviewer.wait_for_url(re.compile(rf"/review/filings/{filing_id}\?back="))  # the queue's filters travel along
    review_url = reviewer.url
    expect(reviewer.locator("#review-form")).to_be_visible()
    expect(reviewer.locator("#rows tbody tr")).to_have_count(3)
    assert "*" in reviewer.locator("#rows tbody tr").first.locator("td").nth(2).inner_text()  # ID masked
    reviewer.screenshot(path=screenshots / "review-filing-desktop.png", full_page=True)
    reviewer.fill("#reason", REASON)
    reviewer.get_by_role("button", name="审核不通过").click()
    reviewer.wait_for_url(re.compile(rf"/review/filings/{filing_id}\?decided=reject"))
    expect(reviewer.locator("#status")).to_have_text("审核不通过")
    expect(reviewer.locator("#decided")).to_contain_text("已退回")
    expect(reviewer.locator("#review-form")).to_have_count(0)

    # --- the employer sees the reason and resubmits ---
    login(employer, uscc, password)
    employer.goto(filing_url)
    expect(employer.locator("#status")).to_have_text("审核不通过")
    expect(employer.locator("#rejection")).to_contain_text(REASON)
    fits(employer, "filing page (rejected)")
    employer.screenshot(path=screenshots / "filing-rejected-375.png", full_page=True)
    submit_filing(employer)
    expect(employer.locator("#status")).to_have_text("已提交待审核")
    second_receipt = employer.locator("#receipt").inner_text().strip()
    assert re.fullmatch(rf"BA-140105-{year}-\d{{6}}", second_receipt), second_receipt

    # --- the reviewer approves ---
    reviewer.goto(review_url)
    expect(reviewer.locator("#review-form")).to_be_visible()
    expect(reviewer.locator("#changes")).to_contain_text("重新提交的变化")  # what changed since the rejection
    reviewer.get_by_role("button", name="审核通过").click()
    reviewer.wait_for_url(re.compile(rf"/review/filings/{filing_id}\?decided=approve"))
    expect(reviewer.locator("#status")).to_have_text("审核通过")
    pocket = new_context("phone").new_page()  # the reviewer's pages at 375 px: queue, filing, desk
    login(pocket, "demo-xiaodian", live_server.logins["demo-xiaodian"])
    for path, what in (("/review?status=", "review queue"), (f"/review/filings/{filing_id}", "review page")):
        pocket.goto(path)
        fits(pocket, f"{what} (phone)")

    # --- the employer sees 审核通过 (phone and desktop) ---
    employer.reload()
    expect(employer.locator("#status")).to_have_text("审核通过")
    expect(employer.get_by_role("status")).to_contain_text("审核通过，备案完成")
    fits(employer, "filing page (approved)")
    employer.screenshot(path=screenshots / "filing-approved-375.png", full_page=True)
    employer.goto("/employer")
    fits(employer, "employer dashboard (with a filing)")
    employer.screenshot(path=screenshots / "employer-dashboard-after-375.png", full_page=True)
    desktop_employer = new_context("desktop", storage_state=phone.storage_state()).new_page()
    desktop_employer.goto(filing_url)
    expect(desktop_employer.locator("#status")).to_have_text("审核通过")
    desktop_employer.screenshot(path=screenshots / "filing-desktop.png", full_page=True)

    # --- the local mailbox holds the notifications ---
    reviewer.goto("/dev/mailbox")
    subjects = [(m.locator("strong").first.inner_text().strip(), m.locator(".muted").first.inner_text())
                for m in reviewer.locator(".message").all()]

    def sent(subject: str, to: str) -> bool:
        return any(s == subject and to in meta for s, meta in subjects)

    assert sent("新的劳动用工备案待审核", "demo-xiaodian@demo.invalid"), subjects
    assert sent("劳动用工备案审核不通过", unit["filer_email"]), subjects
    assert sent("劳动用工备案审核通过", unit["filer_email"]), subjects
    assert not problems, "\n".join(problems)
