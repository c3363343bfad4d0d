from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from ..domain.errors import Forbidden
from ..domain.filing import Filing
from ..domain.jurisdiction import Scope
from ..domain.model import AuditEvent, Role
from ..ports import Store

if TYPE_CHECKING:  # accounts imports this module
    from .accounts import Principal


def audit_event(at: dt.datetime, actor: str, action: str, target: str, *, outcome: str = "ok",
                scope: str | None = None, detail: dict[str, Any] | None = None) -> AuditEvent:
    return AuditEvent(id=uuid.uuid4().hex, at=at, actor=actor, action=action, target=target, scope=scope,
                      outcome=outcome, detail=detail or {})


def transition_audit(after: Filing) -> AuditEvent:
    """The audit event of a filing's latest transition (docs/rules.md §4): who did what, from which state to which,
    with the reason of a decision and the receipt of a submission."""
    t = after.history[-1]
    detail: dict[str, Any] = {"from": t.from_status.value, "to": t.to_status.value}
    if t.reason:
        detail["reason"] = t.reason
    if t.receipt_no:
        detail["receipt_no"] = t.receipt_no
    return audit_event(t.at, t.actor, t.action, after.id, scope=after.authority_code, detail=detail)


class AuditService:
    """Reading the audit trail: the 业务审计员's only permission. There is no way to alter or delete it."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def read(self, who: Principal, *, limit: int = 100) -> list[AuditEvent]:
        if who.role != Role.AUDITOR:
            raise Forbidden("只有业务审计员可以查看审计日志")
        # events without a division are province business; a city/county auditor sees its own area
        return self.store.list_audit(limit, scopes=Scope(who.scope).visible_authorities())
