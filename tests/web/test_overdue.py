"""未依法备案单位名单: the reviewer page (in scope only), the Excel export (no formula injection), the JSON API;
and the operator's ways to run the daily job (CLI, the embedded scheduler)."""
from __future__ import annotations

import datetime as dt
import io
import threading
import zipfile

import pytest
from chalice.test import Client

from chalicelib.services.accounts import Registration
from tests import factories
from tests.job_worker import exported
from tests.api_client import Api
from tests.web.test_pages import Browser, text

PASSWORD = "Review-Passw0rd"
JULY_9_0900 = dt.datetime(2026, 7, 9, 1, 0, tzinfo=dt.timezone.utc)  # 2025 is 9 days overdue; step D+8
EVIL = "=HYPERLINK(\"http://evil.example/\",\"点击\")"


@pytest.fixture
def listed(container, clock):
    """Units in 小店区 (one with a hostile name), 迎泽区 and 平城区, registered in March 2026 (owing 2025),
    none filed; reviewers of those counties, 太原市 and the province; the daily job has run on 9 July."""
    c = container
    for username, scope in (("xiaodian", "140105"), ("yingze", "140106"), ("taiyuan", "140100"),
                            ("sheng", "140000"), ("pingcheng", "140213")):
        c.accounts.create_reviewer(username, PASSWORD, scope, username, email=f"{username}@hrss.example.cn")
    for serial, division, extra in ((1, "140105", {"name": EVIL, "registered_address": "+86 长治路1号",
                                                   "filer_name": "@李四"}),
                                    (2, "140105", {}), (3, "140106", {}), (4, "140213", {})):
        c.accounts.register(Registration(**factories.registration(serial, registration_division=division, **extra)))
    clock.current = JULY_9_0900
    c.reminders.run_daily()
    from app import app
    with Client(app) as client:
        yield client


def signed_in(client, username: str) -> Browser:
    b = Browser(client)
    b.get("/login")
    assert b.post("/login", {"username": username, "password": PASSWORD}).status_code == 303
    return b


def usccs_on_page(body: str) -> set[str]:
    return {factories.uscc(n) for n in range(1, 5) if factories.uscc(n) in body}


def test_each_authority_sees_its_own_overdue_units(listed):
    county = signed_in(listed, "xiaodian").get("/review/overdue")
    body = text(county)
    assert county.status_code == 200 and "2025年度未依法备案单位名单" in body
    assert usccs_on_page(body) == {factories.uscc(1), factories.uscc(2)}
    assert "逾期第8天" in body and "未填报" in body
    assert "&#34;http://evil.example/&#34;" in body or "&quot;http://evil.example/&quot;" in body  # escaped

    city = signed_in(listed, "taiyuan")
    assert usccs_on_page(text(city.get("/review/overdue"))) == {factories.uscc(n) for n in (1, 2, 3)}
    assert usccs_on_page(text(city.get("/review/overdue?division=140106"))) == {factories.uscc(3)}
    assert city.get("/review/overdue?division=140213").status_code == 403
    assert usccs_on_page(text(signed_in(listed, "sheng").get("/review/overdue?year=2025"))) == \
        {factories.uscc(n) for n in range(1, 5)}
    assert signed_in(listed, "yingze").get("/review/overdue?year=2019").status_code == 422


def test_a_unit_that_files_leaves_the_list(listed, container):
    api = Api(listed)
    filer = api.login(factories.uscc(2), "Passw0rd!26")
    _, filing = api.call("POST", "/filings", {"year": 2025}, filer)
    api.call("PUT", f"/filings/{filing['id']}/table1", factories.table1(2), filer)
    api.upload(filing["id"], "table2", factories.table2_workbook([factories.person(0), factories.person(1)]), filer)
    assert api.call("POST", f"/filings/{filing['id']}/submit", {"declaration_accepted": True}, token=filer)[0] == 200
    assert usccs_on_page(text(signed_in(listed, "xiaodian").get("/review/overdue"))) == {factories.uscc(1)}


