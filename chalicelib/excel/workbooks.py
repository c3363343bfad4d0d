"""Workbooks the system writes from rows: the error report, the roster export, the leavers' 表三.

All three are laid out like the template (templates.py: same sheet name, header titles, dropdowns on a
hidden 代码表 sheet, text ID column, 填表说明), so the filer can fix or complete them in Excel and upload
them back as they are. Written with openpyxl's write-only mode: a 100,000-row roster in seconds, not
minutes, and without holding every cell object in memory.
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from ..domain.tables import COLUMNS, TABLE_TITLES, Column
from .cells import risky, text_cell
from .reader import IGNORED_HEADERS
from .templates import (
    _GENERAL_NOTES,
    CODE_SHEET,
    HELP_SHEET,
    MAX_ROW,
    _note,
    _width,
    text_column,
)

REPORT_COLUMN = IGNORED_HEADERS[0]  # 错误说明: the reader skips it, so a fixed report uploads as it is
BAD_FILL, BAD_FONT = "FFC7CE", "9C0006"  # Excel's own "bad" cell style colours


def _date_value(col: Column, value):
    """Stored rows keep dates as ISO text; write them back as dates so Excel shows and sorts them."""
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


def rows_workbook(table: str, rows: Iterable[tuple[int, dict]], *,
                  errors: dict[int, list[tuple[str, str]]] | None = None) -> bytes:
    """An .xlsx of `rows` ((Excel row number, {key: value}), ascending) under the template's header.

    With `errors` ({row number: [(column key, message)]}) it is an error report: each row stays at the
    row number the user's own file had, bad cells are filled red, and a last column 错误说明 lists the
    row's problems. Without, rows are written one after another from row 2."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = COLUMNS[table]
    titles = {c.key: c.title for c in columns}
    book = Workbook(write_only=True)
    data = book.create_sheet(TABLE_TITLES[table])
    codes = book.create_sheet(CODE_SHEET)
    codes.sheet_state = "hidden"
    help_ = book.create_sheet(HELP_SHEET)

    # code lists go down the columns of 代码表; write-only appends rows, so build them as rows
    lists: dict[str, list[str]] = {}
    for col in columns:
        if col.codes and col.codes not in lists:
            lists[col.codes] = col.choices()
    names = list(lists)
    codes.append(names)
    for r in range(max((len(v) for v in lists.values()), default=0)):
        codes.append([lists[n][r] if r < len(lists[n]) else None for n in names])

    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    bad_fill, bad_font = PatternFill("solid", fgColor=BAD_FILL), Font(color=BAD_FONT)
    for i, col in enumerate(columns, start=1):
        letter = get_column_letter(i)
        data.column_dimensions[letter].width = _width(col)
        if col.codes:
            cl = get_column_letter(names.index(col.codes) + 1)
            dv = DataValidation(type="list", formula1=f"'{CODE_SHEET}'!${cl}$2:${cl}${len(lists[col.codes]) + 1}",
                                allow_blank=True, showErrorMessage=True, errorTitle=col.title,
                                error=f"请从下拉列表中选择{col.title}")
            dv.add(f"{letter}2:{letter}{MAX_ROW}")
            data.data_validations.append(dv)
    if errors is not None:
        data.column_dimensions[get_column_letter(len(columns) + 1)].width = 60
    data.freeze_panes = "A2"

    def header_cell(text: str, fill=head_fill):
        cell = WriteOnlyCell(data, text)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        return cell

    header = [header_cell(c.title) for c in columns]
    if errors is not None:
        header.append(header_cell(REPORT_COLUMN, PatternFill("solid", fgColor=BAD_FILL)))
    data.append(header)

    text_keys = {c.key for c in columns if text_column(c)}
    written = 1
    for row_no, values in rows:
        if errors is not None:
            while written < row_no - 1:  # keep the user's row numbers: the messages name them
                data.append([])
                written += 1
        problems = errors.get(row_no, []) if errors is not None else []
        bad = {key for key, _ in problems}
        cells = []
        for col in columns:
            value = _date_value(col, values.get(col.key))
            # plain values are several times faster to write; a date value gets a date format by itself;
            # user text that a spreadsheet would read as a formula never goes in plain
            if col.key in bad or (col.key in text_keys and value is not None) or risky(value):
                cell = text_cell(data, value)
                if col.key in text_keys:
                    cell.number_format = "@"  # an ID retyped here stays text
                if col.key in bad:
                    cell.fill, cell.font = bad_fill, bad_font
                cells.append(cell)
            else:
                cells.append(value)
        if problems:
            note = text_cell(data, "；".join(f"【{titles.get(k, k)}】{m}" if k in titles else m
                                                  for k, m in problems))
            note.font = bad_font
            cells.append(note)
        data.append(cells)
        written = row_no if errors is not None else written + 1

    help_.append([f"{TABLE_TITLES[table]} 填表说明"])
    for line in _GENERAL_NOTES:
        help_.append([line])
    if errors is not None:
        help_.append([f"本文件是错误报告：出错的单元格已标红，最后一列“{REPORT_COLUMN}”列出该行的问题。"
                      f"改正后可直接上传本文件（“{REPORT_COLUMN}”列会被忽略）。"])
    help_.append([])
    help_.append(["列名", "是否必填", "填写要求"])
    for col in columns:
        help_.append([col.title, "必填" if col.required else "选填", _note(col)])
    help_.column_dimensions["A"].width = 24
    help_.column_dimensions["C"].width = 100

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
