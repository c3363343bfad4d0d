"""The streaming sheet reader (excel/sheet_stream.py) reads what python-calamine reads, whoever wrote the file."""
import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from python_calamine import CalamineWorkbook

from chalicelib.domain.tables import COLUMNS
from chalicelib.excel.reader import UploadRejected, read_rows
from chalicelib.excel.sheet_stream import Sheet, Workbook, is_date_format


def save(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def streamed(data: bytes, keep: list[int] | None = None) -> dict[int, list]:
    """{Excel row number: cells} as the stream reads the first sheet (only `keep`'s columns, once past row 1)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    book = Workbook(z)
    sheet = Sheet(book, book.sheets[0].path)
    out = {}
    for row_no, cells in sheet:
        out[row_no] = cells
        if keep is not None and row_no == 1:
            sheet.keep(keep)
    return out


def calamine(data: bytes) -> dict[int, list]:
    """{Excel row number: cells} as python-calamine reads the first sheet, "" as None, empty rows left out."""
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    out = {}
    for n, cells in enumerate(rows, start=1):
        cells = [None if c == "" else c for c in cells]
        while cells and cells[-1] is None:
            cells.pop()
        if cells:
            out[n] = cells
    return out


def trimmed(rows: dict[int, list]) -> dict[int, list]:
    out = {}
    for n, cells in rows.items():
        cells = list(cells)
        while cells and cells[-1] is None:
            cells.pop()
        if cells:
            out[n] = cells
    return out


EVERY_KIND = [
    "文本", "  ", "a & b < c > d \"e\" 'f'", "行一_x000D_行二", 1, 2.5, -3, 1e17, 20230101, True, False,
    dt.date(2023, 1, 5), dt.datetime(2023, 1, 5, 8, 30), dt.date(1960, 1, 2), "=1+1", "0351-1234567", "１２３",
]


def openpyxl_book():
    book = openpyxl.Workbook()
    ws = book.active
    ws.append([f"列{i}" for i in range(len(EVERY_KIND) + 2)])
    ws.append(EVERY_KIND)
    ws.append([None, "only B"])  # an empty first cell
    ws.cell(5, 3, "after an empty row")  # row 4 missing
    ws.cell(6, 30, "column AD")  # past Z
    ws.cell(7, 2, CellRichText(["富", TextBlock(InlineFont(b=True), "文本")]))
    ws.cell(8, 1, dt.date(2023, 1, 5)).number_format = "yyyy年m月d日"  # a custom CJK date format
    ws.cell(8, 2, 44931).number_format = "0.00"  # a number, not a date
    ws.cell(8, 3, dt.time(12, 0))
    return book


def test_a_file_written_by_openpyxl_reads_as_calamine_reads_it():
    data = save(openpyxl_book())
    assert trimmed(streamed(data)) == calamine(data)
    assert streamed(data)[2][:4] == ["文本", None, "a & b < c > d \"e\" 'f'", "行一\r行二"]  # shared strings


def test_inline_strings_of_a_write_only_file_read_as_calamine_reads_them():
    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("表")
    ws.append(["甲", "乙"])
    ws.append(EVERY_KIND)
    ws.append([])
    ws.append([None, None, "三"])
    data = save(book)
    assert b"inlineStr" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert trimmed(streamed(data)) == calamine(data)


def test_kept_columns_read_the_same_on_the_fast_path_and_the_general_one():
    data = save(openpyxl_book())
    everything = streamed(data)
    keep = [3, 0, 29, 12, 11]
    kept = streamed(data, keep)
    for n in everything:
        if n > 1:
            assert kept[n] == [everything[n][i] if i < len(everything[n]) else None for i in keep], n


PREFIXED_SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>
<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>姓名</x:t></x:is></x:c><x:c r="B1" t="s"><x:v>0</x:v></x:c></x:row>
<x:row><x:c t="inlineStr"><x:is><x:t xml:space="preserve"> 张三 </x:t></x:is></x:c><x:c s="1"><x:v>45000</x:v></x:c>
<x:c t="b"><x:v>1</x:v></x:c><x:c t="str"><x:f>A2</x:f><x:v>张三&amp;李</x:v></x:c><x:c t="e"><x:v>#N/A</x:v></x:c></x:row>
<x:row r="4" spans="1:3"><x:c r="C4"><x:v>7</x:v></x:c><x:c r="B4" s="1"/></x:row>
</x:sheetData></x:worksheet>"""
LIBREOFFICE_SHEET = """<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C3"/><sheetData>
<row r="1" customFormat="false" ht="12.8" hidden="false" customHeight="false" outlineLevel="0" collapsed="false">
<c r="A1" s="0" t="s"><v>0</v></c><c r="B1" s="0" t="s"><v>1</v></c></row>
<row r="2" customFormat="false" ht="12.8" hidden="false" customHeight="false" outlineLevel="0" collapsed="false">
<c r="A2" s="0" t="s"><v>2</v></c><c r="B2" s="1" t="n"><v>45000.5</v></c><c r="C2" s="0" t="n"><v>13800000000</v></c>
</row><row r="3" customFormat="false" ht="12.8" hidden="false" customHeight="false" outlineLevel="0" collapsed="false"/>
</sheetData></worksheet>"""
SHARED = ("""<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"""
          """<si><t>出生日期</t></si><si><t xml:space="preserve">证件 </t></si><si><r><t>王</t></r><r><rPr><b/></rPr>"""
          """<t>五</t></r><rPh sb="0" eb="1"><t>オウ</t></rPh></si></sst>""")
STYLES = ("""<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/"""
          """2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="YYYY\\-MM\\-DD\\ HH:MM"/></numFmts>"""
          """<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>""")


def package(sheet: str, *, strings: str = SHARED, date1904: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", (
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
            f'openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="{int(date1904)}"/>'
            '<sheets><sheet name="表" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="/xl/worksheets/sheet1.xml"/></Relationships>'))
        z.writestr("xl/styles.xml", STYLES)
        z.writestr("xl/sharedStrings.xml", strings)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def test_a_prefixed_sheet_without_cell_references_reads_cell_by_cell():
    """As the Open XML SDK may write it: an x: prefix, cells without r, formulas, booleans, errors."""
    rows = streamed(package(PREFIXED_SHEET))
    assert rows[1] == ["姓名", "出生日期"]
    assert rows[2] == [" 张三 ", dt.datetime(2023, 3, 15, 0, 0).date(), True, "张三&李", None]
    assert rows[4] == [None, None, 7.0]


