"""The streaming .xlsx writer of big exports (excel/xlsx_stream.py): what a spreadsheet reads back, a table longer
than a worksheet split over several with the header on each and a 说明 sheet saying so, formula-safe text."""
from __future__ import annotations

import datetime as dt

import openpyxl

from chalicelib.excel.exports import export_workbook
from chalicelib.services.progress import Progress


def test_a_table_longer_than_a_sheet_goes_on_over_several_and_the_file_says_so():
    rows = ([f"人{n}", n] for n in range(1, 8))
    with export_workbook([["R1", "单位"]], ["姓名", "序号"], rows, max_rows=3) as f:
        book = openpyxl.load_workbook(f)
    assert book.sheetnames == ["说明", "备案", "表二人员", "表二人员(2)", "表二人员(3)"]
    assert "表二人员共7行" in book["说明"]["A2"].value and "分为3个工作表" in book["说明"]["A2"].value
    people = [list(book[s].iter_rows(values_only=True)) for s in ("表二人员", "表二人员(2)", "表二人员(3)")]
    assert [len(p) for p in people] == [4, 4, 2] and all(p[0] == ("姓名", "序号") for p in people)
    assert [r[1] for p in people for r in p[1:]] == list(range(1, 8))
    assert book["表二人员"]["A1"].font.b  # the header is bold


def test_values_read_back_as_written_and_formulas_stay_text():
    with export_workbook([["=HYPERLINK(\"x\")", "A&B <公司>", True, 2.5, dt.date(2025, 6, 30), None]],
                         ["x"], []) as f:
        book = openpyxl.load_workbook(f)
    assert book.sheetnames == ["备案", "表二人员"]  # nothing split: no 说明
    cells = list(book["备案"].iter_rows(min_row=2))[0]
    assert [c.value for c in cells[:5]] == ["=HYPERLINK(\"x\")", "A&B <公司>", True, 2.5, "2025-06-30"]
    assert cells[0].data_type == "s" and cells[0].quotePrefix


def test_progress_counts_the_rows_as_the_writer_takes_them(monkeypatch):
    monkeypatch.setattr("chalicelib.services.progress.EVERY", 2)
    monkeypatch.setattr("chalicelib.services.progress.SECONDS", 0)
    saved = []
    progress = Progress(lambda rows, expected: saved.append((rows, expected)))
    progress.expect(5)
    assert list(progress.counted(range(5))) == [0, 1, 2, 3, 4]
    assert saved == [(0, 5), (2, 5), (4, 5)] and progress.rows == 5


def test_a_sheet_also_ends_before_its_xml_needs_zip64_which_some_excel_versions_refuse():
    import io
    import zipfile

    from chalicelib.excel.xlsx_stream import XlsxStream
    out = io.BytesIO()
    book = XlsxStream(out, max_bytes=1_000)
    assert book.table("表二人员", ["姓名"], ([f"职工{n}" * 10] for n in range(40))) == 40
    book.close()
    workbook = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    sheets = [s for s in workbook.sheetnames if s.startswith("表二人员")]
    assert len(sheets) > 2 and workbook.sheetnames[0] == "说明"
    names = [r[0] for s in sheets for r in workbook[s].iter_rows(min_row=2, values_only=True)]
    assert names == [f"职工{n}" * 10 for n in range(40)]  # every row once, in order
    assert all(info.extract_version < 45 for info in zipfile.ZipFile(io.BytesIO(out.getvalue())).infolist())
