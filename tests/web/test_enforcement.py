"""Enforcement follow-up on the 未依法备案单位名单 (docs/rules.md §15, §16): the unit's authority records 责令限期改正,
then 已改正 or 移交劳动保障监察; the list shows the last step and filters by it; the unit's filer is told of the
order; the departments' accounts read the list of their division, and only that, read-only."""
from __future__ import annotations

import datetime as dt
import io

from chalicelib.domain.model import Role
from tests import factories
from tests.api_client import Api
from tests.job_worker import exported
from tests.web.test_overdue import PASSWORD, listed, signed_in, usccs_on_page  # noqa: F401 (the fixture)
from tests.web.test_pages import text

U1, U2, U3, U4 = (factories.uscc(n) for n in range(1, 5))  # 小店区 ×2, 迎泽区, 大同市平城区
ORDER = {"year": 2025, "step": "order", "notice_number": "小人社监令〔2026〕7号", "notice_date": "2026-07-09",
         "deadline": "2026-07-20"}
JULY_21 = dt.datetime(2026, 7, 21, 1, 0, tzinfo=dt.timezone.utc)


def enforce(api: Api, token: str, uscc: str, body: dict):
    return api.call("POST", f"/overdue/{uscc}/enforcement", body, token)


def overdue_items(api: Api, token: str, query: str = "") -> dict[str, dict]:
    status, body = api.call("GET", f"/overdue?year=2025{query}", token=token)
    assert status == 200, body
    return {i["uscc"]: i for i in body["items"]}


def file_2025(api: Api, serial: int) -> None:
    filer = api.login(factories.uscc(serial), "Passw0rd!26")
    _, filing = api.call("POST", "/filings", {"year": 2025}, filer)
    api.call("PUT", f"/filings/{filing['id']}/table1", factories.table1(serial), filer)
    api.upload(filing["id"], "table2", factories.table2_workbook([factories.person(0), factories.person(1)]), filer)
    assert api.call("POST", f"/filings/{filing['id']}/submit", {"declaration_accepted": True}, token=filer)[0] == 200


def test_an_order_then_a_transfer_once_the_deadline_has_passed(listed, container, clock):
    api = Api(listed)
    xiaodian = api.login("xiaodian", PASSWORD)
    status, record = enforce(api, xiaodian, U1, ORDER)
    assert status == 200 and (record["stage"], record["last_step_label"]) == ("ordered", "责令限期改正")

    item = overdue_items(api, xiaodian)[U1]["enforcement"]
    assert (item["last_step_label"], item["last_step_date"], item["deadline"]) == ("责令限期改正", "2026-07-09",
                                                                                 "2026-07-20")
    assert (item["may_correct"], item["may_transfer"]) == (False, False)
    assert overdue_items(api, xiaodian)[U2]["enforcement"] is None

    # the unit's filer is told, by e-mail and by SMS (with its approved template's variables)
    unit = container.store.get_unit(U1)
    sent = {m.channel: m for m in container.store.list_messages() if m.kind == "enforcement"}
    assert sent["email"].to == unit.filer_email and "小人社监令〔2026〕7号" in sent["email"].body
    assert "2026年7月20日前" in sent["email"].body and "移交劳动保障监察" in sent["email"].body
    assert sent["sms"].to == unit.filer_mobile and sent["sms"].template == "enforcement_order"
    assert sent["sms"].params == {"unit": unit.name, "year": "2025", "deadline": "2026年7月20日"}

    # refused: 已改正 with no filing, 移交 before the deadline, a second order
    status, body = enforce(api, xiaodian, U1, {"year": 2025, "step": "correct"})
    assert status == 409 and "尚未提交2025年度备案" in body["error"]["message"]
    status, body = enforce(api, xiaodian, U1, {"year": 2025, "step": "transfer", "transfer_note": "移交1号"})
    assert status == 409 and "改正期限（2026-07-20）尚未届满" in body["error"]["message"]
    assert enforce(api, xiaodian, U1, ORDER)[0] == 409

    clock.current = JULY_21
    xiaodian = api.login("xiaodian", PASSWORD)  # the session of 9 July has ended
    assert overdue_items(api, xiaodian)[U1]["enforcement"]["may_transfer"] is True
    status, body = enforce(api, xiaodian, U1, {"year": 2025, "step": "transfer", "transfer_note": " "})
    assert status == 422 and body["error"]["details"][0]["field"] == "transfer_note"
    status, record = enforce(api, xiaodian, U1, {"year": 2025, "step": "transfer",
                                                 "transfer_note": "移交太原市劳动保障监察支队（移字第3号）"})
    assert status == 200 and record["stage"] == "transferred"
    assert [h["action"] for h in record["history"]] == ["order", "transfer"]
    assert record["history"][-1]["by"] == "xiaodian" and record["last_step_date"] == "2026-07-21"
    assert enforce(api, xiaodian, U1, {"year": 2025, "step": "correct"})[0] == 409  # closed

    events = [e for e in container.store.list_audit() if e.action.startswith("enforcement_")]
    assert [(e.action, e.detail["from"], e.detail["to"], e.actor) for e in events] == [
        ("enforcement_transfer", "ordered", "transferred", "xiaodian"),
        ("enforcement_order", None, "ordered", "xiaodian")]

    assert set(overdue_items(api, xiaodian, "&step=transferred")) == {U1}
    assert set(overdue_items(api, xiaodian, "&step=none")) == {U2}
    assert overdue_items(api, xiaodian, "&step=ordered") == {}
    assert api.call("GET", "/overdue?year=2025&step=later", token=xiaodian)[0] == 422


