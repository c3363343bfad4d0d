"""Reading an uploaded 表一/表二/表三 workbook (.xlsx), streaming its sheet (sheet_stream.py).

Layout (layout.py, as blank_forms.py writes it): the data sheet is named after the table (TABLE_TITLES), else
the first visible sheet is used; the header row is Excel row 1 and data starts at row 2. A
header further down (a title row added above it) is found within the first HEADER_SEARCH_ROWS
rows. Row numbers handed out are always the Excel row numbers the user sees.

One code path for every size: the sheet is read a row at a time in flat memory, a 500,000-row roster as a
ten-row one, faster than python-calamine reads it whole (docs/architecture.md, "Import"; bench/bench_import.py).
"""
from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from typing import IO, Any

from ..domain.errors import ValidationFailed
from ..domain.identifiers import normalize
from ..domain.reference import policy
from ..domain.tables import COLUMNS, TABLE_TITLES
from .layout import EXAMPLE_ROWS
from .sheet_stream import BrokenWorkbook, Package, Sheet, Workbook, inflated

HEADER_SEARCH_ROWS = 5
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
_HELPER_SHEETS = ("填表说明", "代码表")
IGNORED_HEADERS = ("错误说明",)  # the error report's added column: a fixed report can be uploaded as it is
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row r="(\d+)"')


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


_BROKEN = "Excel文件已损坏，无法读取，请在Excel中重新保存为.xlsx格式后上传"


def _open_package(data: bytes) -> tuple[Workbook, dict[str, int]]:
    """The workbook, after checking by content that `data` is an .xlsx (not just named so) and that it inflates
    within the caps; with the last row number of each worksheet part, counted on the way."""
    head = data[:8]
    if head.startswith(_OLE_MAGIC):
        raise UploadRejected("文件是旧版.xls格式或设置了打开密码：请取消密码，并在Excel中“另存为”.xlsx格式后重新上传")
    if not head.startswith(_ZIP_MAGIC):
        raise UploadRejected("文件不是Excel工作簿（可能是CSV、网页或改了扩展名的文件），请下载模板填写后以.xlsx格式上传")
    try:
        z = Package(data)
        names = set(z.namelist())
        types = z.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError):
        names, types = set(), b""
    if "xl/workbook.xml" not in names:  # .docx, .ods, .xlsb or a broken download all start with the zip magic
        raise UploadRejected("文件不是.xlsx格式的Excel工作簿或已损坏，请下载模板填写后以.xlsx格式上传")
    if "xl/vbaProject.bin" in names or b"macroEnabled" in types:  # an .xlsm renamed to .xlsx
        raise UploadRejected("文件是含宏的Excel工作簿（.xlsm），请在Excel中“另存为”Excel工作簿（*.xlsx）格式后重新上传")
    try:
        last_rows = _check_inflation(z)
        return Workbook(z), last_rows
    except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError, BrokenWorkbook, UnicodeDecodeError):
        raise UploadRejected(_BROKEN) from None


_BIG_PART = 1024 * 1024  # parts smaller than this cannot hold a bomb, whatever their ratio


def _check_inflation(z: zipfile.ZipFile) -> dict[str, int]:
    """Inflate every part once, counting, before any reader does: a file that would inflate past the caps
    (a zip bomb, or a sheet with millions of formatted empty rows) is refused within seconds, not after
    minutes of a worker at full CPU. Declared sizes are not trusted: the count is of what comes out.
    Returns each worksheet's last row number (for the progress shown: rows to go are known up front)."""
    p = policy()
    total = 0
    last_rows: dict[str, int] = {}
    for info in z.infolist():
        part_cap = max(_BIG_PART, p.upload_max_compression_ratio * max(info.compress_size, 1))
        seen = 0
        sheet, tail = info.filename.startswith("xl/worksheets/"), b""
        for chunk in inflated(z, info, check=True):
            seen += len(chunk)
            total += len(chunk)
            if seen > part_cap:
                raise UploadRejected("文件内容异常（压缩比过高），无法读取：请下载模板重新填写后上传")
            if total > p.upload_max_unpacked_bytes:
                raise UploadRejected(f"文件解压后超过{p.upload_max_unpacked_bytes // (1024 * 1024)}MB"
                                     "（可能含大量空白行、格式或图片）：请删除多余的工作表、空行和图片后重新上传")
            if sheet:  # the last <row r="…"> so far; a tag cut by the chunk's end is whole in tail + chunk
                window = tail + chunk[-65536:]
                start = window.rfind(b"row r=")
                found = _ROW_NUMBER.search(window, max(window.rfind(b"<", 0, start), 0)) if start >= 0 else None
                if found:
                    last_rows[info.filename] = int(found[1])
                tail = chunk[-64:]
    return last_rows


