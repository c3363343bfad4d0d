"""A clerk finishes unaided (issue 17 items 3, 4, 5, 7): registration shows the authority and its phone before the
account exists; submitting goes through 核对并提交 with the 承诺, which the server requires and keeps; the
confirmation names the 回执号, the review time and whom to call; the home puts what needs doing first; the
办事指南, 常见问题, 进度查询 and the footer's contacts are there for everyone."""
from __future__ import annotations

import re

import pytest
from chalice.test import Client

from chalicelib.domain.filing import DECLARATION
from tests import factories
from tests.api_client import Api
from tests.web.test_pages import Browser, location, register_form, text
from tests.web.test_zero_report import filer, filing_2025, signed_in

PASSWORD = "Review-Passw0rd"


@pytest.fixture
def container(backend_container):
    return backend_container


@pytest.fixture
def client(container):
    from app import app
    container.accounts.create_reviewer("xiaodian", PASSWORD, "140105", "小店区审核员", email="xd@hrss.example.cn")
    with Client(app) as c:
        yield c


@pytest.fixture
def api(client, container) -> Api:
    api = Api(client)
    api.bucket = container.settings.bucket_name
    return api


def zero_report(api: Api) -> tuple[str, str]:
    """(filer token, filing id) of a complete 零申报, ready to submit."""
    token = filer(api)
    fid = filing_2025(api, token)
    assert api.call("PUT", f"/filings/{fid}/table1", factories.table1(0), token)[0] == 200
    return token, fid


# --- 5. 核对并提交 and the 承诺 ---

def test_the_api_refuses_a_submission_without_the_declaration_and_saves_nothing(api, container):
    token, fid = zero_report(api)
    for body in (None, {}, {"declaration_accepted": False}, {"declaration_accepted": "true"}):
        status, refused = api.call("POST", f"/filings/{fid}/submit", body, token)
        assert status == 422, refused
        assert refused["error"]["details"][0]["field"] == "declaration_accepted"
        assert "承诺" in refused["error"]["message"]
    assert container.store.get_filing(fid).status == "draft"
    status, submitted = api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token)
    assert status == 200 and submitted["receipt_no"].startswith("BA-140105-2025-")


def test_the_declaration_is_kept_with_the_submission_and_audited(api, container):
    token, fid = zero_report(api)
    assert api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token)[0] == 200
    status, detail = api.call("GET", f"/filings/{fid}", token=token)
    assert status == 200 and detail["history"][-1]["declaration"] == DECLARATION
    submit = next(e for e in container.store.list_audit(limit=20) if e.action == "submit" and e.target == fid)
    assert submit.detail["declaration"] == DECLARATION and submit.detail["to"] == "submitted"


def test_the_check_page_summarises_and_the_submit_needs_the_ticked_declaration(api, client, container):
    _, fid = zero_report(api)
    b = signed_in(client, factories.uscc(1), "Passw0rd!26")
    path = f"/employer/filings/{fid}"
    assert f'href="{path}/check"' in text(b.get(path))  # the filing page leads to the check, not to a submit
    check = text(b.get(f"{path}/check"))
    assert "在册职工 0 人" in check and "零申报" in check and DECLARATION in check
    assert 'name="declaration_accepted"' in check and 'id="f-declaration_accepted"' in check
    refused = b.post(f"{path}/submit", {})
    assert refused.status_code == 422
    assert 'id="error-summary"' in text(refused) and 'id="e-declaration_accepted"' in text(refused)
    assert container.store.get_filing(fid).status == "draft"
    done = b.post(f"{path}/submit", {"declaration_accepted": "1"})
    assert done.status_code == 303 and location(done) == f"{path}/submitted"
    page = text(b.get(location(done)))
    receipt = container.store.get_filing(fid).receipt_no
    assert f'<strong id="receipt">{receipt}</strong>' in page and f"{path}/receipt.pdf" in page
    assert "太原市小店区人力资源和社会保障局" in page and "5个工作日" in page and "12333" in page


def test_a_filing_that_is_not_complete_cannot_be_submitted_from_the_check_page(api, client):
    token = filer(api)
    fid = filing_2025(api, token)
    b = signed_in(client, factories.uscc(1), "Passw0rd!26")
    check = text(b.get(f"/employer/filings/{fid}/check"))
    assert 'id="missing"' in check and 'name="declaration_accepted"' not in check


# --- 3. registration: help on the routing fields, the authority confirmed before the account exists ---

def test_registration_explains_the_routing_fields_and_lists_the_common_affiliation_first(client):
    b = Browser(client)
    page = text(b.get("/register"))
    options = re.findall(r'<option value="([^"]*)"', page.split('id="f-affiliation"')[1].split("</select>")[0])
    assert options == ["", "其他", "县", "市", "省", "中央"]  # 中央 last: a private firm no longer picks it first
    assert 'aria-describedby="h-affiliation"' in page and "民营企业" in page
    assert 'aria-describedby="h-registration_division"' in page and 'autocomplete="tel"' in page