def test_the_excel_export_keeps_hostile_text_as_text(listed, container):
    from openpyxl import load_workbook
    browser = signed_in(listed, "taiyuan")
    browser.get("/review/overdue?year=2025")
    _, workbook = exported(browser, container, "/review/overdue/export?year=2025")
    with zipfile.ZipFile(io.BytesIO(workbook)) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")  # no formula anywhere
    sheet = load_workbook(io.BytesIO(workbook)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "太原市" in rows[0][0] and rows[1][:3] == ("序号", "单位名称", "统一社会信用代码")
    data = {r[2]: r for r in rows[2:]}
    assert set(data) == {factories.uscc(n) for n in (1, 2, 3)}
    evil = data[factories.uscc(1)]
    assert (evil[1], evil[4], evil[6]) == (EVIL, "+86 长治路1号", "@李四")  # exactly as registered
    cells = {c.value: c for c in next(r for r in sheet.iter_rows(min_row=3) if r[2].value == factories.uscc(1))}
    assert cells[EVIL].data_type == "s" and cells[EVIL].quotePrefix
    assert evil[10] == "未填报" and evil[12] == 9 and evil[13] == 1 and evil[14] == "2026-07-09 逾期第8天"


def test_the_json_api(listed):
    api = Api(listed)
    status, body = api.call("GET", "/overdue?year=2025", token=api.login("xiaodian", PASSWORD))
    assert status == 200 and body["due_date"] == "2026-06-30" and body["overdue"] is True
    assert sorted(i["uscc"] for i in body["items"]) == [factories.uscc(1), factories.uscc(2)]
    item = body["items"][0]
    assert item["authority"]["code"] == "140105" and item["days_overdue"] == 9
    assert [r["step"] for r in item["reminders"]] == ["D+8"] and item["filing_status_label"] == "未填报"

    token = api.login("sheng", PASSWORD)
    first = api.call("GET", "/overdue?year=2025&limit=3", token=token)[1]
    rest = api.call("GET", f"/overdue?year=2025&limit=3&page_token={first['next_page_token']}", token=token)[1]
    assert len({i["uscc"] for i in first["items"] + rest["items"]}) == 4 and rest["next_page_token"] is None

    assert api.call("GET", "/overdue", token=api.login(factories.uscc(1), "Passw0rd!26"))[0] == 403
    assert api.call("GET", "/overdue?year=abc", token=token)[0] == 422
    assert api.call("GET", "/overdue?page_token=%%%", token=token)[0] == 400
    assert api.call("GET", "/overdue?division=999999", token=token)[0] == 403  # no such division in scope
    assert api.call("GET", "/overdue")[0] == 401


def test_cli_daily_for_a_given_day(container, clock, capsys):
    from chalicelib.cli import main
    container.accounts.register(Registration(**factories.registration(1)))
    assert main(["daily", "--today", "2026-06-23", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "2026-06-23 每日提醒任务（演练" in out and "2025年度（截止前7天）：将提醒1家单位" in out
    assert factories.uscc(1) in out and "filer1@example.com" in out
    assert container.store.list_messages() == []
    assert main(["daily", "--today", "2026-06-23"]) == 0
    assert "已提醒1家单位" in capsys.readouterr().out
    assert main(["daily", "--today", "2026-06-23"]) == 0
    assert "今天没有需要发送的备案提醒" in capsys.readouterr().out
    assert len([m for m in container.store.list_messages() if "2025年度" in m.subject]) == 2


def test_embedded_scheduler_runs_the_job_at_nine_beijing_time(container, clock):
    from chalicelib.adapters.embedded import scheduler
    container.accounts.register(Registration(**factories.registration(1)))
    clock.current = dt.datetime(2026, 6, 23, 0, 59, tzinfo=dt.timezone.utc)  # 08:59 in Beijing
    lines, stop = [], threading.Event()
    worker = threading.Thread(target=scheduler.run, args=(container,),
                              kwargs={"stop": stop, "poll_seconds": 0.01, "out": lines.append})
    worker.start()
    try:
        stop.wait(0.2)
        assert lines == []
        clock.current = dt.datetime(2026, 6, 23, 1, 0, tzinfo=dt.timezone.utc)
        for _ in range(200):
            if lines:
                break
            stop.wait(0.02)
        stop.wait(0.1)  # more polls the same day run nothing more
    finally:
        stop.set()
        worker.join()
    assert "2026-06-23 每日提醒任务" in lines[0] and sum("每日提醒任务" in line for line in lines) == 1
    assert len([m for m in container.store.list_messages() if "2025年度" in m.subject]) == 2


def test_embedded_scheduler_retries_failed_notifications(container, clock):
    from chalicelib.adapters.embedded import scheduler
    from chalicelib.domain.model import Message
    clock.current = dt.datetime(2026, 6, 23, 0, 0, tzinfo=dt.timezone.utc)  # before the daily job's hour
    due = Message(id="retry-me", channel="email", to="r@example.cn", subject="重试", body="b",
                  created_at=clock.now(), attempts=1, next_attempt_at=clock.now())
    from tests.contract.test_store_contract import audit, filing, submitted
    f = filing()
    container.store.create_filing(f, audit=audit())
    container.store.save_filing(submitted(f, 1), expected_version=1, messages=[due])
    stop = threading.Event()
    worker = threading.Thread(target=scheduler.run, args=(container,),
                              kwargs={"stop": stop, "poll_seconds": 0.01, "out": lambda line: None})
    worker.start()
    try:
        for _ in range(200):
            if not container.store.pending_messages():
                break
            stop.wait(0.02)
    finally:
        stop.set()
        worker.join()
    assert container.store.pending_messages() == []
    assert next(m for m in container.store.list_messages() if m.id == "retry-me").status == "sent"


def test_the_export_is_audited(listed, container):
    browser = signed_in(listed, "taiyuan")
    browser.get("/review/overdue?year=2025")
    export_id, _ = exported(browser, container, "/review/overdue/export?year=2025")
    events = {e.action: e for e in container.store.list_audit(5)}
    assert (events["export"].actor, events["export"].target, events["export"].scope) == ("taiyuan", "overdue-list",
                                                                                        "140100")
    assert (events["export_requested"].target, events["export_requested"].detail["kind"]) == (export_id, "overdue")
