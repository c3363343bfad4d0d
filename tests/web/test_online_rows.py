"""Online 表二/表三 rows through the JSON API and the pages (docs/rules.md §5 "Online rows"): one row at a time,
the upload's checks with the field named in Chinese, the filing's version guarding each change, masked lists and
the full number only in the unit's own edit form; an interim 表三 filed without any Excel."""
from __future__ import annotations

import re

import pytest
from chalice.test import Client

from chalicelib.domain.identifiers import mask_id
from tests import factories
from tests.api_client import Api
from tests.web.test_filing_complete import filer, new_filing
from tests.web.test_pages import Browser, location, text

PEOPLE = [factories.person(i) for i in range(3)]


@pytest.fixture
def api(container):
    from app import app
    with Client(app) as client:
        yield Api(client)


@pytest.fixture
def browser(container):
    from app import app
    with Client(app) as client:
        b = Browser(client)
        b.get("/login")
        yield b


def _form(row: dict) -> dict:
    return {k: "" if v is None else str(v) for k, v in row.items()}


def test_api_adds_edits_and_deletes_rows_at_the_filing_version(api):
    token = filer(api)
    filing = new_filing(api, token)
    fid, version = filing["id"], filing["version"]
    for p in PEOPLE:
        status, saved = api.call("POST", f"/filings/{fid}/rows/table2", {"fields": p, "version": version}, token)
        assert status == 201, saved
        version = saved["version"]
    assert (saved["index"], saved["rows"]) == (2, 3)
    status, listed = api.call("GET", f"/filings/{fid}/rows/table2", None, token)
    assert [r["name"] for r in listed["items"]] == ["职工1", "职工2", "职工3"]
    assert listed["items"][1]["id_number"] == mask_id(PEOPLE[1]["id_number"]) and listed["total"] == 3
    status, row = api.call("GET", f"/filings/{fid}/rows/table2/1", None, token)
    assert row["id_number"] == PEOPLE[1]["id_number"]  # the unit's own row, for its edit form

    assert api.call("PUT", f"/filings/{fid}/rows/table2/3", {"fields": factories.person(5)}, token)[0] == 404  # no row 3
    stale = api.call("PUT", f"/filings/{fid}/rows/table2/1", {"fields": {**PEOPLE[1], "name": "改"}, "version": 1}, token)
    assert stale[0] == 409 and "刷新" in stale[1]["error"]["message"]
    status, bad = api.call("PUT", f"/filings/{fid}/rows/table2/1",
                           {"fields": {**PEOPLE[1], "contract_end": None, "education": "幼儿园"}}, token)
    assert status == 422
    assert {d["column"] for d in bad["error"]["details"]} == {"合同终止日期", "文化程度"}
    status, _ = api.call("PUT", f"/filings/{fid}/rows/table2/1", {"fields": {**PEOPLE[1], "education": "本科"}}, token)
    assert status == 200
    assert api.call("GET", f"/filings/{fid}/rows/table2/1", None, token)[1]["education"] == "大学本科"  # the alias
    status, gone = api.call("DELETE", f"/filings/{fid}/rows/table2/0", None, token)
    assert (status, gone["rows"]) == (200, 2)
    assert api.call("GET", f"/filings/{fid}/rows/table2/0", None, token)[0] == 404
    assert api.call("GET", f"/filings/{fid}", None, token)[1]["row_counts"] == {"table2": 2}


def test_another_unit_cannot_touch_the_rows(api):
    token, other = filer(api, 1), filer(api, 2)
    fid = new_filing(api, token)["id"]
    api.call("POST", f"/filings/{fid}/rows/table2", {"fields": PEOPLE[0]}, token)
    assert api.call("GET", f"/filings/{fid}/rows/table2/0", None, other)[0] in (403, 404)
    assert api.call("PUT", f"/filings/{fid}/rows/table2/0", {"fields": PEOPLE[1]}, other)[0] in (403, 404)
    assert api.call("GET", f"/filings/{fid}/rows/table2/0", None, token)[1]["name"] == "职工1"


