"""User text never becomes a formula in any workbook the system writes (error reports, leavers' 表三)."""
import io
import zipfile

from chalicelib.excel.workbooks import rows_workbook


def sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_error_report_keeps_hostile_text_as_text():
    rows = [(2, {"name": '=HYPERLINK("http://x","a")', "id_number": "=1+1", "workplace": "@SUM(A1)"})]
    xml = sheet_xml(rows_workbook("table2", rows, errors={2: [("name", "姓名有误")]}))
    assert "<f>" not in xml


def test_leavers_workbook_keeps_hostile_text_as_text():
    xml = sheet_xml(rows_workbook("table3", [(2, {"name": "+cmd|' /C calc'!A0", "id_number": "-2+3"})]))
    assert "<f>" not in xml
