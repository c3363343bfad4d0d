"""填报助手 (docs/rules.md §19) through the app, on both backends: a visitor registers a unit by chat on the page
(no JS: form POST and redirect), resumes after closing the phone (the cookie), signs in and fills 表一 by chat,
which lands on the filing exactly as the form would save it; the JSON API answers messages, quick replies and
state; the SMS code and the password never appear in the transcript; anonymous messages are rate-limited."""
from __future__ import annotations

import re

import pytest
from chalice.test import Client

from chalicelib.services.assistant import MESSAGES_PER_MINUTE, STARTS_PER_MINUTE
from tests import factories
from tests.api_client import Api
from tests.web.test_pages import Browser, text

PASSWORD = "Passw0rd!26"


@pytest.fixture
def container(backend_container):
    return backend_container


@pytest.fixture
def client(container):
    from app import app
    with Client(app) as c:
        yield c


def chat(b: Browser, message: str) -> str:
    """Type `message` (or tap the quick reply) on the page; the page after the redirect."""
    if "csrf" not in b.jar:
        b.get("/assistant")
    r = b.post("/assistant", {"text": message})
    assert r.status_code == 303, text(r)
    assert r.headers["Location"].endswith("/assistant#latest")
    page = b.get("/assistant")
    assert page.status_code == 200
    return text(page)


def bubbles(page: str) -> list[str]:
    """The bot's bubbles as read (without the screen reader's "助手：")."""
    found = re.findall(r'<li class="bubble bot"[^>]*><span class="visually-hidden">[^<]*</span>(.*?)</li>', page, re.S)
    return [re.sub(r"<[^>]+>", "", m) for m in found]


def register_by_chat(b: Browser, serial: int = 1) -> str:
    r = factories.registration(serial)
    b.get("/assistant")
    page = ""
    for answer in ("注册新单位", r["uscc"], r["name"], "2015年6月1日", "企业", "私营", "软件", "其他", "否", "否",
                   "小店区", r["registered_address"], r["legal_representative"], r["filer_name"], r["filer_email"],
                   r["filer_mobile"]):
        page = chat(b, answer)
    assert "验证码已发送到138****" in page
    chat(b, factories.sms_code(r["filer_mobile"]))
    return chat(b, PASSWORD)


def test_a_visitor_registers_by_chat_and_hears_the_authority_before_the_account_exists(client, container):
    b = Browser(client)
    page = text(b.get("/assistant"))
    assert "注册新单位" in page and 'action="/assistant"' in page
    b.post("/assistant", {"reply": "注册新单位", "text": ""})  # a tapped quick reply, as the plain form sends it
    for answer in (factories.uscc(1), "山西演示科技有限公司1", "2015-06-01", "企业", "私营", "I", "其他",
                   "否", "否"):
        page = chat(b, answer)
    page = chat(b, "小店区")
    assert "您的备案审核机关将是：太原市小店区人力资源和社会保障局" in page
    assert container.store.get_unit(factories.uscc(1)) is None  # told before anything is created
    page = register_by_chat(Browser(client), 2)
    assert "注册成功" in page and 'href="/login?next=/assistant"' in page
    unit = container.store.get_unit(factories.uscc(2))
    assert unit is not None and unit.authority_code == "140105" and str(unit.founded_on) == "2015-06-01"
    code = factories.sms_code("13800000002")
    assert code not in page and PASSWORD not in page and "13800000002" not in page  # masked (§10)
    assert "138****0002" in page and "●●●●●●" in page


def test_each_answer_is_checked_by_the_forms_rules_and_can_be_taken_back(client):
    b = Browser(client)
    chat(b, "注册新单位")
    page = chat(b, "91350100M000100Y44")  # check character wrong
    assert "统一社会信用代码" in bubbles(page)[-2] and "请输入单位的统一社会信用代码" in bubbles(page)[-1]
    chat(b, factories.uscc(3))
    page = chat(b, "2026-12-01")  # the name step takes any text: this is the name
    page = chat(b, "2026-12-01")
    assert "成立日期不能晚于今天" in page
    page = chat(b, "上一步")
    assert bubbles(page)[-1].startswith("单位名称是？")
    page = chat(b, "修改统一社会信用代码")
    assert "原来填的是：" + factories.uscc(3) in page