def test_a_libreoffice_style_sheet_with_shared_rich_text_and_a_custom_datetime_format():
    rows = streamed(package(LIBREOFFICE_SHEET))
    assert rows == {1: ["出生日期", "证件 "], 2: ["王五", dt.datetime(2023, 3, 15, 12, 0), 13800000000.0]}


@pytest.mark.parametrize("x", ["", "x:"])
def test_shared_strings_plain_or_not_read_alike(monkeypatch, x):
    """Excel writes most shared strings plain (<si><t>text</t></si>), read a piece at a time in one go; a piece with
    anything else (an entity, an escape, rich text, a blank) is read item by item. Small pieces mix both."""
    import chalicelib.excel.sheet_stream as sheet_stream
    monkeypatch.setattr(sheet_stream, "CHUNK", 96)
    plain = [f"<{x}t>{t}</{x}t>" for t in ["张三", "李四", "a &amp; b", "赵六", "行一_x000D_行二", "  ", "孙八", "",
                                          *(f"职工{i}" for i in range(30))]]
    rich = f"<{x}r><{x}t>富</{x}t></{x}r><{x}r><{x}rPr><{x}b/></{x}rPr><{x}t>文本</{x}t></{x}r>"
    items = [*plain, rich, f"<{x}t>郑一</{x}t>"]
    ns = f'xmlns{":x" if x else ""}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    strings = f'<{x}sst {ns}>' + "".join(f"<{x}si>{item}</{x}si>" for item in items) + f"</{x}sst>"
    sheet = (f"<{x}worksheet {ns}><{x}sheetData>" + "".join(
        f'<{x}row r="{n}"><{x}c r="A{n}" t="s"><{x}v>{n - 1}</{x}v></{x}c></{x}row>' for n in range(1, len(items) + 1))
        + f"</{x}sheetData></{x}worksheet>")
    rows = streamed(package(sheet, strings=strings))
    assert [rows.get(n, [None])[0] for n in range(1, len(items) + 1)] == [
        "张三", "李四", "a & b", "赵六", "行一\r行二", None, "孙八", None, *(f"职工{i}" for i in range(30)), "富文本", "郑一"]


