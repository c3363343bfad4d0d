"""A unit's life through the app (docs/rules.md §11): the founding date at registration and filled in later, a
closure asked by the unit and confirmed or refused by its authority, reopening; what the filer, the overdue list,
the reminders and the statistics then show; who may do what."""
from __future__ import annotations

import datetime as dt

import pytest
from chalice.test import Client

from chalicelib.services.accounts import Registration
from tests import factories
from tests.api_client import Api
from tests.web.test_overdue import JULY_9_0900, PASSWORD, signed_in, usccs_on_page
from tests.web.test_pages import Browser, text

U1, U2 = factories.uscc(1), factories.uscc(2)


@pytest.fixture
def world(container):
    """Two 小店区 units founded in 2015 (owing 2022–2025), reviewers of 小店区, 迎泽区 and 太原市; 2 March 2026."""
    for username, scope in (("xiaodian", "140105"), ("yingze", "140106"), ("taiyuan", "140100")):
        container.accounts.create_reviewer(username, PASSWORD, scope, username, email=f"{username}@hrss.example.cn")
    for serial in (1, 2):
        container.accounts.register(Registration(**factories.registration(serial)))
    from app import app
    with Client(app) as client:
        yield client


def filer(client, uscc: str) -> Browser:
    b = Browser(client)
    b.get("/login")
    assert b.post("/login", {"username": uscc, "password": "Passw0rd!26"}).status_code == 303
    return b


def version(container, uscc: str) -> int:
    return container.store.get_unit(uscc).version


def subjects_to(container, address: str) -> list[str]:
    return [m.subject for m in container.store.list_messages() if m.to == address]


def test_registration_asks_for_the_founding_date(world):
    api = Api(world)
    for serial, (value, message) in enumerate((("", "请填写成立日期"), ("2026-03-03", "不能晚于今天"),
                                               ("1949-09-30", "1949-10-01"), ("2015/6/1", "应为日期")), start=10):
        # each its own mobile: a number gets one SMS code a minute (docs/rules.md §12)
        status, body = api.call("POST", "/employers/register", factories.registration(serial, founded_on=value))
        assert status == 422, value
        assert any(d["field"] == "founded_on" and message in d["message"] for d in body["error"]["details"]), body
    page = Browser(world)
    page.get("/register")
    assert 'name="founded_on"' in text(page.get("/register"))
    assert api.call("POST", "/employers/register", factories.registration(3, founded_on="2026-01-05"))[0] == 201
    owner = api.login(factories.uscc(3), "Passw0rd!26")
    status, body = api.call("POST", "/filings", {"year": 2025}, owner)  # founded this year: owes nothing yet
    assert status == 422 and body["error"]["message"] == "单位成立于2026-01-05，不需要备案2025年度"
    home = text(filer(world, factories.uscc(3)).get("/employer"))
    assert "开始2025年度备案" not in home and "成立日期" in home


