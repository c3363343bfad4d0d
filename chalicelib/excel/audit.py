"""The audit log's events as an .xlsx (docs/rules.md §10, "Audit log"): names and sentences, not codes and JSON.

Actors, targets and details may carry what users typed (a username tried at sign-in, a reason), so every cell
is formula-safe (sheets.py numbered_listing)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from .sheets import numbered_listing

COLUMNS = (("序号", 8), ("时间（北京时间）", 20), ("操作人", 20), ("操作", 22), ("对象", 34), ("所属机关", 30),
           ("结果", 10), ("说明", 80))


def audit_workbook(title: str, rows: Iterable[Sequence[str]]) -> bytes:
    """`rows`: one list per event, newest first, in COLUMNS order without 序号 (numbered here)."""
    return numbered_listing("审计日志", COLUMNS, title, rows)