def test_a_registered_uscc_is_said_at_once(client):
    register_by_chat(Browser(client), 7)
    b = Browser(client)
    chat(b, "注册新单位")
    page = chat(b, factories.uscc(7))
    assert "该统一社会信用代码已注册，请直接登录" in bubbles(page)[-2]


def test_a_question_gets_the_guide_s_answer_and_the_same_question_again(client):
    b = Browser(client)
    chat(b, "注册新单位")
    page = chat(b, "外资企业到哪里备案？")
    said = bubbles(page)
    assert "外商投资企业到省人社厅备案" in said[-2] and said[-1].startswith("请输入单位的统一社会信用代码")
    page = chat(b, "今天天气怎么样？")
    assert "转人工：电话0351-3046820" in bubbles(page)[-2]


def test_a_filer_fills_table1_by_chat_as_the_form_would_save_it(client, container):
    b = Browser(client)
    register_by_chat(b, 4)
    b.post("/login", {"username": factories.uscc(4), "password": PASSWORD})
    page = text(b.get("/assistant"))
    assert "填报表一" in page
    page = chat(b, "填报表一")
    assert "65 软件和信息技术服务业" in page  # 大类 of the unit's 门类 only
    assert "01 农业" not in page
    t = factories.table1(3)
    for answer in ("65", "同注册地址", t["contact_name"], t["contact_phone"], "3", "2", "2"):
        page = chat(b, answer)
    assert "在册职工人数3 ≠ 其中男2 + 其中女2" in bubbles(page)[-2]  # 2 + 2 ≠ 3, said at once
    for answer in ("1", "3", "0", "0", "0", "0", "3", "0", "3", "0", "0", "3", "3", "3", "3", "3", "72000"):
        page = chat(b, answer)
    assert "表一已保存" in page and "签订率100.0%" in page
    filing = next(f for f in container.store.list_unit_filings(factories.uscc(4)))
    assert filing.table1["employees"] == 3 and filing.table1["female"] == 1
    assert filing.table1["industry_division"] == "65" and filing.table1["business_address"] == t["business_address"]
    assert f'href="/employer/filings/{filing.id}"' in page  # the hand-off to the rows
    assert "承诺" in chat(b, "提交备案")
    page = chat(b, "我承诺，提交")
    assert "请上传表二" in page  # the submit's own check: 在册 3 needs 表二


def test_a_zero_report_is_filed_and_submitted_by_chat(client, container):
    b = Browser(client)
    register_by_chat(b, 5)
    b.post("/login", {"username": factories.uscc(5), "password": PASSWORD})
    for answer in ("填报表一", "65", "同注册地址", "李四", "0351-1234567"):
        chat(b, answer)
    page = chat(b, "0")
    assert "零申报" in page and "平均工资" in bubbles(page)[-1]
    page = chat(b, "0")
    assert "零申报不需要表二" in page
    page = chat(b, "提交备案")
    assert "真实、准确、完整" in page and filing_status(container, 5) == "draft"  # the 承诺 first
    page = chat(b, "我承诺，提交")
    assert "已提交！回执号BA-140105-2025-" in page
    filing = container.store.list_unit_filings(factories.uscc(5))[0]
    assert filing.status == "submitted" and filing.table1["employees"] == 0


def filing_status(container, serial: int) -> str:
    return container.store.list_unit_filings(factories.uscc(serial))[0].status


def test_the_conversation_is_resumed_from_the_cookie_and_is_its_holder_s_only(client):
    b = Browser(client)
    chat(b, "注册新单位")
    chat(b, factories.uscc(6))
    again = Browser(client)
    again.jar = dict(b.jar)  # the phone closed and opened again: the cookie is kept
    assert "单位名称是？" in bubbles(text(again.get("/assistant")))[-1]
    stranger = Browser(client)
    assert factories.uscc(6) not in text(stranger.get("/assistant"))


def test_the_api_answers_messages_quick_replies_and_state(client, container):
    api = Api(client)
    status, body = api.call("POST", "/assistant/conversations", {})
    assert status == 201 and body["quick_replies"][0] == "注册新单位" and body["state"]["phase"] == "menu"
    cid = body["id"]
    status, body = api.call("POST", f"/assistant/conversations/{cid}/messages", {"text": "注册新单位"})
    assert status == 200 and body["state"] == {**body["state"], "phase": "register", "step": "uscc"}
    assert body["messages"][-1]["text"].startswith("请输入单位的统一社会信用代码")
    assert body["messages"][-1]["link"] == "/register"  # the ordinary form of this step
    status, body = api.call("GET", f"/assistant/conversations/{cid}")
    assert status == 200 and [m["by"] for m in body["messages"]] == ["bot", "user", "bot", "bot"]
    status, body = api.call("POST", f"/assistant/conversations/{cid}/messages", {"text": 3})
    assert status == 422 and body["error"]["details"][0]["field"] == "text"
    status, body = api.call("POST", "/assistant/conversations/0123456789abcdef0123456789abcdef/messages",
                            {"text": "你好"})
    assert status == 404 and "对话不存在或已过期" in body["error"]["message"]


