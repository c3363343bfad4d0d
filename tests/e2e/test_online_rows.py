"""Online rows on a 375 px phone, in a real browser: a clerk adds one 表二 person with a mistake, is shown every
problem at once with the focus on the summary, fixes it, then corrects the name from the list (ID numbers masked
there, whole in the edit form); and 表一's steps with live totals. Screenshots go to build/screenshots/."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from chalicelib.domain.identifiers import mask_id
from tests import factories
from tests.e2e.test_browser_flow import page_problems, login

SERIAL = 611  # distinct from the other e2e and fuzz units on the same server


def test_a_clerk_adds_and_fixes_a_row_online_on_a_phone(live_server, new_context, screenshots):
    year = dt.datetime.now(ZoneInfo("Asia/Shanghai")).year - 1
    unit = factories.registration(SERIAL, filer_email=f"e2e{SERIAL}@example.com")
    status, body = live_server.api("POST", "/employers/register", unit)
    assert status == 201, body
    page = new_context("phone").new_page()
    login(page, unit["uscc"], unit["password"])
    page.get_by_role("button", name=f"开始{year}年度备案").click()
    page.wait_for_url(re.compile(r"/employer/filings/\w+$"))

    # 表一, step by step: the totals follow the typing
    page.get_by_role("link", name="填写表一").click()
    expect(page.locator("#step-1")).to_be_visible()
    expect(page.locator("#step-2")).to_be_hidden()
    page.locator("#step-1").get_by_role("button", name="下一步").click()
    page.fill("#f-employees", "40")
    page.fill("#f-male", "20")
    page.fill("#f-female", "19")
    expect(page.locator("#totals-people")).to_contain_text("在册40 ≠ 男 + 女 = 39")
    assert page_problems(page, "表一 step 2") is None
    page.screenshot(path=screenshots / "table1-step2-375.png", full_page=True)
    page.go_back()  # unsaved: back to the filing page

    person = factories.person(0, name="王小丫")
    page.get_by_role("link", name="在线逐行填写").first.click()
    page.get_by_role("link", name="添加一行").click()
    expect(page.locator("h1")).to_have_text("添加表二人员")
    for key, value in person.items():
        if key == "seq":
            continue
        field = page.locator(f"#f-{key}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(str(value if key != "id_number" else value[:-1] + ("0" if value[-1] != "0" else "1")))
    page.fill("#f-hire_date", "去年")
    page.get_by_role("button", name="保存").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("【证件号码】")
    expect(summary).to_contain_text("【入职日期】")
    expect(page.locator("#f-hire_date")).to_have_attribute("aria-invalid", "true")
    assert page_problems(page, "row form with errors") is None
    page.screenshot(path=screenshots / "row-errors-375.png", full_page=True)

    page.fill("#f-id_number", person["id_number"])
    page.fill("#f-hire_date", "20200301")  # typed without dashes on a numeric keyboard
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#saved")).to_contain_text("已添加")
    row = page.locator("#rows li").first
    expect(row).to_contain_text(mask_id(person["id_number"]))
    expect(row).not_to_contain_text(person["id_number"])
    assert page_problems(page, "rows list") is None
    page.screenshot(path=screenshots / "rows-375.png", full_page=True)

    row.get_by_role("link", name="修改王小丫").click()
    expect(page.locator("#f-id_number")).to_have_value(person["id_number"])  # whole, in the unit's own form
    page.fill("#f-name", "王晓雅")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#saved")).to_contain_text("已保存修改")
    expect(page.locator("#rows li").first).to_contain_text("王晓雅")
    expect(page.locator("#row-count")).to_have_text("1")
