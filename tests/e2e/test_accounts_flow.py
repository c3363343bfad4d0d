"""An account application (附件2) in a real browser against scripts/run-local.sh: the 小店区 reviewer applies on a
375 px phone for a new colleague's account; 太原市's business administrator and security officer give the two
opinions; its system administrator carries it out and is shown the one-time password; the new reviewer signs
in, must set a password, and lands on the review queue. Screenshots go to build/screenshots/."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_browser_flow import page_problems, login, logout

NEW_USER = "e2e-xd-reviewer"


SECRETS: dict[str, str] = {}  # the authenticator app of each account that enrolled (docs/rules.md §13)


def sign_in_as(new_context, live_server, username: str, kind: str = "desktop") -> Page:
    """Signs in; an account whose role signs in with TOTP enrols at its first sign-in, then types codes."""
    import pyotp
    page = new_context(kind).new_page()
    login(page, username, live_server.logins[username])
    if username in SECRETS:
        page.fill("#code", pyotp.TOTP(SECRETS[username]).now())
        page.locator("form.card").get_by_role("button", name="登录").click()
    elif page.url.endswith("/account/second-factor"):
        SECRETS[username] = page.locator("form.card code").inner_text().strip()
        page.fill("#code", pyotp.TOTP(SECRETS[username]).now())
        page.get_by_role("button", name="完成绑定").click()
        expect(page.locator("#recovery-codes li")).to_have_count(10)
        page.get_by_role("link", name="继续").click()
    return page


def give_opinion(page: Page, application_url: str, heading: str) -> None:
    page.goto(application_url)
    form = page.locator("form", has=page.get_by_role("heading", name=heading))
    expect(form).to_be_visible()
    form.get_by_role("button", name="同意", exact=True).click()
    page.wait_for_url(application_url)


def test_account_application_from_creation_to_the_new_reviewers_first_sign_in(live_server, new_context,
                                                                               screenshots):
    problems: list[str] = []

    # --- the 小店区 reviewer fills in the application on a phone ---
    applicant = sign_in_as(new_context, live_server, "demo-xiaodian", "phone")
    expect(applicant).to_have_url(re.compile(r"/review$"))
    applicant.locator("header").get_by_role("link", name="账号申请").click()
    applicant.get_by_role("link", name="填写申请单").click()
    applicant.select_option("#f-kind", value="create")
    for key, value in {"username": NEW_USER, "applying_unit": "太原市小店区人力资源和社会保障局",
                       "contact_name": "王五", "contact_phone": "0351-7654321", "reason": "劳动关系股新增审核员",
                       "person_name": "赵六", "person_unit": "小店区人社局劳动关系股", "person_position": "科员",
                       "person_id_number": "110105194912310021", "person_mobile": "13900000001"}.items():
        applicant.fill(f"#f-{key}", value)
    applicant.select_option("#f-role", value="operator")
    applicant.select_option("#f-division", value="140105")
    applicant.get_by_role("button", name="提交申请单").click()
    expect(applicant.locator("#e-person_id_number")).to_have_text("居民身份证号码校验位错误，请核对")
    expect(applicant.locator("#f-person_name")).to_have_value("赵六")  # what was typed is kept
    if problem := page_problems(applicant, "application form with an error"):
        problems.append(problem)
    applicant.screenshot(path=screenshots / "account-application-form-375.png", full_page=True)
    applicant.fill("#f-person_id_number", "11010519491231002X")
    applicant.get_by_role("button", name="提交申请单").click()
    expect(applicant.locator(".success")).to_contain_text("申请单已提交")
    number = applicant.locator("#number").inner_text()
    assert re.fullmatch(r"ZH-140100-\d{4}-\d{6}", number), number
    expect(applicant.locator("#status")).to_have_text("待业务部门业务处室审核")
    expect(applicant.get_by_text("110105********002X")).to_be_visible()  # masked even for the applicant
    if problem := page_problems(applicant, "application page"):
        problems.append(problem)
    applicant.screenshot(path=screenshots / "account-application-375.png", full_page=True)
    application_url = applicant.url.split("?")[0]
    logout(applicant)

    # --- 业务部门业务处室 (business admin), then 信息化综合管理机构业务科室 (security officer) ---
    business = sign_in_as(new_context, live_server, "demo-taiyuan-bizadmin")
    expect(business).to_have_url(re.compile(r"/admin/applications$"))
    expect(business.locator("#applications")).to_contain_text(number)
    give_opinion(business, application_url, "业务部门业务处室意见")
    expect(business.locator("#status")).to_have_text("待信息化综合管理机构业务科室审核")
    security = sign_in_as(new_context, live_server, "demo-taiyuan-security")
    give_opinion(security, application_url, "信息化综合管理机构业务科室意见")
    expect(security.locator("#status")).to_have_text("已同意，待系统管理员办理")

    # --- the system administrator carries it out and sees the initial password once ---
    admin = sign_in_as(new_context, live_server, "demo-taiyuan-sysadmin")
    admin.goto(application_url)
    admin.get_by_role("button", name="办理：新增账号").click()
    expect(admin.locator("#initial-password")).to_contain_text(f"账号 {NEW_USER} 已创建")
    initial = admin.locator("code.secret").inner_text().strip()
    expect(admin.locator("#status")).to_have_text("已办理")
    admin.screenshot(path=screenshots / "account-executed-desktop.png", full_page=True)
    admin.goto(application_url)  # the password was in that one response only
    expect(admin.locator("#initial-password")).to_have_count(0)

    # --- the new reviewer signs in, sets a password, lands on the review queue ---
    newcomer = new_context("phone").new_page()
    login(newcomer, NEW_USER, initial)
    expect(newcomer).to_have_url(re.compile(r"/account/password$"))
    expect(newcomer.locator(".notice")).to_contain_text("初始密码")
    newcomer.fill("#f-old_password", initial)
    newcomer.fill("#f-new_password", "Newcomer-Passw0rd")
    newcomer.get_by_role("button", name="保存新密码").click()
    expect(newcomer).to_have_url(re.compile(r"/review$"))
    expect(newcomer.locator("header")).to_contain_text("赵六")
    if problem := page_problems(newcomer, "review queue of the new reviewer"):
        problems.append(problem)
    newcomer.screenshot(path=screenshots / "new-reviewer-375.png", full_page=True)
    logout(newcomer)

    status, body = live_server.api("POST", "/auth/login", {"username": NEW_USER, "password": initial})
    assert status == 401  # the one-time password is gone
    assert not problems, "\n".join(problems)
