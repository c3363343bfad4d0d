"""Complete filing in a real browser against scripts/run-local.sh: download the 表二 template, fill it with openpyxl
including deliberate errors, upload it, see the errors and download the error report, fix the report itself,
upload it again, and submit. The employer works on a 375 px phone; screenshots go to build/screenshots/."""
from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import openpyxl
from playwright.sync_api import Page, expect

from chalicelib.domain.tables import TABLE2
from tests import factories
from tests.e2e.test_browser_flow import XLSX, page_problems, login, submit_filing

SERIAL = 602  # distinct from the other e2e test's and the fuzz tier's units


def upload(page: Page, table: str, content: bytes, name: str = "名册.xlsx") -> None:
    page.locator(f"#{table} form[action$='/uploads'] button").click()
    expect(page.locator("#upload-form")).to_be_visible()
    page.set_input_files("#file", files=[{"name": name, "mimeType": XLSX, "buffer": content}])
    page.get_by_role("button", name="上传并检查").click()
    page.wait_for_url(re.compile(r"/employer/filings/\w+/uploads/\w+$"))
    expect(page.locator("#upload-ok, #upload-errors")).to_be_visible(timeout=30_000)  # the progress polled until done


def test_template_errors_report_fix_submit(live_server, new_context, screenshots):
    year = dt.datetime.now(ZoneInfo("Asia/Shanghai")).year - 1
    unit = factories.registration(SERIAL, filer_email=f"e2e{SERIAL}@example.com")
    status, body = live_server.api("POST", "/employers/register", unit)
    assert status == 201, body
    problems: list[str] = []

    employer = new_context("phone", accept_downloads=True).new_page()
    login(employer, unit["uscc"], unit["password"])
    employer.get_by_role("button", name=f"开始{year}年度备案").click()
    employer.wait_for_url(re.compile(r"/employer/filings/\w+$"))
    filing_url, filing_id = employer.url, employer.url.rsplit("/", 1)[1]
    token = live_server.login(unit["uscc"], unit["password"])
    status, body = live_server.api("PUT", f"/filings/{filing_id}/table1",
                                   factories.table1(3, signed_fixed_lt3=0, signed_fixed_3to10=3), token)
    assert status == 200, body

    # --- the template, as the page offers it ---
    with employer.expect_download() as got:
        employer.locator("#table2").get_by_role("link", name="下载表二模板").click()
    template = open(got.value.path(), "rb").read()
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    titles = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "A2" and "填表说明" in book.sheetnames

    # --- filled in "Excel": the example row overwritten, two deliberate errors ---
    people = [factories.person(i) for i in range(3)]
    rows = [dict(people[0]),
            {**people[1], "gender": "男" if people[1]["gender"] == "女" else "女"},  # row 3: gender vs ID
            {**people[2], "id_number": float(people[2]["id_number"])}]  # row 4: ID typed as a number
    key_of = {col.title: col.key for col in TABLE2}
    for r, values in enumerate(rows, start=2):
        for c, title in enumerate(titles, start=1):
            sheet.cell(r, c, values.get(key_of[title]))
    out = io.BytesIO()
    book.save(out)

    upload(employer, "table2", out.getvalue())
    errors = employer.locator("#upload-errors")
    expect(errors).to_be_visible()
    cells = [[c.strip() for c in row.locator("td").all_inner_texts()] for row in errors.locator("tbody tr").all()]
    # 行号, 姓名, 列名
    assert ["3", "职工2", "性别"] in [x[:3] for x in cells] and ["4", "职工3", "证件号码"] in [x[:3] for x in cells], cells
    expect(errors).to_contain_text("被Excel存成了数字")
    if overflow := page_problems(employer, "upload result with errors"):
        problems.append(overflow)
    employer.screenshot(path=screenshots / "complete-upload-errors-375.png", full_page=True)

    # --- the error report: the user's rows, bad cells red, 错误说明 ---
    with employer.expect_download() as got:
        employer.locator("#error-report").click()
    assert got.value.suggested_filename == "表二错误报告.xlsx"
    report = openpyxl.load_workbook(io.BytesIO(open(got.value.path(), "rb").read()))
    ws = report.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[-1] == "错误说明"
    assert ws.cell(3, header.index("性别") + 1).fill.fgColor.rgb.endswith("FFC7CE")
    assert "【证件号码】" in ws.cell(4, len(header)).value
    assert ws.cell(2, header.index("姓名") + 1).value == people[0]["name"]

    # --- fixed in the report itself, which uploads as it is ---
    ws.cell(3, header.index("性别") + 1, people[1]["gender"])
    ws.cell(4, header.index("证件号码") + 1, people[2]["id_number"])
    fixed = io.BytesIO()
    report.save(fixed)
    employer.get_by_role("button", name="修改后重新上传").click()
    expect(employer.locator("#upload-form")).to_be_visible()
    employer.set_input_files("#file", files=[{"name": "表二错误报告.xlsx", "mimeType": XLSX,
                                              "buffer": fixed.getvalue()}])
    employer.get_by_role("button", name="上传并检查").click()
    expect(employer.locator("#upload-ok")).to_be_visible(timeout=30_000)
    expect(employer.locator("#upload-ok")).to_contain_text("已导入3行")

    # --- a refused file type is stopped in the page, before it reaches storage ---
    employer.goto(filing_url)
    employer.locator("#table2 form[action$='/uploads'] button").click()
    expect(employer.locator("#upload-form")).to_be_visible()
    employer.set_input_files("#file", files=[{"name": "名册.xls", "mimeType": "application/vnd.ms-excel",
                                              "buffer": b"\xd0\xcf\x11\xe0"}])
    employer.get_by_role("button", name="上传并检查").click()
    expect(employer.locator("#file-error")).to_contain_text("另存为")
    assert re.search(rf"/employer/filings/{filing_id}/uploads/\w+/send$", employer.url)  # still the form: nothing sent
    expect(employer.locator("#upload-button")).to_be_enabled()  # the button comes back for the right file

    # --- submit ---
    employer.goto(filing_url)
    expect(employer.locator("#rows tbody tr")).to_have_count(3)
    expect(employer.locator("#warnings")).to_have_count(0)  # 表一 and 表二 agree
    submit_filing(employer)
    expect(employer.locator("#status")).to_have_text("已提交待审核")
    if overflow := page_problems(employer, "filing page (submitted)"):
        problems.append(overflow)
    employer.screenshot(path=screenshots / "complete-submitted-375.png", full_page=True)
    assert not problems, "\n".join(problems)
