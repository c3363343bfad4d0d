"""Complete filing through the JSON API and the pages (embedded backend, in process): uploads refused with clear
messages, the error report, progress, abandoned imports, cross-table warnings, the calendar's tables,
interim 表三, prefill from the last approved filing, the roster diff and the leavers' 表三."""
from __future__ import annotations

import io
import json
import time
import zipfile

import openpyxl
import pytest
from chalice.test import Client

from chalicelib.domain.filing import Status
from chalicelib.domain.identifiers import mask_id
from tests import factories
from tests.job_worker import exported, finish_jobs
from tests.api_client import Api, multipart
from tests.web.test_pages import Browser, location, text

PEOPLE = [factories.person(i) for i in range(4)]


@pytest.fixture
def api(container):
    from app import app
    with Client(app) as client:
        yield Api(client)


def filer(api: Api, serial: int = 1) -> str:
    status, body = api.call("POST", "/employers/register", factories.registration(serial))
    assert status == 201, body
    return api.login(factories.uscc(serial), "Passw0rd!26")


def new_filing(api: Api, token: str, year: int = 2025, kind: str = "annual") -> dict:
    status, filing = api.call("POST", "/filings", {"year": year, "kind": kind}, token)
    assert status == 201, filing
    return filing


def approve(container, filing_id: str) -> None:
    """A reviewer's approval, straight through the domain (reviewing has its own tests; this tests what follows)."""
    now = container.clock.now()
    f = container.store.get_filing(filing_id)
    submitted = f.submit(actor="u", now=now, receipt_no=f"R-{filing_id[:6]}")
    container.store.save_filing(submitted, expected_version=f.version)
    approved = submitted.review(decision="approve", reason=None, actor="r", now=now)
    container.store.save_filing(approved, expected_version=submitted.version)


def start(api: Api, fid: str, token: str, table: str = "table2", filename: str = "名册.xlsx"):
    return api.call("POST", f"/filings/{fid}/uploads", {"table": table, "filename": filename}, token)


# -- refused files, each with a Chinese message ------------------------------------------------------
@pytest.mark.parametrize("filename,words", [("名册.xls", "另存为"), ("名册.xlsm", "宏"), ("名册.csv", "CSV"),
                                            ("名册.pdf", ".xlsx")])
def test_wrong_file_names_are_refused_before_upload(api, filename, words):
    token = filer(api)
    fid = new_filing(api, token)["id"]
    status, body = start(api, fid, token, filename=filename)
    assert status == 422 and words in body["error"]["message"]
    assert body["error"]["details"][0]["column"] == "文件"


def _xlsm() -> bytes:
    data = factories.table2_workbook(PEOPLE)
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            z.writestr(item, src.read(item))
        z.writestr("xl/vbaProject.bin", b"\0" * 64)
    return out.getvalue()


@pytest.mark.parametrize("content,words", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000, "旧版.xls"),  # an .xls renamed .xlsx
    ("序号,姓名\n1,张三\n".encode("gbk"), "CSV"),  # a .csv renamed
    (b"%PDF-1.4 not a workbook", "不是Excel工作簿"),
    (None, "含宏"),  # an .xlsm renamed
])
def test_renamed_files_are_refused_by_content(api, content, words):
    token = filer(api)
    fid = new_filing(api, token)["id"]
    upload = api.upload(fid, "table2", _xlsm() if content is None else content, token)
    assert upload["status"] == "failed" and words in upload["message"], upload
    assert upload["error_report_url"] is None  # nothing row-level to report


def test_an_untouched_template_is_refused_as_empty(api):
    token = filer(api)
    fid = new_filing(api, token)["id"]
    from chalicelib.excel.blank_forms import blank_form
    upload = api.upload(fid, "table2", blank_form("table2"), token)
    assert upload["status"] == "failed" and "没有填写任何数据" in upload["message"]


def test_headers_not_matching_the_template_are_refused(api):
    token = filer(api)
    fid = new_filing(api, token)["id"]
    upload = api.upload(fid, "table2", factories.workbook("table3", [factories.ended(PEOPLE[0])]), token)
    assert upload["status"] == "failed" and "模板" in upload["message"]


