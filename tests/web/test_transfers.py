"""变更审核机关 through the API and the pages (docs/rules.md §11): the unit asks, the receiving authority accepts
or refuses, the asker withdraws, the province transfers directly; afterwards new submissions land in the new
authority's queue, filings already submitted stay with the old one, and both read the unit's history."""
from __future__ import annotations

import pytest
from chalice.test import Client

from tests import factories
from tests.api_client import Api
from tests.web.test_pages import Browser, location, text

PASSWORD = "Transfer-Passw0rd"
XIAODIAN, YINGZE = "140105", "140106"


@pytest.fixture
def container(backend_container):
    """Every test here runs on the embedded and on the AWS backend."""
    return backend_container


@pytest.fixture
def api(container):
    from app import app
    c = container
    for username, division in (("xiaodian", XIAODIAN), ("yingze", YINGZE), ("xinghualing", "140107"),
                               ("province", "140000")):
        c.accounts.create_reviewer(username, PASSWORD, division, username, email=f"{username}@hrss.example.cn")
    with Client(app) as client:
        api = Api(client)
        api.bucket = c.settings.bucket_name  # AWS mode: where presigned uploads land
        yield api


def filing_ready(api: Api, filer: str, year: int) -> str:
    _, filing = api.call("POST", "/filings", {"year": year}, filer)
    api.call("PUT", f"/filings/{filing['id']}/table1", factories.table1(1), filer)
    api.upload(filing["id"], "table2", factories.table2_workbook([factories.person(0)]), filer)
    return filing["id"]


def unit(api: Api, serial: int = 1) -> str:
    status, body = api.call("POST", "/employers/register", factories.registration(serial))
    assert status == 201, body
    return api.login(factories.uscc(serial), "Passw0rd!26")


def ask(api: Api, token: str, to: str = YINGZE, serial: int = 1, **extra):
    return api.call("POST", f"/units/{factories.uscc(serial)}/transfers",
                    {"to_code": to, "reason": "注册地已迁至迎泽区", **extra}, token)


def test_after_acceptance_new_submissions_go_to_the_new_authority_and_both_read_the_history(api, container):
    filer = unit(api)
    handled = filing_ready(api, filer, 2024)
    assert api.call("POST", f"/filings/{handled}/submit", {"declaration_accepted": True}, token=filer)[1]["receipt_no"].startswith("BA-140105-")
    draft = filing_ready(api, filer, 2025)  # not yet with any reviewer: it moves with the unit

    status, transfer = ask(api, filer)
    assert status == 201 and transfer["status"] == "requested" and transfer["to"]["code"] == YINGZE
    third, old, new = (api.login(u, PASSWORD) for u in ("xinghualing", "xiaodian", "yingze"))
    status, body = api.call("POST", f"/transfers/{transfer['id']}/accept", {"version": 1}, third)
    assert status == 404  # a third county does not even see the request
    status, body = api.call("POST", f"/transfers/{transfer['id']}/accept", {"version": 1}, old)
    assert status == 403 and "接收机关" in body["error"]["message"]  # the authority it leaves cannot accept
    status, incoming = api.call("GET", "/transfers?direction=incoming", token=new)
    assert [t["id"] for t in incoming["items"]] == [transfer["id"]]
    status, body = api.call("POST", f"/transfers/{transfer['id']}/accept", {"version": 1}, new)
    assert status == 200 and body["status"] == "accepted"
    status, body = api.call("POST", f"/transfers/{transfer['id']}/accept", {"version": 1}, new)
    assert status == 409

    assert container.store.get_unit(factories.uscc(1)).authority_code == YINGZE
    status, submitted = api.call("POST", f"/filings/{draft}/submit", {"declaration_accepted": True}, token=filer)
    assert status == 200 and submitted["receipt_no"].startswith("BA-140106-2025-")
    new_queue = api.call("GET", "/filings?status=submitted", token=new)[1]["items"]
    old_queue = api.call("GET", "/filings?status=submitted", token=old)[1]["items"]
    assert [f["id"] for f in new_queue] == [draft] and [f["id"] for f in old_queue] == [handled]
    # the old authority still reads (and decides) what it handled; the new one reads the whole history, read-only
    assert api.call("GET", f"/filings/{handled}", token=old)[0] == 200
    status, history = api.call("GET", f"/filings/{handled}", token=new)
    assert status == 200 and history["authority"]["code"] == XIAODIAN
    version = history["version"]
    assert api.call("GET", f"/filings/{handled}/rows/table2", token=new)[0] == 200
    assert api.call("POST", f"/filings/{handled}/review", {"decision": "approve", "version": version}, new)[0] == 403
    assert api.call("GET", f"/filings/{draft}", token=old)[0] == 403
    assert api.call("GET", f"/filings/{handled}", token=third)[0] == 403
    assert api.call("POST", f"/filings/{handled}/review", {"decision": "approve", "version": version}, old)[0] == 200

    told = {(m.to, m.subject) for m in container.store.list_messages()}
    assert {("yingze@hrss.example.cn", "审核机关变更申请待接收"), ("filer1@example.com", "审核机关变更已完成"),
            ("xiaodian@hrss.example.cn", "审核机关变更已完成")} <= told
    sms = next(m for m in container.store.list_messages() if m.channel == "sms" and m.subject == "审核机关变更已完成")
    assert sms.template == "transfer" and sms.params == {"unit": "山西演示科技有限公司1", "status": "已变更"}
    events = [e for e in container.store.list_audit() if e.target == transfer["id"]]
    assert [(e.action, e.detail["from"], e.detail["to"]) for e in events] == [
        ("transfer_accept", "requested", "accepted"), ("transfer_request", None, "requested")]
    assert (events[0].detail["from_authority"], events[0].detail["to_authority"]) == (XIAODIAN, YINGZE)


