"""The blank 表一/表二/表三 workbooks a filer downloads, fills in and uploads (GET /templates/{table}).

Layout (layout.py; reader.py relies on it): sheet 1 is named after the table (TABLE_TITLES) with the
column titles in row 1 and data from row 2; row 2 holds one example row (EXAMPLE_ROWS), which the reader
skips while it is left unchanged. A hidden 代码表 sheet holds the dropdown lists, and 填表说明 explains
every column and check.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..domain.tables import COLUMNS, Column
from .layout import EXAMPLE_ROWS, column_width, text_column


def blank_form(table: str) -> bytes:
    """The blank .xlsx form for table1/table2/table3, as bytes."""
    # openpyxl loads only when a form is downloaded: the route module serving it is part of `import app`
    from openpyxl import Workbook

    from . import sheets

    columns = COLUMNS[table]
    book = Workbook()
    data, codes, help_sheet = sheets.form_sheets(book, table)

    data.append(sheets.header_cells(data, [c.title for c in columns], fill=sheets.HEADER_FILL, centered=True))
    sheets.lay_out(data, [column_width(c) for c in columns], formats=[_column_format(c) for c in columns],
                   freeze="A2")
    sheets.add_dropdowns(data, columns, sheets.write_code_lists(codes, columns), prompts=True)
    _example_row(data, columns, EXAMPLE_ROWS.get(table))
    sheets.write_help(help_sheet, table, columns, styled=True)
    return sheets.workbook_bytes(book)


def _column_format(col: Column) -> str | None:
    if text_column(col):
        return "@"  # typed digits stay text: no 1.40105E+17
    return "yyyy-mm-dd" if col.kind == "date" else None


def _example_row(sheet: Any, columns: Sequence[Column], example: dict[str, Any] | None) -> None:
    """Row 2: the example (表二/表三 only), formatted like the cells a filer types into."""
    if not example:
        return
    for i, col in enumerate(columns, start=1):
        value = example[col.key]
        if col.key == "reason_code":
            value = next(c for c in col.choices() if c.startswith(value))  # as the dropdown has it
        cell = sheet.cell(2, i, value)
        if col.kind == "date":
            cell.number_format = "yyyy-mm-dd"
        elif col.kind == "id" or col.key.endswith("phone"):
            cell.number_format = "@"