def test_a_file_over_the_size_limit_is_refused(api):
    token = filer(api)
    fid = new_filing(api, token)["id"]
    status, started = start(api, fid, token)
    big = factories.table2_workbook(PEOPLE) + b"\0" * (60 * 1024 * 1024)  # over the 50 MB policy
    body, ctype = multipart(started["fields"], "名册.xlsx", big)
    response = api.http.post("/api/v1/local-uploads", headers={"Content-Type": ctype}, body=body)
    assert response.status_code == 413
    assert "50MB" in json.loads(response.body)["error"]["message"]


# -- the error report -----------------------------------------------------------------------------
def bad_roster() -> tuple[bytes, int]:
    wrong = {**PEOPLE[2], "gender": "男" if PEOPLE[2]["gender"] == "女" else "女", "hukou": "外籍"}
    return factories.table2_workbook([PEOPLE[0], PEOPLE[1], wrong, PEOPLE[3]]), 4  # header row 1: wrong is row 4


def test_error_report_marks_the_users_own_rows(api, container):
    token = filer(api)
    fid = new_filing(api, token)["id"]
    data, bad_row = bad_roster()
    upload = api.upload(fid, "table2", data, token)
    assert upload["status"] == "failed" and {(e["row"], e["column"]) for e in upload["errors"]} == {
        (bad_row, "性别"), (bad_row, "户口性质")}
    assert upload["error_report_url"] == f"http://testserver/api/v1/filings/{fid}/uploads/{upload['upload_id']}/error-report"
    response = api.http.get(upload["error_report_url"].removeprefix("http://testserver"),
                            headers={"Authorization": f"Bearer {token}"})  # no Accept header: any type will do
    assert response.status_code == 200 and "filename*=UTF-8''" in response.headers["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(response.body)).worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[-1] == "错误说明"
    gender, hukou = header.index("性别") + 1, header.index("户口性质") + 1
    assert ws.cell(bad_row, gender).fill.fgColor.rgb.endswith("FFC7CE")
    assert ws.cell(bad_row, hukou).fill.fgColor.rgb.endswith("FFC7CE")
    assert ws.cell(bad_row - 1, gender).fill.fgColor.rgb in ("00000000", None)  # good rows stay plain
    note = ws.cell(bad_row, len(header)).value
    assert "【性别】" in note and "【户口性质】" in note
    assert ws.cell(2, header.index("姓名") + 1).value == PEOPLE[0]["name"]  # the user's own rows, all of them
    assert ws.cell(bad_row, header.index("证件号码") + 1).value == PEOPLE[2]["id_number"]


def test_error_report_is_only_for_whoever_may_read_the_filing(api):
    token = filer(api, 1)
    other = filer(api, 2)
    fid = new_filing(api, token)["id"]
    upload = api.upload(fid, "table2", bad_roster()[0], token)
    path = f"/api/v1/filings/{fid}/uploads/{upload['upload_id']}/error-report"
    assert api.http.get(path, headers={"Authorization": f"Bearer {other}", "Accept": "*/*"}).status_code == 404
    assert api.http.get(path, headers={"Accept": "*/*"}).status_code == 401


def test_fixed_error_report_uploads_as_it_is(api):
    token = filer(api)
    fid = new_filing(api, token)["id"]
    data, bad_row = bad_roster()
    upload = api.upload(fid, "table2", data, token)
    report = api.http.get(upload["error_report_url"].removeprefix("http://testserver"),
                          headers={"Authorization": f"Bearer {token}", "Accept": "*/*"}).body
    book = openpyxl.load_workbook(io.BytesIO(report))
    ws = book.worksheets[0]
    header = [c.value for c in ws[1]]
    ws.cell(bad_row, header.index("性别") + 1, PEOPLE[2]["gender"])
    ws.cell(bad_row, header.index("户口性质") + 1, "城镇")
    out = io.BytesIO()
    book.save(out)
    fixed = api.upload(fid, "table2", out.getvalue(), token)
    assert fixed["status"] == "done" and fixed["rows_done"] == 4, fixed


def test_blank_forms_download_for_a_client_that_sends_no_accept_header(api):
    for table in ("table1", "table2", "table3"):
        response = api.http.get(f"/api/v1/templates/{table}")
        assert response.status_code == 200 and response.body[:2] == b"PK", response.body[:200]


def test_local_download_links_are_signed(api, container):
    container.blobs.put("exports/x.xlsx", b"PK\x03\x04x")
    url = container.blobs.presigned_get("exports/x.xlsx", 60, "报告.xlsx").removeprefix("http://testserver")
    assert api.http.get(url).body == b"PK\x03\x04x"  # with or without an Accept header
    assert api.http.get(url, headers={"Accept": "*/*"}).body == b"PK\x03\x04x"
    assert api.http.get(url[:-3] + "abc", headers={"Accept": "*/*"}).status_code == 403


# -- progress, failed and abandoned imports, replacement -----------------------------------------
def test_progress_is_written_while_the_rows_are_imported(api, container, monkeypatch):
    from chalicelib.services import imports
    monkeypatch.setattr(imports, "BATCH", 2)
    seen = []
    put = container.store.put_upload
    monkeypatch.setattr(container.store, "put_upload",
                        lambda u: (seen.append((u.status, u.rows_done, u.rows_total)), put(u))[1])
    token = filer(api)
    fid = new_filing(api, token)["id"]
    upload = api.upload(fid, "table2", factories.table2_workbook([factories.person(i) for i in range(5)]), token)
    assert upload["status"] == "done" and (upload["rows_done"], upload["rows_total"]) == (5, 5)
    during = [(done, total) for status, done, total in seen if status == "processing"]
    assert (2, 5) in during and (4, 5) in during  # rows_total known up front, rows_done every batch


def test_failed_import_leaves_the_previous_rows_and_reupload_replaces(api, container):
    token = filer(api)
    fid = new_filing(api, token)["id"]
    first = api.upload(fid, "table2", factories.table2_workbook(PEOPLE[:2]), token)
    assert first["status"] == "done"
    assert api.upload(fid, "table2", bad_roster()[0], token)["status"] == "failed"
    status, rows = api.call("GET", f"/filings/{fid}/rows/table2", token=token)
    assert [r["name"] for r in rows["items"]] == [p["name"] for p in PEOPLE[:2]]
    assert api.upload(fid, "table2", factories.table2_workbook(PEOPLE), token)["status"] == "done"
    status, rows = api.call("GET", f"/filings/{fid}/rows/table2", token=token)
    assert rows["total"] == 4
    # the replaced rows are gone: cleared by the import's worker right after it reports "done"
    deadline = time.monotonic() + 10
    while container.store.get_rows(first["upload_id"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert container.store.get_rows(first["upload_id"]) == []


def test_abandoned_import_leaves_the_previous_rows_and_is_shown_as_interrupted(api, container, monkeypatch):
    from chalicelib.services import imports
    token = filer(api)
    fid = new_filing(api, token)["id"]
    assert api.upload(fid, "table2", factories.table2_workbook(PEOPLE[:2]), token)["status"] == "done"

    class ProcessDied(BaseException):  # not an Exception: nothing in the import gets to clean up
        pass

    monkeypatch.setattr(imports, "BATCH", 2)
    put_rows = container.store.put_rows
    calls = []

    def dies_on_second_batch(upload_id, start, rows):
        calls.append(start)
        if len(calls) == 2:
            raise ProcessDied()
        put_rows(upload_id, start, rows)

    monkeypatch.setattr(container.store, "put_rows", dies_on_second_batch)
    status, started = start(api, fid, token)
    container.blobs.put(started["fields"]["key"], factories.table2_workbook(PEOPLE))
    with pytest.raises(ProcessDied):
        container.imports.import_blob(started["fields"]["key"])
    monkeypatch.setattr(container.store, "put_rows", put_rows)

    status, filing = api.call("GET", f"/filings/{fid}", token=token)
    assert filing["row_counts"] == {"table2": 2}  # still the previous rows
    status, rows = api.call("GET", f"/filings/{fid}/rows/table2", token=token)
    assert [r["name"] for r in rows["items"]] == [p["name"] for p in PEOPLE[:2]]
    status, upload = api.call("GET", f"/filings/{fid}/uploads/{started['upload_id']}", token=token)
    assert upload["status"] == "processing" and upload["rows_done"] == 2
    container.clock.advance(minutes=16)  # no progress for longer than any live import goes quiet
    status, upload = api.call("GET", f"/filings/{fid}/uploads/{started['upload_id']}", token=token)
    assert upload["status"] == "failed" and "导入中断" in upload["message"]
    assert api.upload(fid, "table2", factories.table2_workbook(PEOPLE), token)["status"] == "done"


# -- 表一 through the API: prefill, checks, upload, cross-table warnings -----------------------------
def test_table1_prefill_and_routing_warning(api):
    token = filer(api)
    fid = new_filing(api, token)["id"]
    status, filing = api.call("GET", f"/filings/{fid}", token=token)
    prefill = filing["table1_prefill"]
    assert prefill["unit_name"] == factories.registration()["name"] and prefill["registration_division"] == "140105"
    status, body = api.call("PUT", f"/filings/{fid}/table1", factories.table1(4, registration_division="140106"), token)
    assert status == 200 and body["table1"]["registration_division"] == "140106"
    assert any("迎泽区" in w["message"] for w in body["checks"]["warnings"])
    assert body["authority"]["code"] == "140105"  # the filing is not silently re-routed


def test_cross_table_warnings_before_submit(api, monkeypatch):
    token = filer(api)
    fid = new_filing(api, token)["id"]
    # PEOPLE: 2 men, 2 women, each on a fixed-term contract of nearly 6 years
    api.call("PUT", f"/filings/{fid}/table1",
             factories.table1(4, male=3, female=1, signed_fixed_lt3=0, signed_fixed_3to10=4), token)
    api.upload(fid, "table2", factories.table2_workbook(PEOPLE), token)
    status, filing = api.call("GET", f"/filings/{fid}", token=token)
    assert {w["column"] for w in filing["checks"]["warnings"]} == {"其中男", "其中女"}
    assert filing["checks"]["errors"] == []

    from chalicelib.domain import reference
    blocking = reference.policy().__class__(**{**reference.policy().__dict__, "cross_table_checks_block_submit": True})
    monkeypatch.setattr("chalicelib.services.filings.policy", lambda: blocking)
    status, body = api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=token)
    assert status == 422 and {d["column"] for d in body["error"]["details"]} == {"其中男", "其中女"}
    monkeypatch.undo()
    status, body = api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=token)
    assert status == 200


def test_table1_uploaded_as_a_workbook(api):
    token = filer(api)
    fid = new_filing(api, token)["id"]
    values = {**factories.table1(4), "uscc": factories.uscc(1), "unit_name": "山西演示科技有限公司1",
              **{k: v for k, v in factories.registration().items() if k in ("unit_type", "economic_type",
                                                                           "affiliation", "registered_address",
                                                                           "legal_representative")},
              "industry": "I", "foreign_invested": "否", "labor_dispatch": "否", "registration_division": "140105"}
    bad = api.upload(fid, "table1", factories.workbook("table1", [{**values, "male": 9}]), token)
    assert bad["status"] == "failed" and bad["errors"][0]["row"] == 2 and bad["errors"][0]["column"] == "其中男"
    ok = api.upload(fid, "table1", factories.workbook("table1", [values]), token)
    assert ok["status"] == "done", ok
    status, filing = api.call("GET", f"/filings/{fid}", token=token)
    assert filing["table1"]["employees"] == 4 and filing["table1"]["industry_division"] == "65"


# -- calendar: which tables, interim 表三 ------------------------------------------------------------
def test_first_filing_has_no_table3_later_ones_do(api, container):
    token = filer(api)
    first = new_filing(api, token, 2024)
    assert first["tables"] == ["table1", "table2"]
    assert start(api, first["id"], token, "table3")[0] == 422
    assert new_filing(api, token, 2025)["tables"] == ["table1", "table2", "table3"]


def test_interim_table3_any_number_of_times(api):
    token = filer(api)
    roster = new_filing(api, token, 2025)
    api.upload(roster["id"], "table2", factories.table2_workbook(PEOPLE), token)
    one, two = new_filing(api, token, 2026, "interim"), new_filing(api, token, 2026, "interim")
    assert one["tables"] == two["tables"] == ["table3"] and one["id"] != two["id"]
    stranger = {**factories.person(40), "contract_start": "2020-03-01", "contract_end": "2026-02-28"}
    rows = [factories.ended(PEOPLE[1], ended_on="2026-02-01"), factories.ended(stranger, ended_on="2026-02-01")]
    upload = api.upload(one["id"], "table3", factories.workbook("table3", rows), token)
    assert upload["status"] == "done"
    status, filing = api.call("GET", f"/filings/{one['id']}", token=token)
    (warning,) = filing["checks"]["warnings"]
    assert warning["row"] == 3 and "不在本单位已备案的任何表二名册中" in warning["message"]
    # today is 2026-03-02 (Beijing): a termination dated later cannot be filed yet
    later = api.upload(two["id"], "table3", factories.workbook("table3", [
        factories.ended(PEOPLE[1], ended_on="2026-03-03")]), token)
    assert later["status"] == "failed" and "2026-01-01至2026-03-02" in later["errors"][0]["message"]
    assert api.call("POST", f"/filings/{one['id']}/submit", {"declaration_accepted": True}, token=token)[0] == 200


# -- prefill, roster diff, leavers -------------------------------------------------------------------
def approved_2024(api, container, token) -> dict:
    f = new_filing(api, token, 2024)
    api.call("PUT", f"/filings/{f['id']}/table1",
             factories.table1(4, business_address="太原市小店区新址8号", industry_division="64"), token)
    assert api.upload(f["id"], "table2", factories.table2_workbook(PEOPLE), token)["status"] == "done"
    approve(container, f["id"])
    return f


def test_next_year_starts_from_the_last_approved_filing(api, container):
    token = filer(api)
    base = approved_2024(api, container, token)
    status, nxt = api.call("GET", f"/filings/{new_filing(api, token, 2025)['id']}", token=token)
    assert nxt["row_counts"] == {"table2": 4}  # the approved roster, carried over
    assert nxt["table1"] is None and nxt["table1_prefill"]["business_address"] == "太原市小店区新址8号"
    assert nxt["table1_prefill"]["industry_division"] == "64"
    status, rows = api.call("GET", f"/filings/{nxt['id']}/rows/table2", token=token)
    assert [r["id_number"] for r in rows["items"]] == [mask_id(p["id_number"]) for p in PEOPLE]  # masked for all
    status, diff = api.call("GET", f"/filings/{nxt['id']}/roster-diff", token=token)
    assert (diff["joined"], diff["left"], diff["changed"], diff["carried_over"]) == (0, 0, 0, True)
    # a carried roster may be submitted as it is (nobody came or went)
    api.call("PUT", f"/filings/{nxt['id']}/table1", factories.table1(4), token)
    assert api.call("POST", f"/filings/{nxt['id']}/submit", {"declaration_accepted": True}, token=token)[0] == 200
    assert container.store.get_filing(base["id"]).status == Status.APPROVED


def test_roster_diff_and_leavers_as_table3_rows(api, container):
    token = filer(api)
    base = approved_2024(api, container, token)
    nxt = new_filing(api, token, 2025)
    renewed = {**PEOPLE[1], "contract_end": "2031-02-28"}
    newcomer = factories.person(7)
    upload = api.upload(nxt["id"], "table2", factories.table2_workbook([PEOPLE[0], renewed, PEOPLE[3], newcomer]),
                        token)
    assert upload["status"] == "done"
    status, diff = api.call("GET", f"/filings/{nxt['id']}/roster-diff", token=token)
    assert (diff["joined"], diff["left"], diff["changed"], diff["base_year"]) == (1, 1, 1, 2024)
    assert diff["samples"]["left"][0]["id_number"] == mask_id(PEOPLE[2]["id_number"])
    # the approved filing keeps its own rows: the new upload replaced a reference, not them
    assert len(container.store.get_rows(base_rows(container, base["id"]), limit=10)) == 4

    status, leavers = api.call("GET", f"/filings/{nxt['id']}/leavers", token=token)
    (leaver,) = leavers["items"]
    assert (leaver["id_number"], leaver["contract_start"]) == (mask_id(PEOPLE[2]["id_number"]),
                                                               PEOPLE[2]["contract_start"])
    status, asked = api.call("POST", "/exports", {"kind": "leavers", "filing_id": nxt["id"]}, token)
    assert status == 202
    finish_jobs(container)
    done = api.call("GET", f"/exports/{asked['export_id']}", token=token)[1]
    assert done["status"] == "done", done
    response = api.http.get(f"/api/v1/exports/{asked['export_id']}/file",
                            headers={"Authorization": f"Bearer {token}"})  # no Accept header
    book = openpyxl.load_workbook(io.BytesIO(response.body))
    ws = book.worksheets[0]
    header = [c.value for c in ws[1]]
    assert ws.cell(2, header.index("证件号码") + 1).value == PEOPLE[2]["id_number"]  # the file to complete: full
    assert "download_leavers" in {e.action for e in container.store.list_audit(5)}  # and its download audited
    assert ws.cell(2, header.index("终止或解除日期") + 1).value is None  # for the filer to complete
    # completed, it uploads as this filing's 表三; the leaver is then no longer offered
    for key, value in (("终止或解除日期", "2025-09-30"), ("类别", "解除"), ("原因代码", "R03"),
                       ("是否支付经济补偿", "否"), ("本单位工作年限", 5)):
        ws.cell(2, header.index(key) + 1, value)
    out = io.BytesIO()
    book.save(out)
    assert api.upload(nxt["id"], "table3", out.getvalue(), token)["status"] == "done"
    assert api.call("GET", f"/filings/{nxt['id']}/leavers", token=token)[1]["items"] == []


def base_rows(container, filing_id: str) -> str:
    return container.store.get_filing(filing_id).row_sets["table2"].upload_id


# -- pages ---------------------------------------------------------------------------------------
@pytest.fixture
def browser(container):
    from app import app
    with Client(app) as client:
        b = Browser(client)
        b.get("/login")
        b.post("/register", {**factories.registration(), "foreign_invested": "否", "labor_dispatch": "否"})
        assert b.post("/login", {"username": factories.uscc(1), "password": "Passw0rd!26"}).status_code == 303
        b.api = Api(client)
        yield b


def upload_form(browser, filing_path: str) -> str:
    """上传表二: the POST redirects to the upload's form (Back never lands on a POSTed page)."""
    started = browser.post(f"{filing_path}/uploads", {"table": "table2"})
    assert started.status_code == 303 and location(started).endswith("/send")
    return text(browser.get(location(started)))


def test_upload_page_shows_progress_then_errors_and_the_report_link(browser, container):
    import json
    import re
    filing_path = location(browser.post("/employer/filings", {"year": "2025", "kind": "annual"}))
    form = upload_form(browser, filing_path)
    assert 'data-max-bytes="52428800"' in form and "不接受 .xls、.xlsm、.csv" in form
    key = re.search(r'name="key" value="(uploads/(\w+)\.xlsx)"', form)
    upload = container.store.get_upload(key.group(2))
    upload.status, upload.rows_total, upload.rows_done = "processing", 100000, 25000
    container.store.put_upload(upload)
    page = text(browser.get(f"{filing_path}/uploads/{upload.id}"))
    assert '<progress' in page and 'max="100000" value="25000"' in page and 'http-equiv="refresh"' not in page
    poll = re.search(r'data-poll="([^"]+)"', page).group(1)  # app.js polls the import's progress
    assert json.loads(text(browser.get(poll))) == {"status": "processing", "rows_done": 25000, "rows_total": 100000,
                                                   "message": None}
    assert browser.get(f"{filing_path}/uploads/{upload.id}/send").status_code == 303  # under way: no second form

    upload.status = "waiting"
    container.store.put_upload(upload)
    container.blobs.put(key.group(1), bad_roster()[0])
    container.imports.import_blob(key.group(1))  # what the background worker runs
    page = text(browser.get(f"{filing_path}/uploads/{upload.id}"))
    assert 'id="upload-errors"' in page and "下载错误报告" in page and "refresh" not in page
    report = download(browser, f"{filing_path}/uploads/{upload.id}/error-report")
    assert report.status_code == 200 and report.body[:2] == b"PK"


def download(browser, path):
    """A browser's navigation to a download (its Accept header includes */*)."""
    return browser.http.get(path, headers=browser._headers({"Accept": "text/html,*/*;q=0.8"}))


def test_page_upload_over_the_limit_comes_back_to_the_result_page(browser, container):
    filing_path = location(browser.post("/employer/filings", {"year": "2025", "kind": "annual"}))
    form = upload_form(browser, filing_path)
    import re
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    fields.pop("csrf", None)
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
    body, ctype = multipart(fields, "名册.xlsx", b"PK\x03\x04" + b"\0" * (51 * 1024 * 1024))
    response = browser.http.post("/api/v1/local-uploads", headers={"Content-Type": ctype}, body=body)
    assert response.status_code == 303
    result = text(browser.get(location(response).removeprefix("http://testserver")))
    assert "文件大小超过50MB上限" in result and 'id="upload-errors"' in result


def test_filing_page_shows_diff_warnings_and_leavers_link(browser, container):
    token = browser.api.login(factories.uscc(1), "Passw0rd!26")
    base = approved_2024(browser.api, container, token)
    nxt = new_filing(browser.api, token, 2025)
    page = text(browser.get(f"/employer/filings/{nxt['id']}"))
    assert 'id="carried"' in page and "沿用2024年度已审核通过的名册（4人）" in page
    browser.api.upload(nxt["id"], "table2", factories.table2_workbook(PEOPLE[:3] + [factories.person(9)]), token)
    browser.api.call("PUT", f"/filings/{nxt['id']}/table1", factories.table1(4, male=4, female=0), token)
    page = text(browser.get(f"/employer/filings/{nxt['id']}"))
    assert 'id="diff-joined">1<' in page and 'id="diff-left">1<' in page
    assert mask_id(PEOPLE[3]["id_number"]) in page and PEOPLE[3]["id_number"] not in page  # the leaver, masked
    assert 'id="warnings"' in page and "表一其中男（4）与表二男性人数（2）不一致" in page
    assert exported(browser, container, f"/employer/filings/{nxt['id']}/leavers")[1][:2] == b"PK"
    assert container.store.get_filing(base["id"]).status == Status.APPROVED


def test_table1_page_has_every_unit_field_prefilled(browser):
    filing_path = location(browser.post("/employer/filings", {"year": "2025", "kind": "annual"}))
    page = text(browser.get(f"{filing_path}/table1"))
    for key in ("unit_name", "unit_type", "economic_type", "industry", "industry_division", "affiliation",
                "foreign_invested", "labor_dispatch", "registration_division", "registered_address",
                "business_address", "legal_representative", "contact_name", "contact_phone"):
        assert f'id="f-{key}"' in page, key
    assert 'id="f-uscc" name="uscc" type="text" value="' + factories.uscc(1) + '" readonly' in page
    assert '<option value="140105" selected>' in page and '<option value="65" data-section="I">65 软件和信息技术服务业</option>' in page
    form = {k: str(v) for k, v in factories.table1(3).items()}
    page = browser.post(f"{filing_path}/table1", {**form, "industry_division": "13"})
    assert page.status_code == 422 and "不属于门类I" in text(page)
