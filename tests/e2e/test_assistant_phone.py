"""The 填报助手 in Chromium at 375 px (docs/rules.md §19): a clerk registers a unit by chat (typing answers and
tapping quick replies; the script sends them by fetch, no reload), signs in from the bubble's link, comes back to
the assistant, fills 表一 for two people and adds both to 表二 by chat, submits with the 承诺, and downloads the 回执
from the filing page the last bubble links to. The same page works without JS
(tests/web/test_assistant.py). Taps are counted; screenshots go to build/screenshots/."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests import factories
from tests.e2e.test_browser_flow import page_problems

SERIAL = 711  # distinct from the other e2e units and the fuzz tier's (701, 702) on the shared server
PASSWORD = "Passw0rd!26"


class Chat:
    def __init__(self, page: Page):
        self.page, self.taps = page, 0

    def said(self) -> str:
        return self.page.locator("#chat li.bot").last.inner_text()

    def answer(self, text: str) -> None:
        before = self.page.locator("#chat li").count()
        quick = self.page.locator(".quick button", has_text=text)
        if quick.count() and quick.first.inner_text() == text:
            quick.first.click()  # a quick reply: one tap
        else:
            self.page.fill("#text", text)
            self.page.locator(".composer button").click()
        self.taps += 1
        expect(self.page.locator("#chat li")).not_to_have_count(before)  # redrawn without a reload
        assert self.page.locator("#chat li").count() > before


def test_register_and_fill_table1_through_the_assistant_at_375px(live_server, new_context, screenshots):
    unit = factories.registration(SERIAL)
    page = new_context("phone").new_page()
    page.goto("/assistant")
    assert page_problems(page, "assistant") is None
    chat = Chat(page)
    page.evaluate("window.__sameDocument = true")  # gone if a step reloaded the page
    for text in ("注册新单位", unit["uscc"], unit["name"], "2015年6月1日", "企业", "私营", "软件", "其他", "否", "否"):
        chat.answer(text)
    chat.answer("小店区")
    expect(page.locator("#chat")).to_contain_text("您的备案审核机关将是：太原市小店区人力资源和社会保障局")
    page.screenshot(path=screenshots / "assistant-authority-375.png", full_page=True)
    for text in (unit["registered_address"], unit["legal_representative"], unit["filer_name"], unit["filer_email"],
                 unit["filer_mobile"]):
        chat.answer(text)
    expect(page.locator("#text")).to_have_attribute("autocomplete", "one-time-code")
    chat.answer(live_server.sms_code(unit["filer_mobile"]))
    expect(page.locator("#text")).to_have_attribute("type", "password")
    chat.answer(PASSWORD)
    expect(page.locator("#chat")).to_contain_text("注册成功")
    assert page.evaluate("window.__sameDocument === true")
    assert PASSWORD not in page.content() and "●●●●●●" in page.content()
    page.screenshot(path=screenshots / "assistant-registered-375.png", full_page=True)

    page.get_by_role("link", name="去登录").click()
    chat.taps += 1
    page.fill("#username", unit["uscc"])
    page.fill("#password", PASSWORD)
    page.locator("form.card").get_by_role("button", name="登录").click()
    chat.taps += 1
    page.wait_for_url("**/assistant")
    for text in ("填报表一", "65 软件和信息技术服务业", "同注册地址", "李四", "0351-1234567", "2", "1", "1", "2", "0", "0",
                 "0", "0", "2", "0", "2", "0", "0", "2", "2", "2", "2", "2", "68000"):
        chat.answer(text)
    expect(page.locator("#chat")).to_contain_text("表一已保存")
    assert page_problems(page, "assistant after 表一") is None
    page.screenshot(path=screenshots / "assistant-table1-375.png", full_page=True)

    # 表二 by chat: two people, 性别/出生日期 from the ID number, each saved as an online row
    for n, (name, male) in enumerate((("王五", True), ("赵六", False))):
        number = factories.resident_id("140105", "19900101", SERIAL + n, male)
        for text in ("添加一名职工（表二）" if n == 0 else "再添加一名", name, "居民身份证", number):
            chat.answer(text)
        expect(page.locator("#chat")).to_contain_text(f"按证件号码：性别{'男' if male else '女'}")
        if n == 0:
            assert page_problems(page, "assistant asking a row") is None
            page.screenshot(path=screenshots / "assistant-row-375.png", full_page=True)
        for text in ("2024-03-01", "全日制", "固定期限", "同入职日期2024-03-01", "2027-02-28", "其他", "本科", "城镇", "否",
                     "同经营地址", "是"):
            chat.answer(text)
        expect(page.locator("#chat li.bot").last).to_contain_text(f"表二现有{n + 1}行")
        assert number not in page.content()  # masked in the transcript (§10)
    assert page_problems(page, "assistant after the rows") is None
    page.screenshot(path=screenshots / "assistant-rows-375.png", full_page=True)

    chat.answer("提交备案")
    expect(page.locator("#chat li.bot").last).to_contain_text("真实、准确、完整")
    chat.answer("我承诺，提交")
    expect(page.locator("#chat li.bot").last).to_contain_text("已提交！回执号BA-140105-")
    assert page_problems(page, "assistant submitted") is None
    page.screenshot(path=screenshots / "assistant-submitted-375.png", full_page=True)
    print(f"\ntaps through the assistant (register → 表一 → 2 rows → submit): {chat.taps}")  # the note counts them

    page.get_by_role("link", name="查看备案和回执").click()
    expect(page.locator("#receipt")).to_contain_text("BA-140105-")
    assert page_problems(page, "filing submitted by chat") is None
    page.screenshot(path=screenshots / "assistant-filing-375.png", full_page=True)
    pdf = page.request.get(page.locator("#receipt-pdf").get_attribute("href"))
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"
