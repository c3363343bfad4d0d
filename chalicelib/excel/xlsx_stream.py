"""An .xlsx written as a stream, in flat memory, with the standard library only — for exports of millions of rows.

openpyxl's write-only mode makes an object per cell: about 3,000 rows of 表二 a second here, so a province's
5,000,000 rows would take half an hour. This writer joins each row's XML as one string (inline strings, no
shared-string table to hold) straight into a deflated zip member: bench/bench_export.py measures it.

A worksheet holds at most 1,048,576 rows: a table longer than MAX_ROWS data rows (or MAX_BYTES of XML) goes on
as 表二人员(2), (3)…, each with the header again, and a first sheet 说明 says so. Text a spreadsheet would read as a formula
(= + - @ …) is an inline string with the quote-prefix style: shown and kept as text, never evaluated; what a
workbook cannot hold (control characters, lone surrogates) is dropped (cells.writable).
"""
from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from typing import IO, Any
from xml.sax.saxutils import escape

from .cells import risky, writable

MAX_ROWS = 1_048_575  # data rows per worksheet: Excel's 1,048,576 less the header
# a worksheet's XML stays below ZIP64's 2 GiB (long rows end a sheet earlier): Excel refuses some ZIP64 members
MAX_BYTES = 1_900_000_000

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_STYLES = (f'{_XML}<styleSheet xmlns="{_MAIN}"><fonts count="2"><font><sz val="11"/><name val="等线"/></font>'
           '<font><b/><sz val="11"/><name val="等线"/></font></fonts><fills count="2"><fill><patternFill '
           'patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1">'
           '<border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="3"><xf xfId="0"/>'
           '<xf fontId="1" applyFont="1" xfId="0"/><xf quotePrefix="1" xfId="0"/></cellXfs><cellStyles count="1">'
           '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
_HEADER_STYLE, _QUOTED_STYLE = 1, 2


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f"<c><v>{value!r}</v></c>"
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    text = escape(writable(str(value)))
    style = f' s="{_QUOTED_STYLE}"' if risky(value) else ""
    return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{text}</t></is></c>'


def _header(titles: Sequence[str]) -> str:
    cells = "".join(f'<c t="inlineStr" s="{_HEADER_STYLE}"><is><t>{escape(t)}</t></is></c>' for t in titles)
    return f'<row r="1">{cells}</row>'


class XlsxStream:
    """Sheets appended one after another (`table`), then `close` adds the 说明 sheet when a table was split, and
    the workbook's parts; the zip goes to `out` as it is written."""

    def __init__(self, out: IO[bytes], *, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES):
        self.zip = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.max_rows, self.max_bytes = max_rows, max_bytes
        self.sheets: list[str] = []  # titles, in the order of their parts sheet<n>.xml
        self.notes: list[str] = []

    def table(self, title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Write `rows` under `columns` on sheet `title` (and its continuations); the number of rows."""
        header, count, part = _header(columns), 0, 1
        sheet, in_sheet, size = self._open_sheet(title, header), 0, 0
        for row in rows:
            if in_sheet == self.max_rows or size > self.max_bytes:
                self._close_sheet(sheet)
                part += 1
                sheet, in_sheet, size = self._open_sheet(f"{title}({part})", header), 0, 0
            count += 1
            in_sheet += 1
            data = f'<row r="{in_sheet + 1}">{"".join(map(_cell, row))}</row>'.encode()
            size += len(data)
            sheet.write(data)
        self._close_sheet(sheet)
        if part > 1:
            names = "、".join([title] + [f"{title}({n})" for n in range(2, part + 1)])
            self.notes.append(f"{title}共{count:,}行。一个工作表至多容纳{self.max_rows:,}行数据，"
                              f"已依次分为{part}个工作表：{names}，每个工作表第一行为表头，行的顺序前后相接。")
        return count

    def close(self) -> None:
        if self.notes:
            sheet = self._open_sheet("说明", _header(["说明"]))
            for n, note in enumerate(self.notes, start=2):
                sheet.write(f'<row r="{n}">{_cell(note)}</row>'.encode())
            self._close_sheet(sheet)
            self.sheets.insert(0, self.sheets.pop())  # shown first
            order = [len(self.sheets)] + list(range(1, len(self.sheets)))
        else:
            order = list(range(1, len(self.sheets) + 1))
        sheets = "".join(f'<sheet name="{escape(self.sheets[i])}" sheetId="{n}" r:id="rId{n}"/>'
                         for i, n in enumerate(order))
        rels = "".join(f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                       for n in order)
        count = len(self.sheets)
        self.zip.writestr("xl/workbook.xml", f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{sheets}'
                                             f'</sheets></workbook>')
        self.zip.writestr("xl/_rels/workbook.xml.rels", f'{_XML}<Relationships xmlns="{_PKG}">{rels}'
                          f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
                          f'</Relationships>')
        self.zip.writestr("xl/styles.xml", _STYLES)
        self.zip.writestr("_rels/.rels", f'{_XML}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
                          f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        parts = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{kind}.worksheet+xml"/>'
                        for n in range(1, count + 1))
        self.zip.writestr("[Content_Types].xml", (
            f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{kind}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{kind}.styles+xml"/>{parts}</Types>'))
        self.zip.close()

    def _open_sheet(self, title: str, header: str) -> IO[bytes]:
        self.sheets.append(title[:31])  # Excel's limit on a sheet's name
        sheet = self.zip.open(f"xl/worksheets/sheet{len(self.sheets)}.xml", "w")
        sheet.write(f'{_XML}<worksheet xmlns="{_MAIN}"><sheetData>{header}'.encode())
        return sheet

    @staticmethod
    def _close_sheet(sheet: IO[bytes]) -> None:
        sheet.write(b"</sheetData></worksheet>")
        sheet.close()


def streamed_workbook(tables: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]], *,
                      max_rows: int = MAX_ROWS) -> IO[bytes]:
    """A temporary file (rewound) holding the workbook of `tables` (title, columns, rows); the caller closes it."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (returned open; the caller closes it)
    book = XlsxStream(out, max_rows=max_rows)
    for title, columns, rows in tables:
        book.table(title, columns, rows)
    book.close()
    out.seek(0)
    return out
