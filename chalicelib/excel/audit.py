"""The audit log's events as an .xlsx (docs/rules.md §10, "Audit log"): names and sentences, not codes and JSON.

Actors, targets and details may carry what users typed (a username tried at sign-in, a reason), so every cell
is formula-safe (cells.py)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..domain.calendar import local_text
from .sheets import numbered_listing

COLUMNS = (("序号", 8), ("时间（北京时间）", 20), ("操作人", 20), ("操作", 22), ("对象", 34), ("所属机关", 30),
           ("结果", 10), ("说明", 80))


def audit_workbook(title: str, lines: Iterable[Any]) -> bytes:
    """`lines`: services/audit.py AuditLine, newest first."""
    return numbered_listing("审计日志", COLUMNS, title, (
        [local_text(x.event.at), x.event.actor, x.action, x.event.target, x.division, x.outcome, x.sentence]
        for x in lines))
