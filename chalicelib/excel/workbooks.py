"""Workbooks the system writes from rows: the error report, the roster export, the leavers' 表三.

All three are laid out like the blank forms (layout.py: same sheet name, header titles, dropdowns on a
hidden 代码表 sheet, text ID column, 填表说明), so the filer can fix or complete them in Excel and upload
them back as they are. Written with openpyxl's write-only mode: a 100,000-row roster in seconds, not
minutes, and without holding every cell object in memory.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Font, PatternFill

from ..domain.tables import COLUMNS, Column
from .cells import risky, text_cell, writable
from .layout import column_width, text_column
from .reader import IGNORED_HEADERS
from .sheets import (
    HEADER_FILL,
    add_dropdowns,
    form_sheets,
    header_cells,
    lay_out,
    workbook_bytes,
    write_code_lists,
    write_help,
)

REPORT_COLUMN = IGNORED_HEADERS[0]  # 错误说明: the reader skips it, so a fixed report uploads as it is
BAD_FILL, BAD_FONT = "FFC7CE", "9C0006"  # Excel's own "bad" cell style colours
REPORT_NOTE = (f"本文件是错误报告：出错的单元格已标红，最后一列“{REPORT_COLUMN}”列出该行的问题。"
               f"改正后可直接上传本文件（“{REPORT_COLUMN}”列会被忽略）。")

Problems = list[tuple[str, str]]  # (column key, message) of one row


def rows_workbook(table: str, rows: Iterable[tuple[int, dict[str, Any]]], *,
                  errors: dict[int, Problems] | None = None) -> bytes:
    """An .xlsx of `rows` ((Excel row number, {key: value}), ascending) under the blank form's header.

    With `errors` ({row number: [(column key, message)]}) it is an error report: each row stays at the
    row number the user's own file had, bad cells are filled red, and a last column 错误说明 lists the
    row's problems. Without, rows are written one after another from row 2."""
    columns = COLUMNS[table]
    report = errors is not None
    book = Workbook(write_only=True)
    data, codes, help_sheet = form_sheets(book, table)

    ranges = write_code_lists(codes, columns)
    widths = [column_width(c) for c in columns]
    lay_out(data, [*widths, 60] if report else widths, freeze="A2")
    add_dropdowns(data, columns, ranges, prompts=False)
    data.append(_header(data, columns, report))
    writer = _RowWriter(data, columns)
    if errors is None:
        for _, values in rows:
            data.append(writer.cells(values, []))
    else:
        _append_at_row_numbers(data, writer, rows, errors)
    write_help(help_sheet, table, columns, notes=[REPORT_NOTE] if report else [])
    return workbook_bytes(book)


def _header(sheet: Any, columns: Sequence[Column], report: bool) -> list[Cell]:
    header = header_cells(sheet, [c.title for c in columns], fill=HEADER_FILL, centered=True)
    if report:
        header += header_cells(sheet, [REPORT_COLUMN], fill=PatternFill("solid", fgColor=BAD_FILL), centered=True)
    return header


def _append_at_row_numbers(sheet: Any, writer: _RowWriter, rows: Iterable[tuple[int, dict[str, Any]]],
                           errors: dict[int, Problems]) -> None:
    """Each row at its own row number (empty rows in the gaps): the messages name the user's rows."""
    written = 1
    for row_no, values in rows:
        for _ in range(row_no - 1 - written):
            sheet.append([])
        sheet.append(writer.cells(values, errors.get(row_no, [])))
        written = row_no


class _RowWriter:
    """One sheet row's cells from stored values: plain values where it is safe (several times faster to
    write; a date value gets a date format by itself), text cells for text columns, for user text that a
    spreadsheet would read as a formula, and for the cells an error report marks red."""

    def __init__(self, sheet: Any, columns: Sequence[Column]):
        self.sheet, self.columns = sheet, columns
        self.titles = {c.key: c.title for c in columns}
        self.text_keys = {c.key for c in columns if text_column(c)}
        self.bad_fill, self.bad_font = PatternFill("solid", fgColor=BAD_FILL), Font(color=BAD_FONT)

    def cells(self, values: dict[str, Any], problems: Problems) -> list[Any]:
        bad = {key for key, _ in problems}
        text_keys = self.text_keys
        cells: list[Any] = []
        for col in self.columns:
            value = writable(_typed(col, values.get(col.key)))
            if col.key in bad or (col.key in text_keys and value is not None) or risky(value):
                value = self._text(col.key, value, col.key in bad)
            cells.append(value)
        if problems:
            cells.append(self._note(problems))
        return cells

    def _text(self, key: str, value: object, bad: bool) -> Cell:
        cell = text_cell(self.sheet, value)
        if key in self.text_keys:
            cell.number_format = "@"  # an ID retyped here stays text
        if bad:
            cell.fill, cell.font = self.bad_fill, self.bad_font
        return cell

    def _note(self, problems: Problems) -> Cell:
        """The 错误说明 cell: every problem of the row, named by column where it has one."""
        titles = self.titles
        note = text_cell(self.sheet, "；".join(f"【{titles[k]}】{m}" if k in titles else m for k, m in problems))
        note.font = self.bad_font
        return note


def _typed(col: Column, value: Any) -> Any:
    """Stored rows keep dates as ISO text (and money may be text); write them back as dates and numbers
    so Excel shows and sorts them."""
    if col.kind == "date" and isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if col.kind == "money" and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value
