"""Sheet-level pieces every workbook the system writes is built from: the header row, column widths and
frozen panes, the hidden 代码表 with the dropdowns that read it, the 填表说明 sheet, the bytes.

They work on openpyxl's normal and write-only sheets alike: a write-only sheet takes its column widths,
validations and frozen panes before its first row, so callers lay a sheet out before appending rows.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..domain.tables import TABLE_TITLES, Column
from .cells import text_cell
from .layout import CODE_SHEET, GENERAL_NOTES, HELP_COLUMNS, HELP_SHEET, MAX_ROW, column_note

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
CENTERED = Alignment(horizontal="center", vertical="center", wrap_text=True)


def form_sheets(book: Workbook, table: str) -> tuple[Any, Any, Any]:
    """A 表一/表二/表三 workbook's sheets, in their order: the data sheet named after the table, the hidden
    代码表 (the dropdowns' lists) and 填表说明."""
    if book.write_only:
        data = book.create_sheet(TABLE_TITLES[table])
    else:
        data = book.active
        data.title = TABLE_TITLES[table]
    codes = book.create_sheet(CODE_SHEET)
    codes.sheet_state = "hidden"
    return data, codes, book.create_sheet(HELP_SHEET)


def header_cells(sheet: Any, titles: Iterable[str], *, font: Font = BOLD, fill: PatternFill | None = None,
                 centered: bool = False) -> list[Cell]:
    """A header row's cells, bold unless `font` says otherwise; to append to `sheet`."""
    cells = []
    for title in titles:
        cell = text_cell(sheet, title)
        cell.font = font
        if fill is not None:
            cell.fill = fill
        if centered:
            cell.alignment = CENTERED
        cells.append(cell)
    return cells


def lay_out(sheet: Any, widths: Iterable[float], *, formats: Iterable[str | None] = (),
            freeze: str | None = None) -> None:
    """Column widths (and number formats, None: none) from column A on, and the top left cell of the
    scrolling part (`freeze`: "A2" keeps row 1 in view)."""
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    for i, number_format in enumerate(formats, start=1):
        if number_format is not None:
            sheet.column_dimensions[get_column_letter(i)].number_format = number_format
    if freeze is not None:
        sheet.freeze_panes = freeze


# the 代码表 sheet's headers: what a clerk reads when it opens the sheet (the lists' keys are the API's)
CODE_LIST_TITLES = {
    "affiliation": "隶属关系", "contract_term": "劳动合同期限类型", "division": "行政区划", "economic_type": "经济类型",
    "education": "文化程度", "employment_form": "用工形式", "gender": "性别", "hukou": "户口性质", "id_type": "证件类型",
    "industry": "行业门类", "industry_division": "行业大类", "post_category": "岗位类别",
    "termination_category": "终止或解除类别", "termination_reason": "终止或解除原因", "unit_type": "单位类型",
    "yes_no": "是否"}


def write_code_lists(sheet: Any, columns: Sequence[Column]) -> dict[str, str]:
    """Every code list the columns use, one down each column of the 代码表 sheet under its name;
    returns each list's cell range, for the dropdowns. (A literal list in a data validation is capped at
    255 characters, hence the sheet.) Written as rows, so a write-only sheet takes it as well."""
    lists: dict[str, list[str]] = {}
    for col in columns:
        if col.codes and col.codes not in lists:
            lists[col.codes] = col.choices()
    names = list(lists)
    sheet.append([CODE_LIST_TITLES.get(n, n) for n in names])
    for r in range(max((len(v) for v in lists.values()), default=0)):
        sheet.append([lists[n][r] if r < len(lists[n]) else None for n in names])
    ranges = {}
    for c, name in enumerate(names, start=1):
        letter = get_column_letter(c)
        ranges[name] = f"'{CODE_SHEET}'!${letter}$2:${letter}${len(lists[name]) + 1}"
    return ranges


def add_dropdowns(sheet: Any, columns: Sequence[Column], ranges: dict[str, str], *, prompts: bool) -> None:
    """A dropdown on every coded column, from row 2 down to the last row; with `prompts`, Excel also
    says what to do when the cell is selected (the blank forms)."""
    for i, col in enumerate(columns, start=1):
        if not col.codes:
            continue
        letter = get_column_letter(i)
        prompt: dict[str, Any] = ({"promptTitle": col.title, "prompt": "请从下拉列表中选择", "showInputMessage": True}
                                  if prompts else {})
        dv = DataValidation(type="list", formula1=ranges[col.codes], allow_blank=True, showErrorMessage=True,
                            errorTitle=col.title, error=f"请从下拉列表中选择{col.title}", **prompt)
        dv.add(f"{letter}2:{letter}{MAX_ROW}")
        sheet.data_validations.append(dv)


def write_help(sheet: Any, table: str, columns: Sequence[Column], *, notes: Iterable[str] = (),
               styled: bool = False) -> None:
    """The 填表说明 sheet: a title, the general notes and `notes`, then one line per column (required or
    not, how to fill it in). `styled`: the blank forms' bold title and header row and a narrow column B."""
    title = f"{TABLE_TITLES[table]} 填表说明"
    sheet.append(header_cells(sheet, [title], font=Font(bold=True, size=14)) if styled else [title])
    for line in (*GENERAL_NOTES, *notes):
        sheet.append([line])
    sheet.append([])
    sheet.append(header_cells(sheet, HELP_COLUMNS, fill=HEADER_FILL) if styled else list(HELP_COLUMNS))
    for col in columns:
        sheet.append([col.title, "必填" if col.required else "选填", column_note(col)])
    sheet.column_dimensions["A"].width = 24
    if styled:
        sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 100


def workbook_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def numbered_listing(sheet_name: str, columns: Sequence[tuple[str, float]], title: str,
                     rows: Iterable[Sequence[Any]]) -> bytes:
    """A one-sheet list written row by row (write-only): the title, the column titles (`columns`: title and width,
    序号 first), then one numbered row per item, every value a formula-safe text cell (cells.py)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    lay_out(sheet, [width for _, width in columns], freeze="A3")
    sheet.append(header_cells(sheet, [title], font=Font(bold=True, size=14)))
    sheet.append(header_cells(sheet, [name for name, _ in columns]))
    for n, row in enumerate(rows, 1):
        sheet.append([text_cell(sheet, n), *(text_cell(sheet, v) for v in row)])
    return workbook_bytes(book)