def test_refusal_needs_a_reason_one_open_request_and_the_asker_withdraws(api, container):
    filer = unit(api)
    new = api.login("yingze", PASSWORD)
    status, first = ask(api, filer)
    assert ask(api, filer, to="140100")[0] == 409  # one open request per unit
    status, body = api.call("POST", f"/transfers/{first['id']}/refuse", {"version": 1, "reason": " "}, new)
    assert status == 422 and body["error"]["details"][0]["field"] == "reason"
    status, body = api.call("POST", f"/transfers/{first['id']}/refuse", {"version": 1, "reason": "不属本辖区"}, new)
    assert status == 200 and body["status"] == "refused" and body["refusal"] == "不属本辖区"
    assert container.store.get_unit(factories.uscc(1)).authority_code == XIAODIAN

    old = api.login("xiaodian", PASSWORD)  # the current authority may ask too; only the asker withdraws
    container.clock.advance(minutes=5)
    status, second = ask(api, old, to="140100")
    assert status == 201 and not second["asked_by_unit"]
    assert api.call("POST", f"/transfers/{second['id']}/cancel", {"version": 1}, filer)[0] == 403
    status, body = api.call("POST", f"/transfers/{second['id']}/cancel", {"version": 1}, old)
    assert status == 200 and body["status"] == "cancelled"
    status, mine = api.call("GET", f"/units/{factories.uscc(1)}/transfers", token=filer)
    assert [t["status"] for t in mine["items"]] == ["cancelled", "refused"]
    assert ask(api, filer, to=XIAODIAN)[0] == 422  # already there
    assert ask(api, filer, to="140171")[0] == 422  # a statistical zone files with its city: no authority of its own


def test_only_the_province_transfers_directly(api, container):
    unit(api)
    county = api.login("xiaodian", PASSWORD)
    assert ask(api, county, direct=True)[0] == 403
    province = api.login("province", PASSWORD)
    status, body = ask(api, province, to="140000", direct=True)
    assert status == 201 and body["status"] == "accepted" and body["direct"]
    assert container.store.get_unit(factories.uscc(1)).authority_code == "140000"
    assert ask(api, county)[0] == 403  # no longer its unit