def test_the_1904_date_system():
    rows = streamed(package(LIBREOFFICE_SHEET, date1904=True))
    assert rows[2][1] == dt.datetime(2027, 3, 16, 12, 0)


@pytest.mark.parametrize("code,date", [("yyyy-mm-dd", True), ("yyyy年m月d日", True), ("h:mm", True),
                                       ("0.00", False), ('"day"0', False), ("[Red]0.00", False), ("General", False)])
def test_date_formats(code, date):
    assert is_date_format(code) is date


def test_a_roster_reads_through_read_rows_with_row_numbers_and_blank_cells_as_empty():
    book = openpyxl.Workbook()
    ws = book.active
    ws.append([c.title for c in COLUMNS["table3"]])
    ws.append([1, "吴九", "居民身份证", "140105198503150027", "女", dt.date(2020, 7, 1), "  ", dt.date(2023, 6, 30)])
    ws.cell(5, 2, "郑十")
    rows = read_rows(save(book), "table3")
    assert rows.total == 4
    assert [(n, r["name"], r["contract_end"], r["ended_on"]) for n, r in rows] == [
        (2, "吴九", None, dt.date(2023, 6, 30)), (5, "郑十", None, None)]


def test_a_sheet_damaged_past_its_header_is_refused_when_reached():
    sheet = LIBREOFFICE_SHEET.replace("<v>2</v>", "<v>99</v>")  # a shared string that is not there
    book = openpyxl.Workbook()
    book.active.append([c.title for c in COLUMNS["table3"]])
    data = package(sheet.replace('<c r="A1" s="0" t="s"><v>0</v></c><c r="B1" s="0" t="s"><v>1</v></c>', "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{c.title}</t></is></c>' for i, c in enumerate(COLUMNS["table3"]))))
    rows = read_rows(data, "table3")
    with pytest.raises(UploadRejected, match="损坏"):
        list(rows)


def _damaged(data: bytes, part: str, change) -> bytes:
    """`data` with `change(bytes, where the part's deflated bytes start, its ZipInfo)` applied."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(part)
    return change(bytearray(data), info.header_offset + 30 + len(info.filename.encode()) + len(info.extra), info)


def test_a_package_whose_sheet_does_not_inflate_or_fails_its_checksum_is_refused_before_reading():
    book = openpyxl.Workbook()
    book.active.append([c.title for c in COLUMNS["table3"]])
    for i in range(200):
        book.active.append([i, f"职工{i}"])
    data = save(book)
    assert len(list(read_rows(data, "table3"))) == 200  # as written, it reads

    def cut_short(out, start, info):  # the deflated stream ends halfway (zeros after)
        half = info.compress_size // 2
        out[start + half:start + info.compress_size] = bytes(info.compress_size - half)
        return bytes(out)

    def wrong_crc(out, start, info):  # it inflates, but not to what the central directory promises
        entry = out.find(b"PK\x01\x02")  # the central directory's entries, up to the part's
        while out[entry + 46:entry + 46 + len(info.filename)] != info.filename.encode():
            entry = out.find(b"PK\x01\x02", entry + 4)
        out[entry + 16:entry + 20] = (info.CRC ^ 1).to_bytes(4, "little")
        return bytes(out)

    for change in (cut_short, wrong_crc):
        with pytest.raises(UploadRejected, match="损坏"):
            read_rows(_damaged(data, "xl/worksheets/sheet1.xml", change), "table3")
