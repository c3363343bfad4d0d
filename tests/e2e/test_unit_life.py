"""A unit's closure in a real browser (docs/rules.md §11): the filer asks on a 375 px phone, a 小店区 reviewer
confirms it on the unit page (also on a phone), and the filer's home then says the unit is closed."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories
from tests.e2e.test_browser_flow import page_problems, login

SERIAL = 503  # distinct from the other e2e and fuzz units on the same server
CLOSED_ON = "2026-01-31"


def test_the_unit_asks_for_closure_and_its_authority_confirms_it_on_phones(live_server, new_context, screenshots):
    unit = factories.registration(SERIAL, filer_email=f"e2e{SERIAL}@example.com")
    status, body = live_server.api("POST", "/employers/register", unit)
    assert status == 201, body

    employer = new_context("phone").new_page()
    login(employer, unit["uscc"], unit["password"])
    expect(employer).to_have_url(re.compile(r"/employer$"))
    request = employer.locator("#closure-request")
    request.locator("#f-kind").select_option("deregistered")
    request.locator("#f-date").fill(CLOSED_ON)
    request.locator("#f-note").fill("晋市监注销〔2026〕8号")
    request.get_by_role("button", name="提交申请").click()
    expect(employer.locator("#closure-request-status")).to_contain_text("待审核机关确认")
    expect(employer.locator("#unit-status")).to_have_text("正常（已申请注销，待确认）")
    assert page_problems(employer, "employer home with a closure request") is None

    reviewer = new_context("phone").new_page()
    login(reviewer, "demo-xiaodian", live_server.logins["demo-xiaodian"])
    reviewer.goto("/review/closures")
    reviewer.get_by_role("link", name=unit["name"]).click()
    expect(reviewer).to_have_url(re.compile(rf"/units/{unit['uscc']}$"))
    form = reviewer.locator("#closure-form")
    expect(form.locator("#f-date")).to_have_value(CLOSED_ON)  # the unit's request fills the form in
    form.locator("#f-evidence").fill("小店市监注销〔2026〕8号")
    form.get_by_role("button", name="确认注销").click()
    expect(reviewer.locator("#unit-status")).to_contain_text(f"（{CLOSED_ON}）")
    expect(reviewer.locator("#closure")).to_contain_text("小店市监注销〔2026〕8号")
    assert page_problems(reviewer, "unit page after the closure") is None
    reviewer.screenshot(path=screenshots / "unit-closed-375.png", full_page=True)

    employer.reload()
    expect(employer.locator("#closed-notice")).to_contain_text(CLOSED_ON)
    expect(employer.locator("#closure-request")).to_have_count(0)  # nothing more to ask
