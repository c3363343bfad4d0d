"""Writing user-supplied text into a workbook without it ever becoming a formula (formula injection)."""
from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def risky(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def text_cell(sheet, value):
    """A write-only cell for `value`; text a spreadsheet would read as a formula stays plain text."""
    from openpyxl.cell import WriteOnlyCell
    cell = WriteOnlyCell(sheet, value=value)
    if risky(value):
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        cell.quotePrefix = True
    return cell
