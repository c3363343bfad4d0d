"""The 未依法备案单位名单 as an .xlsx for 劳动保障监察 (责令限期改正), with each unit's enforcement follow-up.

Safe against formula injection: unit names, addresses and the like come from the public registration
form, so any text a spreadsheet could read as a formula (starting with = + - @, a tab or a carriage
return) is written as a text cell with Excel's quote prefix: shown and kept exactly as registered, never
evaluated (no formula or DDE reaches the file). Written with openpyxl's write-only mode, row by row.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .sheets import numbered_listing

COLUMNS = (  # (title, width)
    ("序号", 6), ("单位名称", 32), ("统一社会信用代码", 22), ("审核机关", 30), ("注册地址", 36), ("法定代表人", 12),
    ("填报员", 10), ("填报员手机号", 14), ("填报员电子邮箱", 26), ("注册时间", 18), ("备案状态", 20),
    ("截止日期", 12), ("逾期天数", 10), ("已发提醒次数", 12), ("提醒记录", 60),
    # the enforcement follow-up (docs/rules.md §15): services/overdue.py enforcement_cells
    ("执法状态", 16), ("最近执法步骤", 26), ("步骤日期", 12), ("责令改正文书编号", 24), ("改正期限", 12),
    ("移交文书编号或说明", 30),
)


def overdue_workbook(title: str, rows: Iterable[Sequence[Any]]) -> bytes:
    """`rows`: one list per unit, in COLUMNS order without 序号 (numbered here)."""
    return numbered_listing("未依法备案单位名单", COLUMNS, title, rows)
