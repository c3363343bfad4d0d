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

from ..domain.identifiers import listed_row, masked_text
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
    book = _Book(table, report=errors is not None)
    for row_no, values in rows:
        book.add(row_no, values, errors.get(row_no, []) if errors is not None else [])
    return book.finish()


def error_reports(table: str, rows: Iterable[tuple[int, dict[str, Any]]],
                  errors: dict[int, Problems]) -> tuple[bytes, bytes]:
    """An upload's error report twice, from one read of the rows: the filer's own copy, and the copy a reviewer
    may download (docs/rules.md §10), where ID numbers are masked, birth dates cut to the month, and the messages
    (which may quote a birth date) masked the same way."""
    own, masked = _Book(table, report=True), _Book(table, report=True)
    for row_no, values in rows:
        problems = errors.get(row_no, [])
        own.add(row_no, values, problems)
        masked.add(row_no, {k: masked_text(v, dates=False) if isinstance(v, str) else v
                                 for k, v in listed_row(values).items()},
                   [(key, masked_text(message)) for key, message in problems])
    return own.finish(), masked.finish()


class _Book:
    """A write-only workbook laid out like the blank form, filled row by row."""

    def __init__(self, table: str, *, report: bool):
        columns = COLUMNS[table]
        self.table, self.report, self.written = table, report, 1
        self.book = Workbook(write_only=True)
        self.data, codes, self.help_sheet = form_sheets(self.book, table)
        ranges = write_code_lists(codes, columns)
        widths = [column_width(c) for c in columns]
        lay_out(self.data, [*widths, 60] if report else widths, freeze="A2")
        add_dropdowns(self.data, columns, ranges, prompts=False)
        self.data.append(_header(self.data, columns, report))
        self.writer = _RowWriter(self.data, columns)

    def add(self, row_no: int, values: dict[str, Any], problems: Problems) -> None:
        """A report keeps each row at the row number of the user's file (empty rows in the gaps), so that its
        messages name the user's rows; other workbooks write rows one after another."""
        if self.report:
            for _ in range(row_no - 1 - self.written):
                self.data.append([])
            self.written = row_no
        self.data.append(self.writer.cells(values, problems))

    def finish(self) -> bytes:
        write_help(self.help_sheet, self.table, COLUMNS[self.table], notes=[REPORT_NOTE] if self.report else [])
        return workbook_bytes(self.book)


def _header(sheet: Any, columns: Sequence[Column], report: bool) -> list[Cell]:
    header = header_cells(sheet, [c.title for c in columns], fill=HEADER_FILL, centered=True)
    if report:
        header += header_cells(sheet, [REPORT_COLUMN], fill=PatternFill("solid", fgColor=BAD_FILL), centered=True)
    return header


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