def test_registration_shows_the_authority_and_its_phone_before_the_account_exists(client, container):
    b = Browser(client)
    b.get("/login")
    form = register_form(affiliation="省")  # a 省属 unit goes to the province
    confirm = b.post("/register", {**form, "confirmed": ""})
    page = text(confirm)
    assert confirm.status_code == 200
    assert "您的备案审核机关将是：<strong id=\"authority\">山西省人力资源和社会保障厅</strong>" in page
    assert "0351-3046820" in page  # the province's number, from the notice
    assert "<dd>省属</dd>" in page and "<dd>太原市 小店区（140105）</dd>" in page  # what routed it, in words
    assert container.store.get_unit(factories.uscc(1)) is None  # nothing created yet
    back = text(b.post("/register", {**form, "confirmed": "", "edit": "1"}))
    assert 'id="f-name"' in back and f'value="{form["name"]}"' in back  # 返回修改: the form as typed
    done = b.post("/register", {**form, "confirmed": "1",
                                "verification_code": re.search(r'name="verification_code" value="(\d+)"',
                                                               page).group(1)})
    assert done.status_code == 200 and "注册成功" in text(done)
    assert container.store.get_unit(factories.uscc(1)).authority_code == "140000"


def test_registration_errors_come_before_the_confirm_step(client, container):
    b = Browser(client)
    b.get("/login")
    page = b.post("/register", {**register_form(filer_mobile="123"), "confirmed": ""})
    assert page.status_code == 422 and 'id="e-filer_mobile"' in text(page) and "将是" not in text(page)


# --- 7. help for everyone ---

def test_the_guide_names_basis_deadline_materials_steps_time_limit_and_every_authoritys_phone(client):
    page = text(Browser(client).get("/help"))
    for words in ("晋人社厅函〔2022〕1142号", "6月30日", "准备材料", "办理流程", "5个工作日", "山西省人力资源和社会保障厅：0351-3046820",
                  "太原市小店区人力资源和社会保障局：12333"):
        assert words in page, words


def test_the_faq_answers_twenty_questions_and_every_page_names_the_hotline_and_help(client):
    b = Browser(client)
    faq = text(b.get("/help/faq"))
    assert len(re.findall(r"<summary>", faq)) >= 20 and "6月30日前" in faq
    for path in ("/login", "/register", "/help", "/verify"):
        page = text(b.get(path))
        assert 'id="site-footer"' in page and 'id="hotline">12333<' in page and "技术支持" in page, path
        assert '<meta name="renderer" content="webkit">' in page


def test_progress_shows_a_unit_where_its_filings_stand_and_others_the_receipt_check(api, client):
    token, fid = zero_report(api)
    assert "回执查验" in text(Browser(client).get("/progress"))
    assert api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token)[0] == 200
    page = text(signed_in(client, factories.uscc(1), "Passw0rd!26").get("/progress"))
    assert "已提交，等待审核机关审核" in page and "BA-140105-2025-" in page


# --- 4. the home as a task list ---

def test_after_a_rejection_the_home_opens_with_the_reason_and_the_way_to_fix_it(api, client):
    token, fid = zero_report(api)
    submitted = api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token)[1]
    reviewer = api.login("xiaodian", PASSWORD)
    status, _ = api.call("POST", f"/filings/{fid}/review",
                         {"decision": "reject", "reason": "联系电话有误", "version": submitted["version"]}, reviewer)
    assert status == 200
    page = text(signed_in(client, factories.uscc(1), "Passw0rd!26").get("/employer"))
    task = page.index(f'id="task-rejected-{fid}"')
    assert task < page.index("本单位") < page.index("单独填报表三") < page.index("备案记录")  # first things first
    card = page[task:page.index("</div>", task)]
    assert "审核不通过" in card and "联系电话有误" in card and f'href="/employer/filings/{fid}">修改并重新提交' in card
    history = text(signed_in(client, factories.uscc(1), "Passw0rd!26").get(f"/employer/filings/{fid}"))
    history = history[history.index("办理记录"):]
    assert "<td>小店区审核员</td>" in history and ">xiaodian<" not in history  # names, not login names
    assert "<td>山西演示科技有限公司1</td>" in history


