"""Reading an uploaded 表二/表三 workbook (.xlsx) with python-calamine.

Layout (shared with templates.py): the data sheet is named after the table (TABLE_TITLES), else
the first visible sheet is used; the header row is Excel row 1 and data starts at row 2. A
header further down (a title row added above it) is found within the first HEADER_SEARCH_ROWS
rows. Row numbers handed out are always the Excel row numbers the user sees.

calamine is ~14x faster than openpyxl read-only on a 100,000-row roster (DESIGN.md, bench/);
it is imported inside read_rows to keep Lambda cold starts small.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import BinaryIO

from ..domain.errors import ValidationFailed
from ..domain.identifiers import normalize
from ..domain.tables import COLUMNS, TABLE_TITLES
from .templates import EXAMPLE_ROWS  # no openpyxl import: templates.py imports it lazily

HEADER_SEARCH_ROWS = 5
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
_HELPER_SHEETS = ("填表说明", "代码表")


class UploadRejected(ValidationFailed):
    """The file as a whole cannot be read (format, header); nothing of it is imported."""


def check_filename(filename: str) -> str | None:
    """None when the name is acceptable (.xlsx), otherwise why not (Chinese)."""
    name = (filename or "").strip().lower()
    if name.endswith(".xlsx"):
        return None
    if name.endswith(".xls") or name.endswith(".et"):
        return "请上传.xlsx格式的文件：旧版.xls文件请在Excel中“另存为”Excel工作簿（*.xlsx）格式"
    if name.endswith(".xlsm"):
        return "请上传不含宏的.xlsx文件：请在Excel中“另存为”Excel工作簿（*.xlsx）格式"
    if name.endswith(".csv"):
        return "不接受CSV文件（会丢失证件号码和日期格式），请下载模板填写后以.xlsx格式上传"
    return "只接受.xlsx格式的Excel文件，请下载模板填写后上传"


def _header_key(text: object) -> str:
    # tolerate spaces/line breaks, full-width characters and a "*" marking required columns
    return normalize(str(text)).strip("*") if text is not None else ""


def _open(fileobj: BinaryIO | bytes):
    """The calamine workbook, after checking by content that it is an .xlsx (not just named so)."""
    from python_calamine import CalamineError, CalamineWorkbook

    data = fileobj if isinstance(fileobj, bytes) else fileobj.read()
    head = data[:8]
    if head.startswith(_OLE_MAGIC):
        raise UploadRejected("文件是旧版.xls格式或设置了打开密码：请取消密码，并在Excel中“另存为”.xlsx格式后重新上传")
    if not head.startswith(_ZIP_MAGIC):
        raise UploadRejected("文件不是Excel工作簿（可能是CSV、网页或改了扩展名的文件），请下载模板填写后以.xlsx格式上传")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            is_xlsx = "xl/workbook.xml" in z.namelist()
    except zipfile.BadZipFile:
        is_xlsx = False
    if not is_xlsx:  # .docx, .ods, .xlsb or a broken download all start with the zip magic
        raise UploadRejected("文件不是.xlsx格式的Excel工作簿或已损坏，请下载模板填写后以.xlsx格式上传")
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except CalamineError:
        raise UploadRejected("Excel文件已损坏，无法读取，请在Excel中重新保存为.xlsx格式后上传") from None


def _data_sheet(book, table: str):
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    title = _header_key(TABLE_TITLES[table])
    for name in book.sheet_names:
        if _header_key(name) == title:
            return book.get_sheet_by_name(name)
    for meta in book.sheets_metadata:
        if (meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet
                and meta.name not in _HELPER_SHEETS):
            return book.get_sheet_by_name(meta.name)
    raise UploadRejected(f"文件中没有找到“{TABLE_TITLES[table]}”工作表，请使用模板填写")


def read_rows(fileobj: BinaryIO | bytes, table: str) -> Iterator[tuple[int, dict]]:
    """Yields (Excel row number, {column key: value}) for every non-empty data row.

    The file and header are checked before this returns (UploadRejected raises here, not on the
    first next()). Values are as calamine reads them: str, float, bool, date/datetime; empty
    cells are None. Rows left as the template's untouched example are skipped.
    """
    columns = COLUMNS[table]
    book = _open(fileobj)
    sheet = _data_sheet(book, table)
    rows = sheet.iter_rows()  # starts at Excel row 1 (calamine pads leading empty rows)
    by_title = {_header_key(c.title): c.key for c in columns}

    header, header_row = None, 0
    for header_row, cells in enumerate(rows, start=1):
        if sum(_header_key(v) in by_title for v in cells) >= 2:
            header = cells
            break
        if header_row >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        names = "、".join(c.title for c in columns)
        raise UploadRejected(f"没有找到表头行：第1行应为列名（{names}），请使用模板填写")

    positions: list[tuple[int, str]] = []
    unknown: list[str] = []
    twice: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(header):
        key = by_title.get(_header_key(cell))
        if key is None:
            if _header_key(cell):
                unknown.append(str(cell).strip())
        elif key in seen:
            twice.append(str(cell).strip())
        else:
            seen.add(key)
            positions.append((i, key))
    missing = [c.title for c in columns if c.key not in seen]
    if missing or unknown or twice:
        parts = [f"{label}：{'、'.join(names)}" for label, names in
                 (("缺少列", missing), ("无法识别的列", unknown), ("重复的列", twice)) if names]
        raise UploadRejected(f"第{header_row}行表头与模板不一致（{'；'.join(parts)}），请下载最新模板，"
                             f"不要增删或修改列名")

    return _rows(rows, header_row, positions, EXAMPLE_ROWS.get(table))


def _rows(rows, header_row: int, positions: list[tuple[int, str]], example: dict | None):
    width = len(positions)
    for row_no, cells in enumerate(rows, start=header_row + 1):
        n = len(cells)
        row = {}
        empty = 0
        for i, key in positions:
            value = cells[i] if i < n else None
            if value is None or value == "" or (value.__class__ is str and value.isspace()):
                # calamine reads empty cells as ""; a lone space is empty to the user too
                row[key] = None
                empty += 1
            else:
                row[key] = value
        if empty == width:  # trailing formatted-but-empty rows
            continue
        if example and row.get("id_number") == example["id_number"] and row.get("name") == example["name"]:
            continue
        yield row_no, row
