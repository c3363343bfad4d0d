from __future__ import annotations

import datetime as dt
import uuid

from ..domain.model import AuditEvent


def audit_event(at: dt.datetime, actor: str, action: str, target: str, *, outcome: str = "ok",
                scope: str | None = None, detail: dict | None = None) -> AuditEvent:
    return AuditEvent(id=uuid.uuid4().hex, at=at, actor=actor, action=action, target=target, scope=scope,
                      outcome=outcome, detail=detail or {})


class AuditLog:
    """Reading the audit trail: the 业务审计员's only permission. There is no way to alter or delete it."""

    def __init__(self, store):
        self.store = store

    def read(self, who, *, limit: int = 100) -> list[AuditEvent]:
        from ..domain.errors import Forbidden
        from ..domain.jurisdiction import Scope
        from ..domain.model import Role
        if who.role != Role.AUDITOR:
            raise Forbidden("只有业务审计员可以查看审计日志")
        # events without a division are province business; a city/county auditor sees its own area
        return self.store.list_audit(limit, scopes=Scope(who.scope).visible_authorities())
