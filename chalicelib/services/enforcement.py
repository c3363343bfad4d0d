"""Use case: recording the enforcement follow-up of an overdue unit (docs/rules.md §15) — 责令限期改正, then 已改正
or 逾期未改正 → 移交劳动保障监察. Only a 业务操作员 of the unit's own authority records steps (the departments read
the list, services/overdue.py); each step is one conditional write with its audit event (from, to) and, for a
责令限期改正, the e-mail and SMS telling the unit's filer (services/messages.py).
"""
from __future__ import annotations

from typing import Any

from ..domain import enforcement, jurisdiction
from ..domain.calendar import local_today
from ..domain.enforcement import Enforcement
from ..domain.errors import Conflict, Forbidden, NotFound, ValidationFailed, problem
from ..domain.model import Message, Role, Unit
from ..domain.reminders import counts_as_filed, open_years
from ..ports import AlreadyExists, Clock, StaleVersion, Store
from .accounts import Principal
from .audit import audit_event
from .messages import enforcement_ordered
from .outbox import Outbox

STEPS = ("order", "correct", "transfer")


class EnforcementService:
    def __init__(self, store: Store, clock: Clock, outbox: Outbox, base_url: str):
        self.store, self.clock, self.outbox, self.base_url = store, clock, outbox, base_url.rstrip("/")

    def record(self, who: Principal, uscc: str, year: int, step: str, fields: dict[str, Any]) -> Enforcement:
        """Record `step` (order / correct / transfer) for the unit and year. `fields`: notice_number,
        notice_date, deadline (order); transfer_note (transfer)."""
        unit = self._unit(who, uscc)
        if year not in open_years(local_today(self.clock.now())):
            text = "备案年度不在可备案的年度范围内"
            raise ValidationFailed(text, [problem(text, column="备案年度", field="year")])
        if step not in STEPS:
            text = "执法步骤应为 order（责令限期改正）、correct（已改正）或 transfer（移交劳动保障监察）"
            raise ValidationFailed(text, [problem(text, column="执法步骤", field="step")])
        now, filed = self.clock.now(), self.filed(uscc, year)
        today = local_today(now)
        before = self.store.get_enforcement(uscc, year)
        messages: list[Message] = []
        if step == "order":
            if before is not None:
                raise Conflict(f"该单位{year}年度已责令限期改正（{before.stage_label}），请刷新后查看")
            after = enforcement.order(uscc, year, unit.authority_code, notice_number=_text(fields, "notice_number"),
                                      notice_date=_text(fields, "notice_date"), deadline=_text(fields, "deadline"), by=who.username, now=now,
                                      today=today, filed=filed)
            messages = enforcement_ordered(self.clock, unit, after, f"{self.base_url}/employer",
                                           self.store.list_accounts(uscc))
        elif before is None:
            raise Conflict(f"该单位{year}年度尚未责令限期改正，请先记录责令限期改正")
        elif step == "correct":
            after = before.correct(by=who.username, now=now, filed=filed)
        else:
            after = before.transfer(by=who.username, now=now, today=today, filed=filed,
                                    note=_text(fields, "transfer_note"))
        event = audit_event(now, who.username, f"enforcement_{step}", f"{uscc}/{year}", scope=after.authority_code,
                            detail=enforcement.transition_detail(before, after))
        try:
            self.store.save_enforcement(after, expected_version=before.version if before else None, audit=event,
                                        messages=messages)
        except (AlreadyExists, StaleVersion):
            raise Conflict("该单位的执法记录已被其他审核员更新，请刷新后查看") from None
        if messages:
            self.outbox.deliver_soon()
        return after

    def filed(self, uscc: str, year: int) -> bool:
        """Whether a filing of `year` has come in (submitted or approved): what 已改正 needs."""
        return any(f.kind == "annual" and f.year == year and counts_as_filed(f.status)
                   for f in self.store.list_unit_filings(uscc))

    def _unit(self, who: Principal, uscc: str) -> Unit:
        if who.role != Role.OPERATOR or not who.can("filing.review"):
            raise Forbidden("只有审核机关的审核员可以记录责令限期改正等执法步骤")
        unit = self.store.get_unit(uscc)
        if unit is None:
            raise NotFound("单位不存在")
        if not jurisdiction.Scope(who.scope).can_review(unit.authority_code):
            raise Forbidden("该单位不在您的管辖范围内：执法步骤由单位的审核机关记录")
        return unit


def _text(fields: dict[str, Any], name: str) -> str:
    """A text field of the form or JSON body; anything but a string reads as missing (and is refused as such)."""
    value = fields.get(name)
    return value if isinstance(value, str) else ""