def test_a_unit_that_files_after_an_order_stays_listed_until_it_is_corrected(listed, container):
    page = signed_in(listed, "xiaodian")
    page.get("/review/overdue?year=2025")
    answer = page.post(f"/review/overdue/{U2}/enforcement", {
        "year": "2025", "step": "order", "notice_number": "小人社监令〔2026〕8号", "notice_date": "2026-07-09",
        "deadline": "2026-07-31", "back": "division=&step="})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/review/overdue?year=2025#u-{U2}")
    body = text(page.get("/review/overdue?year=2025"))
    assert "责令限期改正</strong> 2026-07-09" in body and "改正期限 2026-07-31" in body and "小人社监令〔2026〕8号" in body

    file_2025(Api(listed), 2)  # the unit files: it no longer owes 2025, but its order is still open
    body = text(page.get("/review/overdue?year=2025"))
    assert usccs_on_page(body) == {U1, U2} and "已提交，待审核" in body and "记为已改正（已补报）" in body
    assert usccs_on_page(text(page.get("/review/overdue?year=2025&step=ordered"))) == {U2}
    status, body = Api(listed).call("GET", "/overdue?year=2025&limit=1", token=Api(listed).login("xiaodian", PASSWORD))
    assert [i["uscc"] for i in body["items"]] == [U1] and body["next_page_token"]  # U2 comes on the next page

    answer = page.post(f"/review/overdue/{U2}/enforcement", {"year": "2025", "step": "correct",
                                                             "back": "division=&step=ordered"})
    assert answer.status_code == 303 and "step=ordered" in answer.headers["Location"]
    assert usccs_on_page(text(page.get("/review/overdue?year=2025"))) == {U1}
    body = text(page.get("/review/overdue?year=2025&step=corrected"))
    assert usccs_on_page(body) == {U2} and "已改正" in body and "已审核通过" not in body


def test_the_list_pages_through_the_units_that_filed_after_an_order(listed):
    api = Api(listed)
    xiaodian = api.login("xiaodian", PASSWORD)
    for serial in (1, 2):
        assert enforce(api, xiaodian, factories.uscc(serial), ORDER)[0] == 200
        file_2025(api, serial)  # neither owes 2025 any more: both are listed for their open order
    xiaodian = api.login("xiaodian", PASSWORD)
    seen, token = [], ""
    for _ in range(4):
        status, body = api.call("GET", f"/overdue?year=2025&limit=1{token}", token=xiaodian)
        assert status == 200, body
        seen += [i["uscc"] for i in body["items"]]
        if not body["next_page_token"]:
            break
        token = f"&page_token={body['next_page_token']}"
    assert seen == [U1, U2] and body["next_page_token"] is None