def test_a_draft_and_the_near_due_date_are_tasks_and_nothing_due_says_so(api, client, clock):
    import datetime as dt
    token = filer(api)
    b = signed_in(client, factories.uscc(1), "Passw0rd!26")
    page = text(b.get("/employer"))  # March: the due date (30 June) is months away
    assert page.index("其他办理事项") < page.index('id="annual-task"')
    clock.current = dt.datetime(2026, 6, 10, 2, tzinfo=dt.timezone.utc)  # 20 days before the due date
    token, b = api.login(factories.uscc(1), "Passw0rd!26"), signed_in(client, factories.uscc(1), "Passw0rd!26")
    page = text(b.get("/employer"))
    assert page.index('id="annual-task"') < page.index("其他办理事项") and 'class="card task urgent"' in page
    fid = filing_2025(api, token)
    page = text(b.get("/employer"))
    assert f'id="task-draft-{fid}"' in page and "草稿未提交" in page and 'id="annual-task"' not in page
    assert api.call("PUT", f"/filings/{fid}/table1", factories.table1(0), token)[0] == 200
    assert api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token)[0] == 200
    assert 'id="no-tasks"' in text(b.get("/employer"))


# --- 9. upload: the error list names the person ---

def test_the_upload_error_list_shows_the_name_beside_the_row_number(api, client):
    token = filer(api)
    fid = filing_2025(api, token)
    people = [factories.person(0), factories.person(1, hukou="外籍")]  # row 3 (header row 1) is 职工2
    upload = api.upload(fid, "table2", factories.table2_workbook(people), token)
    assert upload["status"] == "failed" and upload["errors"][0]["name"] == "职工2"
    page = text(signed_in(client, factories.uscc(1), "Passw0rd!26").get(
        f"/employer/filings/{fid}/uploads/{upload['upload_id']}"))
    assert "<th>行号</th><th>姓名</th>" in page and "<td>3</td><td>职工2</td><td>户口性质</td>" in page


# --- 10. unknown addresses and methods answer in Chinese ---

def wsgi_call(method: str, path: str, accept: str = "", content_type: str = "", body: bytes = b""):
    import io
    from app import app
    from chalicelib.web.wsgi import wsgi_application
    answer = {}
    chunks = wsgi_application(app)(
        {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "REMOTE_ADDR": "203.0.113.9",
         "HTTP_ACCEPT": accept, "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body)),
         "wsgi.input": io.BytesIO(body)}, lambda status, headers: answer.update(status=status, headers=dict(headers)))
    return int(answer["status"].split()[0]), answer["headers"], b"".join(chunks).decode()


def test_unknown_addresses_answer_a_chinese_404_page_or_the_api_error_shape(client):
    import json
    status, headers, body = wsgi_call("GET", "/no-such-page", accept="text/html")
    assert status == 404 and "没有这个地址" in body and 'id="site-footer"' in body and "Missing" not in body
    status, headers, body = wsgi_call("GET", "/api/v1/no-such-thing", accept="text/html")
    assert status == 404 and json.loads(body)["error"]["code"] == "not_found"


def test_a_wrong_method_is_a_chinese_405_and_a_wrong_body_type_a_chinese_415(client):
    import json
    status, headers, body = wsgi_call("PUT", "/api/v1/auth/login", content_type="application/json", body=b"{}")
    assert status == 405 and headers["Allow"] == "POST" and json.loads(body)["error"]["code"] == "method_not_allowed"
    assert "PUT" in json.loads(body)["error"]["message"]
    status, _, page = wsgi_call("DELETE", "/login", accept="text/html")
    assert status == 405 and "该地址不支持DELETE请求" in page
    status, _, body = wsgi_call("POST", "/api/v1/auth/login", content_type="text/plain", body=b"x")
    assert status == 415 and json.loads(body)["error"]["code"] == "unsupported_media_type"
    assert "不支持的内容类型" in json.loads(body)["error"]["message"]


def test_templates_download_with_chinese_names_and_a_chinese_code_sheet(api):
    import io
    from urllib.parse import quote

    import openpyxl
    response = api.http.get("/api/v1/templates/table2", headers={"Accept": "*/*"})
    assert response.status_code == 200
    assert f"filename*=UTF-8''{quote('表二.xlsx')}" in response.headers["Content-Disposition"]
    headers = [c.value for c in next(openpyxl.load_workbook(io.BytesIO(response.body))["代码表"].iter_rows(max_row=1))]
    assert "证件类型" in headers and "性别" in headers and all(not h.isascii() for h in headers)


def test_the_api_previews_the_authority_before_the_account_exists(api, container):
    unit = factories.registration(1, foreign_invested=True)  # 外商投资: the province
    status, preview = api.call("POST", "/employers/register/preview", unit)
    assert status == 200 and preview["authority"]["code"] == "140000" and preview["phone"] == "0351-3046820"
    assert preview["message"] == "您的备案审核机关将是：山西省人力资源和社会保障厅（电话0351-3046820）"
    assert container.store.get_unit(factories.uscc(1)) is None
    status, refused = api.call("POST", "/employers/register/preview", {**unit, "filer_mobile": "123"})
    assert status == 422 and refused["error"]["details"][0]["field"] == "filer_mobile"