def test_a_closure_asked_by_the_unit_and_confirmed_by_its_authority(world, container, clock):
    api = Api(world)
    own = api.login(U1, "Passw0rd!26")
    status, body = api.call("POST", f"/units/{U1}/closure-request",
                            {"kind": "deregistered", "date": "2026-02-20", "note": "已办结注销登记", "version": 1}, own)
    assert status == 201 and body["closure_request"]["status"] == "pending"
    assert body["status_label"] == "正常（已申请注销，待确认）"

    # another unit's filer cannot see or ask for it; another county's reviewer cannot act on it
    other = api.login(U2, "Passw0rd!26")
    assert api.call("GET", f"/units/{U1}", token=other)[0] == 404
    assert api.call("POST", f"/units/{U1}/closure-request", {"kind": "deregistered", "version": 2}, other)[0] == 404
    yingze = signed_in(world, "yingze")
    assert yingze.get(f"/units/{U1}").status_code == 403
    assert U1 not in text(yingze.get("/review/closures"))

    county = signed_in(world, "xiaodian")
    queue = text(county.get("/review/closures"))
    assert U1 in queue and "已办结注销登记" in queue
    page = text(county.get(f"/units/{U1}"))
    assert "确认注销申请" in page and "2026-02-20" in page
    stale = county.post(f"/units/{U1}/closure", {"kind": "deregistered", "date": "2026-02-20",
                                                 "evidence": "小市监注销字〔2026〕第18号", "version": "1"})
    assert stale.status_code == 409 and "已被他人修改" in text(stale)
    missing = county.post(f"/units/{U1}/closure", {"kind": "deregistered", "date": "2026-02-20", "evidence": "",
                                                   "version": str(version(container, U1))})
    assert missing.status_code == 422 and "请填写文书编号" in text(missing)
    done = county.post(f"/units/{U1}/closure", {"kind": "deregistered", "date": "2026-02-20",
                                                "evidence": "小市监注销字〔2026〕第18号",
                                                "version": str(version(container, U1))})
    assert done.status_code == 303
    page = text(county.get(f"/units/{U1}"))
    assert "已注销（2026-02-20）" in page and "小市监注销字〔2026〕第18号" in page and "恢复备案" in page
    assert U1 not in text(county.get("/review/closures"))
    audit = next(e for e in container.store.list_audit() if e.action == "record_closure")
    assert (audit.detail["from"], audit.detail["to"], audit.actor) == ("active", "closed", "xiaodian")
    assert subjects_to(container, "filer1@example.com") == ["单位注销（吊销、撤销、迁出）已登记"]
    assert subjects_to(container, "13800000001") == ["单位注销（吊销、撤销、迁出）已登记"]

    # the filer still signs in and reads, but starts nothing new except the years overdue before the closure
    home = text(filer(world, U1).get("/employer"))
    assert "已注销（2026-02-20）" in home and "不能新建备案" in home and "单独填报表三" not in home
    status, body = api.call("POST", "/filings", {"year": 2025}, own)
    assert status == 422 and "单位已于2026-02-20注销，不能再新建或提交备案" in body["error"]["message"]
    assert api.call("POST", "/filings", {"year": 2026, "kind": "interim"}, own)[0] == 422
    assert api.call("POST", "/filings", {"year": 2024}, own)[0] == 201  # due 2025-06-30: overdue before it closed

    # 2025 (due 2026-06-30) is not owed: off the list, no reminders, counted as closed; 2024 still owed
    clock.current = JULY_9_0900
    reminded = container.reminders.run_daily().reminded
    assert {(r.uscc, r.step.year) for r in reminded if r.uscc == U1} == {(U1, 2022), (U1, 2023), (U1, 2024)}
    county = signed_in(world, "xiaodian")  # months later: a new session
    assert usccs_on_page(text(county.get("/review/overdue?year=2025"))) == {U2}
    assert usccs_on_page(text(county.get("/review/overdue?year=2024"))) == {U1, U2}
    assert container.store.stats(2025)["140105"] == {"expected": 1, "closed": 1}
    assert "已注销免报" in text(county.get("/stats?year=2025"))


def test_the_city_reopens_a_closed_unit_and_it_owes_again(world, container):
    api = Api(world)
    city = api.login("taiyuan", PASSWORD)  # the authority's city: above it in the jurisdiction chain
    status, body = api.call("POST", f"/units/{U1}/closure", {"kind": "moved_out", "date": "2026-01-31",
                                                             "evidence": "迁出证明1号", "version": 1}, city)
    assert status == 200 and body["status"] == "closed"
    assert api.call("POST", f"/units/{U1}/reopen", {"reason": "", "version": 2}, city)[0] == 422
    assert api.call("POST", f"/units/{U1}/reopen", {"reason": "迁出未成", "version": 1}, city)[0] == 409
    status, body = api.call("POST", f"/units/{U1}/reopen", {"reason": "迁出未成", "version": 2}, city)
    assert status == 200 and body["status"] == "active" and body["closures"][0]["reopened_on"] == "2026-03-02"
    assert [o.uscc for o in container.store.units_owing(2025).items] == [U1, U2]
    assert sorted(subjects_to(container, "filer1@example.com")) == ["单位已恢复备案", "单位注销（吊销、撤销、迁出）已登记"]
    event = next(e for e in container.store.list_audit() if e.action == "reopen_unit")
    assert event.detail == {"from": "closed", "to": "active", "reason": "迁出未成", "date": "2026-03-02"}
    own = api.login(U1, "Passw0rd!26")
    assert api.call("POST", "/filings", {"year": 2025}, own)[0] == 201
    yingze = api.login("yingze", PASSWORD)
    assert api.call("POST", f"/units/{U2}/closure", {"kind": "moved_out", "date": "2026-01-31",
                                                     "evidence": "1", "version": 1}, yingze)[0] == 403


def test_the_authority_refuses_a_request_with_a_reason(world, container):
    own = filer(world, U1)
    asked = own.post("/employer/closure-request", {"kind": "revoked", "date": "2026-02-01", "note": "",
                                                  "version": "1"})
    assert asked.status_code == 303
    again = own.post("/employer/closure-request", {"kind": "revoked", "date": "2026-02-01", "version": "2"})
    assert again.status_code == 409 and "待确认" in text(again)
    county = signed_in(world, "xiaodian")
    assert county.post(f"/units/{U1}/refuse", {"reason": "", "version": "2"}).status_code == 422
    assert county.post(f"/units/{U1}/refuse", {"reason": "吊销决定书未生效", "version": "2"}).status_code == 303
    home = text(own.get("/employer"))
    assert "审核机关未同意" in home and "吊销决定书未生效" in home and "提交申请" in home
    assert subjects_to(container, "filer1@example.com") == ["注销申请未获同意"]
    assert [o.uscc for o in container.store.units_owing(2025).items] == [U1, U2]


