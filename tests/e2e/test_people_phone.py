"""A unit's people on a 375 px phone, in a real browser (docs/rules.md §12): the 单位管理员 adds a 经办人 with the
code the 经办人 reads out, then hands the 单位管理员 role over to that 经办人."""
from __future__ import annotations

from playwright.sync_api import expect

from tests import factories
from tests.e2e.test_browser_flow import page_problems, login

SERIAL = 505  # distinct from the other e2e and fuzz units on the same server
CLERK_MOBILE = "13605050505"


def test_the_admin_adds_a_clerk_and_hands_the_role_over_on_a_phone(live_server, new_context, screenshots):
    unit = factories.registration(SERIAL, filer_email=f"e2e{SERIAL}@example.com")
    assert live_server.api("POST", "/employers/register/code", {"mobile": unit["filer_mobile"]})[0] == 202
    status, body = live_server.api("POST", "/employers/register", {
        **unit, "verification_code": live_server.sms_code(unit["filer_mobile"])})
    assert status == 201, body
    page = new_context("phone").new_page()
    login(page, unit["uscc"], unit["password"])
    page.goto("/employer/people")
    page.fill("#f-name", "王五")
    page.fill("#f-mobile", CLERK_MOBILE)
    page.locator("#send-clerk-code").click()  # the form comes back as typed
    expect(page.locator("#code-sent")).to_be_visible()
    expect(page.locator("#f-name")).to_have_value("王五")
    page.fill("#f-verification_code", live_server.sms_code(CLERK_MOBILE, "添加经办人"))
    page.fill("#f-email", "wang@example.com")
    page.fill("#f-password", "Clerk-Passw0rd-1")
    page.locator("#add-clerk").get_by_role("button", name="添加").click()
    expect(page.locator("#done")).to_contain_text("经办人账号已添加")
    expect(page.locator("#people")).to_contain_text("王五")
    assert page_problems(page, "people page with a 经办人") is None
    page.screenshot(path=screenshots / "unit-people-375.png", full_page=True)

    page.select_option("#f-person", f"{unit['uscc']}-2")
    page.fill("#f-current_password", unit["password"])
    page.get_by_role("button", name="确认移交").click()
    expect(page.locator("#done")).to_contain_text("单位管理员已移交")
    expect(page.locator("#add-clerk")).to_have_count(0)
    assert page_problems(page, "people page after the hand-over") is None
