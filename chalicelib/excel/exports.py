"""Export of filings and their 表二 rows (docs/rules.md §9) as .xlsx: two tables, written as a stream
(excel/xlsx_stream.py) to a temporary file in flat memory, however many rows — a province's run to millions, split
over several sheets past 1,048,575. Text a spreadsheet could read as a formula (= + - @ …) stays quoted text."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO, Any

from .xlsx_stream import MAX_ROWS, streamed_workbook

FILING_COLUMNS = ("回执号", "单位名称", "统一社会信用代码", "审核机关", "备案年度", "备案类型", "状态", "提交时间（北京时间）",
                  "应签劳动合同人数", "已签劳动合同人数")


def export_workbook(filings: Iterable[Sequence[Any]], row_columns: Sequence[str],
                    rows: Iterable[Sequence[Any]], *, max_rows: int = MAX_ROWS) -> IO[bytes]:
    """A temporary file (rewound) holding the workbook; the caller closes it."""
    return streamed_workbook((("备案", FILING_COLUMNS, filings), ("表二人员", row_columns, rows)), max_rows=max_rows)
