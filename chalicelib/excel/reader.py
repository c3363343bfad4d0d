"""Reading an uploaded 表二/表三 workbook (.xlsx) with python-calamine.

Layout (layout.py, as blank_forms.py writes it): the data sheet is named after the table (TABLE_TITLES), else
the first visible sheet is used; the header row is Excel row 1 and data starts at row 2. A
header further down (a title row added above it) is found within the first HEADER_SEARCH_ROWS
rows. Row numbers handed out are always the Excel row numbers the user sees.

calamine is ~14x faster than openpyxl read-only on a 100,000-row roster (docs/architecture.md, bench/);
it is imported inside read_rows to keep Lambda cold starts small.
"""
from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from typing import IO, Any

from ..domain.errors import ValidationFailed
from ..domain.identifiers import normalize
from ..domain.reference import policy
from ..domain.tables import COLUMNS, TABLE_TITLES
from .layout import EXAMPLE_ROWS

HEADER_SEARCH_ROWS = 5
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
_HELPER_SHEETS = ("填表说明", "代码表")
IGNORED_HEADERS = ("错误说明",)  # the error report's added column: a fixed report can be uploaded as it is
# calamine holds the whole sheet in memory (~2 KiB per 18-column row: 193 MiB at 100,000 rows, 876 MiB at
# 500,000). Above this much sheet XML (≈ 250,000 rows) the reader streams with openpyxl read-only instead:
# ~10x slower, but flat memory, so the biggest roster docs/rules.md allows still fits a 1 GB Lambda.
CALAMINE_MAX_SHEET_XML = 128 * 1024 * 1024


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


def _check_package(data: bytes) -> int:
    """Checks by content that `data` is an .xlsx (not just named so); returns its biggest sheet's XML size."""
    head = data[:8]
    if head.startswith(_OLE_MAGIC):
        raise UploadRejected("文件是旧版.xls格式或设置了打开密码：请取消密码，并在Excel中“另存为”.xlsx格式后重新上传")
    if not head.startswith(_ZIP_MAGIC):
        raise UploadRejected("文件不是Excel工作簿（可能是CSV、网页或改了扩展名的文件），请下载模板填写后以.xlsx格式上传")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = {i.filename: i.file_size for i in z.infolist()}
            types = z.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
            if "xl/workbook.xml" in names:
                _check_inflation(z)
    except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError):
        names, types = {}, b""
    if "xl/workbook.xml" not in names:  # .docx, .ods, .xlsb or a broken download all start with the zip magic
        raise UploadRejected("文件不是.xlsx格式的Excel工作簿或已损坏，请下载模板填写后以.xlsx格式上传")
    if "xl/vbaProject.bin" in names or b"macroEnabled" in types:  # an .xlsm renamed to .xlsx
        raise UploadRejected("文件是含宏的Excel工作簿（.xlsm），请在Excel中“另存为”Excel工作簿（*.xlsx）格式后重新上传")
    return max((size for name, size in names.items() if name.startswith("xl/worksheets/")), default=0)


_BIG_PART = 1024 * 1024  # parts smaller than this cannot hold a bomb, whatever their ratio


def _check_inflation(z: zipfile.ZipFile) -> None:
    """Inflate every part once, counting, before any reader does: a file that would inflate past the caps
    (a zip bomb, or a sheet with millions of formatted empty rows) is refused within seconds, not after
    minutes of a worker at full CPU. Declared sizes are not trusted: the count is of what comes out."""
    p = policy()
    total = 0
    for info in z.infolist():
        part_cap = max(_BIG_PART, p.upload_max_compression_ratio * max(info.compress_size, 1))
        seen = 0
        with z.open(info) as part:
            while chunk := part.read(_BIG_PART):
                seen += len(chunk)
                total += len(chunk)
                if seen > part_cap:
                    raise UploadRejected("文件内容异常（压缩比过高），无法读取：请下载模板重新填写后上传")
                if total > p.upload_max_unpacked_bytes:
                    raise UploadRejected(f"文件解压后超过{p.upload_max_unpacked_bytes // (1024 * 1024)}MB"
                                         "（可能含大量空白行、格式或图片）：请删除多余的工作表、空行和图片后重新上传")


def _open(fileobj: IO[bytes] | bytes) -> Any:
    """The calamine workbook, after checking by content that it is an .xlsx (not just named so)."""
    from python_calamine import CalamineError, CalamineWorkbook

    data = fileobj if isinstance(fileobj, bytes) else fileobj.read()
    _check_package(data)
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except CalamineError:
        raise UploadRejected("Excel文件已损坏，无法读取，请在Excel中重新保存为.xlsx格式后上传") from None


class _OpenpyxlSheet:
    """The two things read_rows needs from a calamine sheet, from openpyxl read-only (huge files)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.end = ((ws.max_row or 1) - 1, (ws.max_column or 1) - 1)

    def iter_rows(self) -> Iterator[list[Any]]:
        return (list(r) for r in self.ws.iter_rows(values_only=True))


def _open_streaming(data: bytes, table: str) -> _OpenpyxlSheet:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged package
        raise UploadRejected("Excel文件已损坏，无法读取，请在Excel中重新保存为.xlsx格式后上传") from None
    title = _header_key(TABLE_TITLES[table])
    by_name = {_header_key(ws.title): ws for ws in book.worksheets}
    ws = by_name.get(title) or next((ws for ws in book.worksheets if ws.sheet_state == "visible"
                                     and ws.title not in _HELPER_SHEETS), None)
    if ws is None:
        raise UploadRejected(f"文件中没有找到“{TABLE_TITLES[table]}”工作表，请使用模板填写")
    return _OpenpyxlSheet(ws)


def _data_sheet(book: Any, table: str) -> Any:
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


class TableRows:
    """The data rows of an uploaded sheet: iterate for (Excel row number, {key: value});
    `total` is the number of rows below the header (known up front; empty rows included)."""

    def __init__(self, rows: Iterator[tuple[int, dict[str, Any]]], total: int, header_row: int) -> None:
        self._rows, self.total, self.header_row = rows, total, header_row

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        return self._rows


def read_rows(fileobj: IO[bytes] | bytes, table: str) -> TableRows:
    """(Excel row number, {column key: value}) for every non-empty data row.

    The file and header are checked before this returns (UploadRejected raises here, not on the
    first next()). Values are as calamine reads them: str, float, bool, date/datetime; empty
    cells are None. Rows left as the template's untouched example are skipped.
    """
    columns = COLUMNS[table]
    data = fileobj if isinstance(fileobj, bytes) else fileobj.read()
    if _check_package(data) > CALAMINE_MAX_SHEET_XML:
        sheet = _open_streaming(data, table)
    else:
        sheet = _data_sheet(_open(data), table)
    rows = sheet.iter_rows()  # starts at Excel row 1 (calamine pads leading empty rows)
    by_title = {_header_key(c.title): c.key for c in columns}
    ignored = {_header_key(t) for t in IGNORED_HEADERS}

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
            if _header_key(cell) and _header_key(cell) not in ignored:
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

    total = max(sheet.end[0] + 1 - header_row, 0)  # sheet.end is the last used cell, 0-based
    return TableRows(_rows(rows, header_row, positions, EXAMPLE_ROWS.get(table)), total, header_row)


def _rows(rows: Iterable[list[Any]], header_row: int, positions: list[tuple[int, str]],
          example: dict[str, Any] | None) -> Iterator[tuple[int, dict[str, Any]]]:
    width = len(positions)
    for row_no, cells in enumerate(rows, start=header_row + 1):
        n = len(cells)
        row: dict[str, Any] = {}
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