def test_only_the_units_own_authority_records_steps(listed, container):
    api = Api(listed)
    assert enforce(api, api.login("yingze", PASSWORD), U1, ORDER)[0] == 403  # another county's reviewer
    assert enforce(api, api.login("taiyuan", PASSWORD), U1, ORDER)[0] == 403  # its city reads, does not record
    assert enforce(api, api.login(U1, "Passw0rd!26"), U1, ORDER)[0] == 403
    xiaodian = api.login("xiaodian", PASSWORD)
    assert enforce(api, xiaodian, "91140105MA0000000X", ORDER)[0] == 404
    status, body = enforce(api, xiaodian, U1, {**ORDER, "deadline": "2026-07-01", "notice_number": ""})
    assert status == 422 and {d["field"] for d in body["error"]["details"]} == {"notice_number", "deadline"}
    status, body = enforce(api, xiaodian, U1, {**ORDER, "notice_date": "2026-06-30"})  # the due date itself
    assert status == 422 and body["error"]["details"][0]["field"] == "notice_date"
    assert enforce(api, xiaodian, U1, {**ORDER, "step": "fine"})[0] == 422
    assert enforce(api, xiaodian, U1, {**ORDER, "notice_number": ["x"]})[0] == 422
    assert container.store.get_enforcement(U1, 2025) is None  # nothing half-saved
    page = signed_in(listed, "yingze")
    page.get("/review/overdue")
    assert page.post(f"/review/overdue/{U1}/enforcement", {**ORDER, "year": "2025"}).status_code == 403


def test_department_accounts_read_the_list_of_their_division_only(listed, container):
    from openpyxl import load_workbook
    for username, scope in (("ty-jiancha", "140100"), ("dt-jiancha", "140200")):
        container.accounts.create_reviewer(username, PASSWORD, scope, username, role=Role.DATA_SHARING)
    api = Api(listed)
    assert enforce(api, api.login("xiaodian", PASSWORD), U1, ORDER)[0] == 200

    taiyuan = api.login("ty-jiancha", PASSWORD)
    items = overdue_items(api, taiyuan)
    assert set(items) == {U1, U2, U3} and items[U1]["enforcement"]["last_step_label"] == "责令限期改正"
    assert set(overdue_items(api, taiyuan, "&step=ordered")) == {U1}
    assert api.call("GET", "/overdue?year=2025&division=140213", token=taiyuan)[0] == 403
    assert enforce(api, taiyuan, U1, {"year": 2025, "step": "correct"})[0] == 403  # read-only
    datong = api.login("dt-jiancha", PASSWORD)
    assert set(overdue_items(api, datong)) == {U4}  # nothing of 太原市
    assert api.call("GET", "/overdue?year=2025&division=140105", token=datong)[0] == 403
    container.accounts.create_reviewer("xd-shebao", PASSWORD, "140105", "小店社保", role=Role.DATA_SHARING)
    county = api.login("xd-shebao", PASSWORD)  # any department, down to a county: its list and its statistics
    assert set(overdue_items(api, county)) == {U1, U2}
    assert api.call("GET", "/share/stats?year=2025", token=county)[0] == 200

    page = signed_in(listed, "ty-jiancha")
    body = text(page.get("/review/overdue?year=2025"))
    assert usccs_on_page(body) == {U1, U2, U3} and "记录责令限期改正" not in body and "返回审核列表" not in body
    _, workbook = exported(page, container, "/review/overdue/export?year=2025&step=ordered")
    rows = list(load_workbook(io.BytesIO(workbook)).active.iter_rows(values_only=True))
    assert rows[1][-6:] == ("执法状态", "最近执法步骤", "步骤日期", "责令改正文书编号", "改正期限", "移交文书编号或说明")
    assert [r[2] for r in rows[2:]] == [U1]
    assert rows[2][-6:-1] == ("责令改正中", "责令限期改正", "2026-07-09", "小人社监令〔2026〕7号", "2026-07-20")
    assert signed_in(listed, "dt-jiancha").post("/review/overdue/export?year=2025&division=140105", {}).status_code == 403


def test_the_accounts_page_shows_a_department_accounts_division(listed, container):
    container.accounts.create_admin("ty-jiancha", "140000", "太原监察", role=Role.DATA_SHARING,
                                    department="劳动保障监察", scope="140100")
    container.accounts.create_reviewer("sx-admin", PASSWORD, "140000", "省管理员", role=Role.SYSTEM_ADMIN)
    page = signed_in(listed, "sx-admin")
    body = text(page.get("/admin/accounts?division=140100"))
    assert "ty-jiancha" in body and "数据共享账号（劳动保障监察）" in body and "数据范围：太原市" in body
    assert "太原市" in text(page.get("/admin/accounts/ty-jiancha")) and "数据范围" in text(page.get("/admin/accounts/ty-jiancha"))
