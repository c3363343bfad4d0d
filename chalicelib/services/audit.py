from __future__ import annotations

import datetime as dt
import uuid

from ..domain.model import AuditEvent


def audit_event(at: dt.datetime, actor: str, action: str, target: str, *, outcome: str = "ok",
                detail: dict | None = None) -> AuditEvent:
    return AuditEvent(id=uuid.uuid4().hex, at=at, actor=actor, action=action, target=target, outcome=outcome,
                      detail=detail or {})