def test_a_conversation_expires_after_30_days(client, container, clock):
    api = Api(client)
    cid = api.call("POST", "/assistant/conversations", {})[1]["id"]
    clock.advance(days=29)
    assert api.call("POST", f"/assistant/conversations/{cid}/messages", {"text": "注册新单位"})[0] == 200
    clock.advance(days=30, seconds=1)
    assert api.call("GET", f"/assistant/conversations/{cid}")[0] == 404


def test_anonymous_messages_are_rate_limited(client):
    api = Api(client)
    cid = api.call("POST", "/assistant/conversations", {})[1]["id"]
    statuses = [api.call("POST", f"/assistant/conversations/{cid}/messages", {"text": "你好"})[0]
                for _ in range(MESSAGES_PER_MINUTE)]
    assert set(statuses) == {200} and "消息太频繁" in api.call(
        "POST", f"/assistant/conversations/{cid}/messages", {"text": "你好"})[1]["error"]["message"]
    starts = [api.call("POST", "/assistant/conversations", {})[0] for _ in range(STARTS_PER_MINUTE)]
    assert starts[-1] == 429  # the first one above counted too


TABLE1_OF_TWO = ("65", "同注册地址", "李四", "0351-1234567", "2", "1", "1", "2", "0", "0", "0", "0", "2", "0", "2", "0",
                 "0", "2", "2", "2", "2", "2", "72000")


def worker_by_chat(b: Browser, name: str, number: str) -> str:
    """A 表二 row by chat: a fixed-term contract of under 3 years, from the 入职日期."""
    page = chat(b, "添加一名职工（表二）")
    for answer in (name, "居民身份证", number, "2024-03-01", "全日制", "固定期限", "同入职日期2024-03-01", "2027-02-28",
                   "其他", "本科", "城镇", "否", "同经营地址", "是"):
        page = chat(b, answer)
    return page


def test_a_small_unit_files_table1_adds_its_two_workers_by_chat_and_submits(client, container):
    b = Browser(client)
    register_by_chat(b, 8)
    b.post("/login", {"username": factories.uscc(8), "password": PASSWORD})
    chat(b, "填报表一")
    for answer in TABLE1_OF_TWO:
        page = chat(b, answer)
    assert "表一已保存" in page and "添加一名职工（表二）" in page
    man, woman = (factories.resident_id("140105", "19900101", n, male) for n, male in ((1, True), (2, False)))
    page = worker_by_chat(b, "王五", man)
    assert "已将王五（" in bubbles(page)[-1] and "表二现有1行" in bubbles(page)[-1]
    page = worker_by_chat(b, "赵六", man)  # the same ID number again: refused, the number asked again
    assert "已在名册中（王五）" in bubbles(page)[-2] and bubbles(page)[-1].startswith("证件号码是？")
    page = chat(b, woman)
    assert "按证件号码：性别女" in page and "表二现有2行" in bubbles(page)[-1]
    assert man not in page and woman not in page  # masked in the transcript (§10)
    assert "真实、准确、完整" in chat(b, "提交备案")
    page = chat(b, "我承诺，提交")
    assert "已提交！回执号BA-140105-2025-" in page
    filing = container.store.list_unit_filings(factories.uscc(8))[0]
    assert filing.status == "submitted" and filing.row_sets["table2"].rows == 2


def test_the_assistant_is_found_from_the_front_page_every_footer_and_the_unit_home(client):
    b = Browser(client)
    front = b.get("/").body.decode()
    assert front.count('href="/assistant"') == 2  # the invitation and the footer
    assert 'href="/assistant"' in b.get("/help").body.decode()
    register_by_chat(b, 7)
    b.post("/login", {"username": factories.uscc(7), "password": PASSWORD})
    home = b.get("/employer").body.decode()
    assert "填报助手</a>一问一答带您填完表一" in home