def _data_sheet(book: Workbook, table: str) -> Sheet:
    """The sheet named after the table, else the first visible worksheet that is not a helper sheet."""
    title = _header_key(TABLE_TITLES[table])
    found = (next((s for s in book.sheets if _header_key(s.name) == title and s.path), None)
             or next((s for s in book.sheets if s.visible and s.path and s.name not in _HELPER_SHEETS), None))
    if found is None:
        raise UploadRejected(f"文件中没有找到“{TABLE_TITLES[table]}”工作表，请使用模板填写")
    return Sheet(book, found.path)


class TableRows:
    """The data rows of an uploaded sheet: iterate for (Excel row number, {key: value}), or call `values` for
    (Excel row number, [the value of each of `keys`]), the table's columns in their order (cheaper: no dicts).
    Either, once. `total` is the number of rows below the header (known up front; empty rows included)."""

    def __init__(self, rows: Iterator[tuple[int, list[Any]]], keys: list[str], total: int, header_row: int) -> None:
        self._rows, self.keys, self.total, self.header_row = rows, keys, total, header_row

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        keys = self.keys
        return ((row_no, dict(zip(keys, values))) for row_no, values in self._rows)

    def values(self) -> Iterator[tuple[int, list[Any]]]:
        return self._rows


def read_rows(fileobj: IO[bytes] | bytes, table: str) -> TableRows:
    """(Excel row number, {column key: value}) for every non-empty data row.

    The file and header are checked before this returns (UploadRejected raises here, not on the
    first next()). Values are as python-calamine reads them (sheet_stream.py): str, float, bool,
    date/datetime; empty cells are None. Rows left as the template's untouched example are skipped.
    """
    columns = COLUMNS[table]
    data = fileobj if isinstance(fileobj, bytes) else fileobj.read()
    book, last_rows = _open_package(data)
    sheet = _data_sheet(book, table)
    rows = _intact(sheet)
    by_title = {_header_key(c.title): c.key for c in columns}
    ignored = {_header_key(t) for t in IGNORED_HEADERS}

    header, header_row = None, 0
    for header_row, cells in rows:
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

    total = max(last_rows.get(sheet.path, 0) - header_row, 0)
    keys = [c.key for c in columns]
    where = {key: i for i, key in positions}
    sheet.keep([where[key] for key in keys])
    return TableRows(_rows(rows, keys, EXAMPLE_ROWS.get(table)), keys, total, header_row)


def _intact(sheet: Sheet) -> Iterator[tuple[int, list[Any]]]:
    """The sheet's rows; a package damaged past its first rows is refused when the damage is reached."""
    try:
        yield from sheet
    except (zipfile.BadZipFile, EOFError, zlib.error, UnicodeDecodeError, IndexError, ValueError):
        raise UploadRejected(_BROKEN) from None


def _rows(rows: Iterable[tuple[int, list[Any]]], keys: list[str],
          example: dict[str, Any] | None) -> Iterator[tuple[int, list[Any]]]:
    width = len(keys)
    number, name = (keys.index("id_number"), keys.index("name")) if example and "id_number" in keys else (-1, -1)
    for row_no, cells in rows:
        if cells.count(None) == width:  # trailing formatted-but-empty rows
            continue
        if number >= 0 and cells[number] == example["id_number"] and cells[name] == example["name"]:  # type: ignore[index]
            continue
        yield row_no, cells