def test_an_interim_table3_filed_online_takes_its_category_and_compensation_from_the_reason(api):
    token = filer(api)
    fid = new_filing(api, token, year=2025, kind="interim")["id"]
    row = factories.ended(PEOPLE[0], reason_code="R01", category=None, compensated=None, compensation="5000")
    status, saved = api.call("POST", f"/filings/{fid}/rows/table3", {"fields": row}, token)
    assert status == 201, saved
    stored = api.call("GET", f"/filings/{fid}/rows/table3/0", None, token)[1]
    assert (stored["category"], stored["compensated"], stored["compensation"]) == ("解除", "是", "5000.00")
    status, bad = api.call("POST", f"/filings/{fid}/rows/table3",
                           {"fields": factories.ended(PEOPLE[1], reason_code="R01", category=None, compensated="否")},
                           token)
    assert status == 422 and bad["error"]["details"][0]["column"] == "是否支付经济补偿"
    warnings = api.call("GET", f"/filings/{fid}", None, token)[1]["checks"]["warnings"]
    assert [w["message"] for w in warnings] == [f"职工1（{mask_id(PEOPLE[0]['id_number'])}）不在本单位已备案的任何表二名册中，请核对证件号码"]
    api.call("PUT", f"/filings/{fid}/rows/table3/0", {"fields": {**row, "name": "职工一"}}, token)
    assert len(api.call("GET", f"/filings/{fid}", None, token)[1]["checks"]["warnings"]) == 1  # replaced, not added
    assert api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token)[0] == 200  # no Excel


def _sign_in(browser: Browser, api: Api) -> str:
    filer(api)
    browser.post("/login", {"username": factories.uscc(1), "password": "Passw0rd!26"})
    return location(browser.post("/employer/filings", {"year": "2025"})).rsplit("/", 1)[-1]


def test_pages_add_a_row_show_all_errors_and_fix_it(browser, api):
    fid = _sign_in(browser, api)
    filing_page = text(browser.get(f"/employer/filings/{fid}"))
    assert f'/employer/filings/{fid}/rows/table2"' in filing_page and "在线逐行填写" in filing_page
    form = text(browser.get(f"/employer/filings/{fid}/rows/table2/new"))
    assert form.count("<h1>") == 1 and 'aria-describedby="h-id_number"' in form and 'autocomplete="off"' in form
    version = re.search(r'name="version" value="(\d+)"', form)[1]
    wrong = browser.post(f"/employer/filings/{fid}/rows/table2/new",
                         {**_form(PEOPLE[0]), "id_number": PEOPLE[0]["id_number"][:-1] + "0", "hire_date": "昨天",
                          "version": version})
    page = text(wrong)
    assert wrong.status_code == 422 and 'id="error-summary"' in page
    assert "【证件号码】" in page and "【入职日期】" in page  # every problem at once, named in Chinese
    assert 'aria-describedby="h-hire_date e-hire_date"' in page and 'aria-invalid="true"' in page
    saved = browser.post(f"/employer/filings/{fid}/rows/table2/new", {**_form(PEOPLE[0]), "version": version})
    assert saved.status_code in (302, 303), text(saved)
    listed = text(browser.get(location(saved).split("#")[0].removeprefix("http://testserver")))
    assert "已添加" in listed and mask_id(PEOPLE[0]["id_number"]) in listed and PEOPLE[0]["id_number"] not in listed
    edit = text(browser.get(f"/employer/filings/{fid}/rows/table2/0"))
    assert PEOPLE[0]["id_number"] in edit  # the full number in the unit's own edit form
    version = re.search(r'name="version" value="(\d+)"', edit)[1]
    fixed = browser.post(f"/employer/filings/{fid}/rows/table2/0", {**_form(PEOPLE[0]), "name": "张改", "version": version})
    assert fixed.status_code in (302, 303)
    stale = browser.post(f"/employer/filings/{fid}/rows/table2/0", {**_form(PEOPLE[0]), "version": version})
    assert stale.status_code == 409
    listed = text(browser.get(f"/employer/filings/{fid}/rows/table2"))
    assert "张改" in listed
    version = re.search(r'name="version" value="(\d+)"', listed)[1]
    deleted = browser.post(f"/employer/filings/{fid}/rows/table2/0/delete", {"version": version})
    assert deleted.status_code in (302, 303)
    assert 'id="no-rows"' in text(browser.get(f"/employer/filings/{fid}/rows/table2"))


