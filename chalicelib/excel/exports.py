"""Export of filings and their 表二 rows (docs/rules.md §9) as .xlsx: two sheets, written row by row in
openpyxl's write-only mode to a temporary file (not held in memory). Every text cell goes through
cells.text_cell, so a value a spreadsheet could read as a formula (= + - @ …) is stored as quoted text,
never evaluated."""
from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from typing import IO, Any

from openpyxl import Workbook

from .cells import text_cell
from .sheets import header_cells

FILING_COLUMNS = ("回执号", "单位名称", "统一社会信用代码", "审核机关", "备案年度", "备案类型", "状态", "提交时间（北京时间）",
                  "应签劳动合同人数", "已签劳动合同人数")


def export_workbook(filings: Iterable[Sequence[Any]], row_columns: Sequence[str],
                    rows: Iterable[Sequence[Any]]) -> IO[bytes]:
    """A temporary file (rewound) holding the workbook; the caller closes it."""
    book = Workbook(write_only=True)
    for title, columns, values in (("备案", FILING_COLUMNS, filings), ("表二人员", row_columns, rows)):
        sheet = book.create_sheet(title)
        sheet.append(header_cells(sheet, columns))
        for row in values:
            sheet.append([text_cell(sheet, v) for v in row])
    out = tempfile.TemporaryFile()  # noqa: SIM115 (returned open; the caller closes it)
    book.save(out)
    out.seek(0)
    return out
