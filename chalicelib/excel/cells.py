"""Writing user-supplied text into a workbook without it ever becoming a formula (formula injection), and
without any stored text breaking the file."""
from __future__ import annotations

import re
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# what a workbook's XML cannot hold: control characters (openpyxl refuses them) and lone surrogates
_UNWRITABLE = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ud800-\udfff]")


def writable(value: Any) -> Any:
    """`value`, with text cleaned of what a workbook cannot hold. Entry checks refuse such text today
    (docs/rules.md §17), but whatever was stored before them must never make an export fail."""
    return _UNWRITABLE.sub("", value) if isinstance(value, str) else value


def risky(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def text_cell(sheet: Any, value: object) -> Cell:
    """A write-only cell for `value`; text a spreadsheet would read as a formula stays plain text."""
    value = writable(value)
    cell = WriteOnlyCell(sheet, value=value)
    if risky(value):
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        cell.quotePrefix = True
    return cell