def test_the_table3_form_lets_the_reason_drive_the_compensation_fields(browser, api):
    fid = _sign_in(browser, api)
    form = text(browser.get(f"/employer/filings/{fid}/rows/table3/new"))
    assert "/assets/forms.js" in form and "data-reasons=" in form and 'data-field="compensation"' in form
    assert "R01 协商一致解除（用人单位提出）（解除）" in form
    assert 'name="category"' not in form  # 类别 follows the 原因代码


def test_table1_comes_in_four_steps_with_every_problem_at_once(browser, api):
    fid = _sign_in(browser, api)
    form = text(browser.get(f"/employer/filings/{fid}/table1"))
    assert form.count("<h1>") == 1 and form.count('<fieldset class="step"') == 4
    assert "第2步（共4步）：人员" in form and "上一步" in form and "下一步" in form
    assert '<option value="65" data-section="I"' in form  # the script lists 大类 by 门类
    assert "2021-03-01 至 2024-02-29 正好3年" in form  # the bucket rule, by example
    assert 'inputmode="numeric"' in form and 'type="number"' not in form
    bad = {**{k: str(v) for k, v in factories.table1(40, male=20, female=19, insured_injury="很多").items()},
           "industry_division": "01"}
    page = browser.post(f"/employer/filings/{fid}/table1", bad)
    body = text(page)
    assert page.status_code == 422
    assert "在册职工人数40 ≠ 其中男20 + 其中女19（合计39）" in body and "年末参加工伤保险人数应为整数" in body
    assert "所属行业大类01不属于门类I" in body  # format and consistency together, one round
    assert body.count('data-errors="1"') == 3  # 单位信息, 人员, 社会保险 are marked


def test_a_person_deleted_online_from_last_years_roster_is_offered_as_a_leaver(browser, api, container):
    from tests.web.test_filing_complete import approve
    token = filer(api)
    first = new_filing(api, token, year=2024)["id"]
    api.call("PUT", f"/filings/{first}/table1", factories.table1(2), token)
    for p in PEOPLE[:2]:
        api.call("POST", f"/filings/{first}/rows/table2", {"fields": p}, token)
    approve(container, first)
    nxt = new_filing(api, token, year=2025)["id"]
    assert api.call("DELETE", f"/filings/{nxt}/rows/table2/0", None, token)[0] == 200
    leavers = api.call("GET", f"/filings/{nxt}/leavers", None, token)[1]["items"]
    assert [x["name"] for x in leavers] == ["职工1"]
    browser.post("/login", {"username": factories.uscc(1), "password": "Passw0rd!26"})
    page = text(browser.get(f"/employer/filings/{nxt}"))
    assert 'id="leavers-after-edits"' in page and "共 <strong>1</strong> 行（含在线修改）" in page
    assert api.call("GET", f"/filings/{first}/rows/table2", None, token)[1]["total"] == 2  # the approved set


@pytest.mark.parametrize("fields", [
    {"name": ["甲"], "id_number": {"a": 1}, "birth_date": 12.5, "years_of_service": True},
    {"name": "甲\u202e", "id_type": None, "hire_date": "9" * 5000, "contract_start": -1},
    "not an object", None,
])
def test_hostile_fields_get_a_chinese_422_and_save_nothing(api, fields):
    token = filer(api)
    fid = new_filing(api, token)["id"]
    for table in ("table2", "table3"):
        status, body = api.call("POST", f"/filings/{fid}/rows/{table}", {"fields": fields}, token)
        assert status in (404, 422), body  # 表三 is not in a first annual filing: 404
        assert re.search(r"[\u4e00-\u9fff]", body["error"]["message"])
    assert api.call("GET", f"/filings/{fid}", None, token)[1]["row_counts"] == {}
