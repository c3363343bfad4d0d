"""The statistics dashboard: counters per sub-division, the signing rate, SVG charts with tables; who may see it."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from chalice.test import Client

from chalicelib.domain.filing import Filing, RowSet
from chalicelib.services.accounts import Registration
from chalicelib.services.audit import audit_event
from tests import factories
from tests.job_worker import exported
from tests.web.test_overdue import EVIL, JULY_9_0900, PASSWORD, signed_in
from tests.web.test_pages import text


def cells(page) -> str:
    """The page's table rows as text: cells separated by one space, rows by " | "."""
    import re
    rows = re.findall(r"<tr>(.*?)</tr>", page.body.decode(), re.DOTALL)
    return " | ".join(" ".join(re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.DOTALL))
                      for r in rows)


def annual(c, uscc: str, authority: str, due: int, signed: int, *steps: str, name: str = "单位",
           rows: list[dict] | None = None) -> None:
    """An annual 2025 filing walked through `steps` straight through the store (the counters' writer)."""
    at = JULY_9_0900 - dt.timedelta(days=30)
    f = Filing(id=uuid.uuid4().hex, uscc=uscc, unit_name=name, authority_code=authority, year=2025, kind="annual",
               tables=("table1",), created_at=at, updated_at=at,
               table1={"contracts_due": due, "contracts_signed": signed, "industry": "C"})
    if rows:
        c.store.put_rows(f"up-{uscc}", 0, rows)
        f = f.model_copy(update={"row_sets": {"table2": RowSet(upload_id=f"up-{uscc}", rows=len(rows))}})
    c.store.create_filing(f, audit=audit_event(at, "t", "create", f.id))
    for n, step in enumerate(steps, 1):
        now = at + dt.timedelta(minutes=n)
        after = (f.submit(actor="u", now=now, receipt_no=f"R{n}") if step == "submit"
                 else f.review(decision=step, reason="缺", actor="r", now=now))
        c.store.save_filing(after, expected_version=f.version)
        f = after


@pytest.fixture
def board(backend_container, clock):
    """Both backends: the counters are the store's."""
    c = backend_container
    for username, scope in (("xiaodian", "140105"), ("taiyuan", "140100"), ("sheng", "140000")):
        c.accounts.create_reviewer(username, PASSWORD, scope, username, email=f"{username}@hrss.example.cn")
    for serial, division in ((1, "140105"), (2, "140105"), (3, "140106"), (4, "140213")):
        c.accounts.register(Registration(**factories.registration(serial, registration_division=division)))
    clock.current = JULY_9_0900
    annual(c, factories.uscc(1), "140105", 10, 8, "submit", "approve", name=EVIL,
           rows=[factories.person(1, name="=1+2")])
    annual(c, factories.uscc(3), "140106", 4, 4, "submit", "reject")
    from app import app
    with Client(app) as client:
        yield client


def test_the_province_sees_one_line_per_city_with_charts_and_tables(board):
    page = signed_in(board, "sheng").get("/stats?year=2025")
    body = cells(page)
    assert page.status_code == 200
    assert page.body.decode().count("<svg") == 3 and "cdn" not in page.body.decode().lower()
    assert "太原市" in body and "大同市" in body and "小店区" not in body
    # 太原市: 3 registered, 1 filed and approved, 1 rejected, 2 overdue (past 30 June); 8 of 10 contracts
    assert "太原市 3 3 1 1 1 2" in body and "逾期未备案" in text(page)
    assert "太原市 10 8 80.0%" in body and "C 制造业 10 8 80.0%" in body  # approved filings only
    assert "大同市 1 1 0 0 0 1" in body


def test_a_city_sees_its_counties_and_a_county_itself(board):
    city = cells(signed_in(board, "taiyuan").get("/stats?year=2025"))
    assert "小店区 2 2 1 1 0 1" in city and "迎泽区 1 1 0 0 1 1" in city and "大同市" not in city
    county = cells(signed_in(board, "xiaodian").get("/stats"))
    assert "小店区 2 2 1 1 0 1" in county and "迎泽区" not in county and "80.0%" in county


def test_filers_cannot_see_statistics(board):
    from tests.web.test_pages import Browser
    assert board.http.get("/stats").status_code in (302, 303)  # not signed in: to the login page
    b = Browser(board)
    b.get("/login")
    assert b.post("/login", {"username": factories.uscc(1), "password": "Passw0rd!26"}).status_code == 303
    refused = b.get("/stats")
    assert refused.status_code == 403 and "无权" in text(refused)


def test_a_bad_year_is_a_clear_message(board):
    page = signed_in(board, "sheng").get("/stats?year=1990")
    assert page.status_code == 422 and "统计年度应在" in text(page)


def test_export_goes_to_the_blob_store_formula_safe_masked_and_audited(board, backend_container):
    import io

    import openpyxl
    b = signed_in(board, "taiyuan")
    b.get("/stats?year=2025")
    _, data = exported(b, backend_container, "/stats/export", {"year": "2025"})
    event = next(e for e in backend_container.store.list_audit(5) if e.action == "export")
    assert (event.actor, event.scope, event.target, event.detail["filings"]) == ("taiyuan", "140100", "stats", 2)
    book = openpyxl.load_workbook(io.BytesIO(data))
    filings = list(book["备案"].iter_rows(values_only=True))
    assert {r[1] for r in filings[1:]} == {EVIL, "单位"}  # 太原市's two filings, 大同市's not
    from chalicelib.domain.calendar import local_text
    submitted = JULY_9_0900 - dt.timedelta(days=30) + dt.timedelta(minutes=1)  # `annual`'s first step
    assert filings[0][7] == "提交时间（北京时间）" and {r[7] for r in filings[1:]} == {local_text(submitted)}
    evil = next(c for row in book["备案"].iter_rows() for c in row if c.value == EVIL)
    assert evil.data_type == "s" and evil.quotePrefix  # kept as text, never a formula
    people = list(book["表二人员"].iter_rows(values_only=True))
    person = factories.person(1)
    assert people[1][:3] == (factories.uscc(1), EVIL, "=1+2") and person["id_number"] not in str(people)
    assert person["id_number"][-4:] in str(people)  # masked: last four kept