def test_a_moved_unit_is_a_new_version_and_a_closed_unit_is_not_moved(api, container):
    """A closure recorded on the unit as read before it moved loses (the old authority's page is stale); a closed
    unit files nothing more, so there is nothing to route (docs/rules.md §11)."""
    unit(api)
    read_before = container.store.get_unit(factories.uscc(1)).version
    province = api.login("province", PASSWORD)
    assert ask(api, province, to=YINGZE, direct=True)[0] == 201
    status, body = api.call("POST", f"/units/{factories.uscc(1)}/closure",
                            {"kind": "deregistered", "date": "2026-01-31", "evidence": "迎市监注销〔2026〕1号",
                             "version": read_before}, province)
    assert status == 409, body
    version = container.store.get_unit(factories.uscc(1)).version
    assert version == read_before + 1
    assert api.call("POST", f"/units/{factories.uscc(1)}/closure",
                    {"kind": "deregistered", "date": "2026-01-31", "evidence": "迎市监注销〔2026〕1号",
                     "version": version}, province)[0] == 200
    status, body = ask(api, province, to=XIAODIAN, direct=True)
    assert status == 409 and "已注销" in body["error"]["message"], body
    assert container.store.get_unit(factories.uscc(1)).authority_code == YINGZE

def signed_in(client, username: str, password: str = PASSWORD) -> Browser:
    b = Browser(client)
    b.get("/login")
    assert b.post("/login", {"username": username, "password": password}).status_code == 303
    return b


def test_the_routing_warning_links_to_the_form_which_suggests_the_new_authority(api, container):
    filer = unit(api)
    filing = filing_ready(api, filer, 2025)
    api.call("PUT", f"/filings/{filing}/table1", factories.table1(1, registration_division=YINGZE), filer)
    b = signed_in(api.client, factories.uscc(1), "Passw0rd!26")
    page = text(b.get(f"/employer/filings/{filing}"))
    assert "请联系太原市小店区人力资源和社会保障局办理审核机关变更" in page and 'href="/transfers/new"' in page

    form = text(b.get("/transfers/new"))
    assert "应由<strong>太原市迎泽区人力资源和社会保障局</strong>审核" in form
    assert '<option value="140106" selected>太原市迎泽区人力资源和社会保障局（建议）</option>' in form
    assert '<optgroup label="太原市人力资源和社会保障局">' in form
    response = b.post("/transfers/new", {"to_code": "", "reason": "注册地变更"})
    assert response.status_code == 422 and "请从列表中选择新的审核机关" in text(response)
    response = b.post("/transfers/new", {"to_code": YINGZE, "reason": "注册地变更"})
    assert response.status_code == 303
    transfer_page = location(response)
    assert "待接收机关处理" in text(b.get(transfer_page)) and 'id="cancel-form"' in text(b.get(transfer_page))

    reviewer = signed_in(api.client, "yingze")
    listing = text(reviewer.get("/transfers"))
    assert "山西演示科技有限公司1" in listing and "/accept" in listing
    transfer_id = transfer_page.rsplit("/", 1)[1]
    refused = reviewer.post(f"/transfers/{transfer_id}/refuse", {"version": "1", "reason": ""})
    assert refused.status_code == 422 and "请填写不予接收的理由" in text(refused)
    assert reviewer.post(f"/transfers/{transfer_id}/accept", {"version": "1"}).status_code == 303
    detail = text(reviewer.get(f"/transfers/{transfer_id}"))
    assert "已变更" in detail and "此后提交的备案由太原市迎泽区人力资源和社会保障局审核" in detail
    home = text(b.get("/employer"))
    assert "<dt>备案审核机关</dt><dd>太原市迎泽区人力资源和社会保障局" in home and "：已变更" in home
    third = signed_in(api.client, "xinghualing")
    assert third.post(f"/transfers/{transfer_id}/accept", {"version": "2"}).status_code == 404
