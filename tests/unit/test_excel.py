"""Templates and the upload reader: what a filer downloads, fills in Excel and uploads."""
import datetime as dt
import io
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.identifiers import id_check_char
from chalicelib.domain.roster import RowChecker
from chalicelib.domain.tables import COLUMNS, TABLE_TITLES
from chalicelib.excel.blank_forms import blank_form
from chalicelib.excel.layout import EXAMPLE_ROWS
from chalicelib.excel.reader import UploadRejected, check_filename, read_rows


def rid(first17: str) -> str:
    return first17 + id_check_char(first17)


def load(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def save(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def letter(table: str, key: str) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter([c.key for c in COLUMNS[table]].index(key) + 1)


def fill(ws, row: int, values: dict, table: str = "table2") -> None:
    for i, col in enumerate(COLUMNS[table], start=1):
        ws.cell(row, i, values.get(col.key))


WANG = rid("14010819800506441")
FULL_WIDTH_ID = "\u3000" + WANG[:6].translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"}) + " " + WANG[6:]


def person(**over) -> dict:
    row = dict(EXAMPLE_ROWS["table2"], name="王五", id_number=WANG, gender="男",
               birth_date=dt.date(1980, 5, 6))
    row.update(over)
    return row


def check_all(data: bytes, table="table2", period_end=dt.date(2023, 12, 31)):
    checker = RowChecker(table, period_end=period_end)
    rows, errors = [], []
    for row_no, raw in read_rows(io.BytesIO(data), table):
        clean, problems = checker.check(row_no, raw)
        rows.append((row_no, clean))
        errors += problems
    return rows, errors


# -- file names --------------------------------------------------------------------------------
def test_check_filename():
    assert check_filename("花名册.XLSX") is None
    assert "另存为" in check_filename("花名册.xls") and ".xlsx" in check_filename("花名册.xls")
    assert "宏" in check_filename("a.xlsm")
    assert "CSV" in check_filename("a.csv")
    assert ".xlsx" in check_filename("a.pdf") and ".xlsx" in check_filename("")


# -- template ----------------------------------------------------------------------------------
@pytest.mark.parametrize("table", ["table1", "table2", "table3"])
def test_template_layout(table):
    book = load(blank_form(table))
    ws = book.worksheets[0]
    assert ws.title == TABLE_TITLES[table]
    assert [c.value for c in ws[1]] == [c.title for c in COLUMNS[table]]
    assert ws.freeze_panes == "A2"
    assert book["代码表"].sheet_state == "hidden"
    help_text = "\n".join(str(c.value) for row in book["填表说明"].iter_rows() for c in row if c.value)
    assert all(c.title in help_text for c in COLUMNS[table])


def test_template_dropdowns_formats_and_example():
    book = load(blank_form("table2"))
    ws = book.worksheets[0]
    validations = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    for col in COLUMNS["table2"]:
        col_letter = letter("table2", col.key)
        if col.kind == "code":
            dv = validations[f"{col_letter}2"]
            assert dv.type == "list" and dv.formula1.startswith("'代码表'!")
            ref = dv.formula1.split("!")[1].replace("$", "")
            listed = [c.value for row in book["代码表"][ref] for c in row]
            assert listed == col.choices()
    assert ws.column_dimensions[letter("table2", "id_number")].number_format == "@"
    assert ws.column_dimensions[letter("table2", "phone")].number_format == "@"
    assert ws.column_dimensions[letter("table2", "hire_date")].number_format == "yyyy-mm-dd"
    example = {c.key: ws.cell(2, i).value for i, c in enumerate(COLUMNS["table2"], start=1)}
    clean, errors = RowChecker("table2", period_end=dt.date(2023, 12, 31)).check(2, example)
    assert errors == [] and clean["name"] == "张三（示例）"


def test_template_table3_example_is_valid():
    ws = load(blank_form("table3")).worksheets[0]
    example = {c.key: ws.cell(2, i).value for i, c in enumerate(COLUMNS["table3"], start=1)}
    assert RowChecker("table3", period_end=dt.date(2023, 12, 31)).check(2, example)[1] == []


def test_untouched_template_reads_no_rows():
    assert list(read_rows(blank_form("table2"), "table2")) == []


# -- round trip: template → Excel edits → reader → checks ----------------------------------------
def test_round_trip_reports_exact_rows_and_columns():
    book = load(blank_form("table2"))
    ws = book.worksheets[0]
    # row 2: the untouched example (skipped)
    fill(ws, 3, person())  # valid
    fill(ws, 4, person(id_number=1.40105199001011e17, name="赵六"))  # ID typed as a number
    fill(ws, 5, person(id_number=rid("14010519900101123"), name="孙七", gender="女",
                       birth_date=dt.date(1990, 1, 1)))  # gender contradicts the ID
    fill(ws, 6, person(hire_date="2015年3月1日", contract_start="2021/3/1", contract_end="20240229",
                       id_number=FULL_WIDTH_ID))  # text dates; full-width digits and spaces: same ID as row 3
    fill(ws, 7, person(id_number=rid("14010519950202111"), birth_date=dt.date(1995, 2, 2),
                       contract_term="无固定期限", hukou="外籍"))
    fill(ws, 8, person(id_number=rid("14010519900101125"), birth_date=32874,  # serial = 1990-01-01
                       contract_start=45000))  # = 2023-03-15, after 2022's end
    for r in range(9, 40):  # trailing formatted empty rows
        ws.cell(r, 2).font = Font(bold=True)
        ws.cell(r, 3, "   " if r == 9 else None)
    rows, errors = check_all(save(book), period_end=dt.date(2022, 12, 31))

    assert [n for n, _ in rows] == [3, 4, 5, 6, 7, 8]
    assert dict(rows)[6]["hire_date"] == "2015-03-01" and dict(rows)[6]["contract_end"] == "2024-02-29"
    got = sorted((e["row"], e["column"]) for e in errors)
    assert got == [(4, "证件号码"), (5, "性别"), (6, "证件号码"), (7, "合同终止日期"), (7, "户口性质"),
                   (8, "合同起始日期")]
    by_cell = {(e["row"], e["column"]): e["message"] for e in errors}
    assert "被Excel存成了数字" in by_cell[(4, "证件号码")]
    assert by_cell[(6, "证件号码")] == "与第3行证件号码重复"
    assert "2022-12-31" in by_cell[(8, "合同起始日期")]
    assert dict(rows)[8]["birth_date"] == "1990-01-01"


def test_round_trip_table3():
    book = load(blank_form("table3"))
    ws = book.worksheets[0]
    ws.delete_rows(2)  # filer removed the example
    base = dict(EXAMPLE_ROWS["table3"], name="周八")
    fill(ws, 2, base, "table3")
    fill(ws, 3, dict(base, reason_code="R01 协商一致解除（用人单位提出）"), "table3")  # 类别 and 补偿 wrong
    rows, errors = check_all(save(book), "table3")
    assert [n for n, _ in rows] == [2, 3]
    assert {(e["row"], e["column"]) for e in errors} == {(3, "类别"), (3, "是否支付经济补偿")}


def test_title_row_above_header_keeps_excel_row_numbers():
    book = load(blank_form("table2"))
    ws = book.worksheets[0]
    ws.insert_rows(1)
    ws["A1"] = "某某公司2023年度花名册"
    fill(ws, 4, person(name=None))
    rows, errors = check_all(save(book))
    assert [n for n, _ in rows] == [4]
    assert [(e["row"], e["column"]) for e in errors] == [(4, "姓名")]


def test_header_with_spaces_and_full_width_accepted():
    book = openpyxl.Workbook()
    ws = book.active
    titles = [c.title for c in COLUMNS["table3"]]
    titles[1] = " 姓 名 "
    titles[11] = "经济补偿金额(元)"  # half-width parentheses
    ws.append(titles)
    fill(ws, 2, dict(EXAMPLE_ROWS["table3"], name="吴九"), "table3")
    assert [n for n, _ in read_rows(save(book), "table3")] == [2]


# -- refused files -----------------------------------------------------------------------------
def test_header_mismatch_names_missing_and_unknown_columns():
    book = load(blank_form("table2"))
    ws = book.worksheets[0]
    ws[f"{letter('table2', 'hukou')}1"] = "户籍"
    ws.delete_cols(ws.max_column)  # 是否参加社会保险
    with pytest.raises(UploadRejected) as caught:
        read_rows(io.BytesIO(save(book)), "table2")  # raises on the call, before iterating
    message = caught.value.message
    assert "户口性质" in message and "是否参加社会保险" in message and "户籍" in message and "模板" in message
    assert isinstance(caught.value, ValidationFailed) and caught.value.status == 422


def test_duplicate_header_refused():
    book = load(blank_form("table2"))
    book.worksheets[0].cell(1, len(COLUMNS["table2"]) + 1, "姓名")
    with pytest.raises(UploadRejected, match="重复的列：姓名"):
        read_rows(save(book), "table2")


def test_wrong_table_refused():
    with pytest.raises(UploadRejected, match="模板"):
        read_rows(blank_form("table3"), "table2")


def test_empty_sheet_refused():
    with pytest.raises(UploadRejected, match="表头"):
        read_rows(save(openpyxl.Workbook()), "table2")


def _zip(name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(name, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize("data,words", [
    ("序号,姓名\n1,张三\n".encode("gbk"), "CSV"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xls"),  # an .xls renamed to .xlsx
    (_zip("word/document.xml"), ".xlsx"),  # a .docx renamed
    (b"PK\x03\x04 truncated download", ".xlsx"),
    (_zip("xl/workbook.xml"), "损坏"),  # zip with the right name but no workbook inside
    (b"", "Excel"),
])
def test_non_xlsx_refused_by_content(data, words):
    with pytest.raises(UploadRejected) as caught:
        read_rows(io.BytesIO(data), "table2")
    assert words in caught.value.message and "xlsx" in caught.value.message


def test_importing_excel_modules_loads_no_excel_library():
    # Lambda cold start (docs/architecture.md): openpyxl/calamine are imported only when a file is handled
    code = ("import sys, chalicelib.excel.reader, chalicelib.excel.blank_forms, chalicelib.excel.layout,"
            " chalicelib.domain.roster;"
            "print([m for m in sys.modules if m.startswith(('openpyxl', 'python_calamine'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


# -- macro workbooks, the error report's column, row totals ----------------------------------
def test_macro_workbook_renamed_to_xlsx_is_refused():
    src, out = zipfile.ZipFile(io.BytesIO(blank_form("table2"))), io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            z.writestr(item, src.read(item))
        z.writestr("xl/vbaProject.bin", b"\0" * 16)
    with pytest.raises(UploadRejected, match="含宏"):
        read_rows(out.getvalue(), "table2")


def test_error_report_column_is_ignored_and_totals_are_known_up_front():
    book = load(blank_form("table2"))
    ws = book.worksheets[0]
    ws.cell(1, len(COLUMNS["table2"]) + 1, "错误说明")
    fill(ws, 3, person())
    ws.cell(3, len(COLUMNS["table2"]) + 1, "【性别】……")
    for r in range(4, 12):  # formatted empty rows still count in the sheet's height
        ws.cell(r, 2).font = Font(bold=True)
    ws.cell(11, 3, " ")
    rows = read_rows(save(book), "table2")
    assert rows.total == 10  # rows 2..11 under the header
    assert [n for n, _ in rows] == [3]


def _with_part(data: bytes, name: str, chunks) -> bytes:
    """`data` (an .xlsx) with one more part, written from `chunks` (so a big part never sits in memory)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with dst.open(info, "w", force_zip64=True) as part:
            for chunk in chunks:
                part.write(chunk)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_any_reader_inflates_it():
    """Seen: a workbook inflating to 1.5 GB kept the importer busy 136 s (and again for the error report)."""
    zeros = bytes(1024 * 1024)
    bomb = _with_part(blank_form("table2"), "xl/media/image1.png", (zeros for _ in range(300)))
    assert len(bomb) < 2 * 1024 * 1024  # 300 MiB inside a file of a few hundred KiB
    with pytest.raises(UploadRejected, match="压缩比过高"):
        read_rows(bomb, "table2")


def test_a_workbook_inflating_past_the_cap_is_refused_naming_the_cap(monkeypatch):
    from chalicelib.excel import reader
    capped = reader.policy().__class__(**{**reader.policy().__dict__, "upload_max_unpacked_bytes": 2 * 1024 * 1024})
    monkeypatch.setattr(reader, "policy", lambda: capped)
    noise = _with_part(blank_form("table2"), "xl/media/photo.jpg", [random.randbytes(3 * 1024 * 1024)])
    with pytest.raises(UploadRejected, match="解压后超过2MB"):
        read_rows(noise, "table2")
    assert list(read_rows(blank_form("table2"), "table2")) == []  # an ordinary file passes the same cap
