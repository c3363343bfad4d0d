"""Export of filings and their 表二 rows (SPEC.md §9) as .xlsx: two sheets, written row by row in openpyxl's
write-only mode to a temporary file (not held in memory). Every text cell goes through cells.text_cell, so a
value a spreadsheet could read as a formula (= + - @ …) is stored as quoted text, never evaluated."""
from __future__ import annotations

import tempfile
from collections.abc import Iterable

from .cells import text_cell

FILING_COLUMNS = ("回执号", "单位名称", "统一社会信用代码", "审核机关", "备案年度", "备案类型", "状态", "提交时间",
                  "应签劳动合同人数", "已签劳动合同人数")


def export_workbook(filings: Iterable[list], row_columns: list[str], rows: Iterable[list]):
    """A temporary file (rewound) holding the workbook; the caller closes it."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    for title, columns, values in (("备案", FILING_COLUMNS, filings), ("表二人员", row_columns, rows)):
        sheet = book.create_sheet(title)
        header = []
        for name in columns:
            cell = text_cell(sheet, name)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in values:
            sheet.append([text_cell(sheet, v) for v in row])
    out = tempfile.TemporaryFile()  # noqa: SIM115 (returned open; the caller closes it)
    book.save(out)
    out.seek(0)
    return out
