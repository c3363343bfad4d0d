"""Writing user-supplied text into a workbook without it ever becoming a formula (formula injection)."""
from __future__ import annotations

from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def risky(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def text_cell(sheet: Any, value: object) -> Cell:
    """A write-only cell for `value`; text a spreadsheet would read as a formula stays plain text."""
    cell = WriteOnlyCell(sheet, value=value)
    if risky(value):
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        cell.quotePrefix = True
    return cell