def test_a_unit_without_a_founding_date_fills_it_in_once_and_owes_from_then(world, container):
    before = container.store.get_unit(U1)  # as if registered before the date was asked
    legacy = before.model_copy(update={"founded_on": None, "version": 2})
    container.store.save_unit(legacy, expected_version=1, audit=container.store.list_audit()[0].model_copy(
        update={"id": "legacy-unit"}))
    own = filer(world, U1)
    assert "请补充成立日期" in text(own.get("/employer"))
    future = own.post("/employer/founding", {"founded_on": "2027-01-01", "version": "2"})
    assert future.status_code == 422 and "不能晚于今天" in text(future)
    assert own.post("/employer/founding", {"founded_on": "2025-09-01", "version": "2"}).status_code == 303
    home = text(own.get("/employer"))
    assert "请补充成立日期" not in home and "2025-09-01" in home
    api = Api(world)
    token = api.login(U1, "Passw0rd!26")
    status, body = api.call("PUT", f"/units/{U1}/founding", {"founded_on": "2024-01-01", "version": 3}, token)
    assert status == 409 and "联系备案审核机关" in body["error"]["message"]
    assert [o.uscc for o in container.store.units_owing(2025).items] == [U1, U2]
    assert U1 not in [o.uscc for o in container.store.units_owing(2024).items]

    county = signed_in(world, "xiaodian")  # the authority corrects it: 2024 becomes owed
    assert county.post(f"/units/{U1}/founding", {"founded_on": "2024-01-01", "version": "3"}).status_code == 303
    assert U1 in [o.uscc for o in container.store.units_owing(2024).items]
    event = [e for e in container.store.list_audit() if e.action == "set_founding_date"]
    assert [(e.actor, e.detail["from"], e.detail["to"]) for e in event] == [
        ("xiaodian", "2025-09-01", "2024-01-01"), (U1, None, "2025-09-01")]


def test_the_unit_page_is_reached_from_the_review_page_and_the_overdue_list(world, container, clock):
    api = Api(world)
    own = api.login(U1, "Passw0rd!26")
    _, filing = api.call("POST", "/filings", {"year": 2025}, own)
    api.call("PUT", f"/filings/{filing['id']}/table1", factories.table1(0), own)
    assert api.call("POST", f"/filings/{filing['id']}/submit", {"declaration_accepted": True}, token=own)[0] == 200
    county = signed_in(world, "xiaodian")
    assert f"/units/{U1}" in text(county.get(f"/review/filings/{filing['id']}"))
    clock.current = JULY_9_0900
    county = signed_in(world, "xiaodian")
    assert f"/units/{U2}" in text(county.get("/review/overdue"))
    page = text(county.get(f"/units/{U1}"))
    assert "2015-06-01" in page and filing["id"] in page and "2022、2023、2024、2025" in page
    assert dt.date(2015, 6, 1) == container.store.get_unit(U1).founded_on


def test_a_filing_submitted_before_the_closure_can_be_fixed_and_resubmitted_after_it(world, container):
    api = Api(world)
    own, county = api.login(U1, "Passw0rd!26"), api.login("xiaodian", PASSWORD)
    _, filing = api.call("POST", "/filings", {"year": 2025}, own)
    api.call("PUT", f"/filings/{filing['id']}/table1", factories.table1(0), own)
    assert api.call("POST", f"/filings/{filing['id']}/submit", {"declaration_accepted": True}, token=own)[0] == 200
    assert api.call("POST", f"/units/{U1}/closure", {"kind": "cancelled", "date": "2026-02-20",
                                                     "evidence": "撤销决定书3号", "version": 1}, county)[0] == 200
    _, shown = api.call("GET", f"/filings/{filing['id']}", token=county)
    status, _ = api.call("POST", f"/filings/{filing['id']}/review",
                         {"decision": "reject", "reason": "表一地址有误", "version": shown["version"]}, county)
    assert status == 200
    assert api.call("POST", f"/filings/{filing['id']}/submit", {"declaration_accepted": True}, token=own)[0] == 200
    assert api.call("POST", "/filings", {"year": 2026, "kind": "interim"}, own)[0] == 422
