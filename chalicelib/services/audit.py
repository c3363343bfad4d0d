from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from ..domain.audit import ACTION_NAMES, AuditFilter, action_name, describe, outcome_name
from ..domain.calendar import local_today
from ..domain.errors import Forbidden, ValidationFailed, problem
from ..domain.filing import Filing
from ..domain.jurisdiction import Scope, authority
from ..domain.model import AuditEvent, Role
from ..ports import Clock, Store

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


PAGE_SIZE = 50
EXPORT_LIMIT = 200_000  # events in one export: a workbook a spreadsheet still opens
BEIJING = dt.timezone(dt.timedelta(hours=8))


class AuditLine(NamedTuple):
    """One event as the page and the export show it."""
    event: AuditEvent
    action: str  # the Chinese name
    outcome: str
    division: str
    sentence: str

    @classmethod
    def of(cls, event: AuditEvent) -> AuditLine:
        return cls(event, action_name(event.action), outcome_name(event.outcome),
                   authority(event.scope).name if event.scope else "省级", describe(event))


class AuditPage(NamedTuple):
    lines: list[AuditLine]
    next_page_token: str | None
    filters: dict[str, str]  # as asked, for the form, the next page and the export


class AuditService:
    """Reading the audit trail: the 业务审计员's only permission. There is no way to alter or delete it."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store, self.clock = store, clock

    def page(self, who: Principal, filters: dict[str, Any], *, page_token: str | None = None,
             size: int = PAGE_SIZE) -> AuditPage:
        """One page of the events the filters select (actor, action, target, date_from/date_to in Beijing time,
        division) within the auditor's area, newest first."""
        query = self._query(who, filters)
        try:
            events, token = self.store.audit_page(query, size=size, page_token=page_token or None)
        except ValueError:
            raise ValidationFailed("翻页标记无效，请从第一页重新查看",
                                   [problem("翻页标记无效，请从第一页重新查看", field="page_token")]) from None
        return AuditPage([AuditLine.of(e) for e in events], token, kept(filters))

    def check_export(self, who: Principal, **filters: Any) -> dict[str, str]:
        """Whether `who` may export these events (refused at once, services/exports.py); the filters to keep."""
        self._query(who, filters)
        return kept(filters)

    def export(self, who: Principal, **filters: Any) -> tuple[bytes, str]:
        """The events the filters select as an .xlsx (built by the export job); the export itself is audited."""
        from ..excel.audit import audit_workbook  # openpyxl: loaded only when exporting

        query = self._query(who, filters)
        lines = (AuditLine.of(e) for e in self._all(query))
        data = audit_workbook(f"审计日志（{authority(who.scope).name}）", lines)
        self.store.append_audit(audit_event(self.clock.now(), who.username, "export", "audit", scope=who.scope,
                                            detail={"kind": "audit", **kept(filters)}))
        return data, f"审计日志-{local_today(self.clock.now()):%Y%m%d}.xlsx"

    def _all(self, query: AuditFilter) -> Iterator[AuditEvent]:
        token, count = None, 0
        while True:
            events, token = self.store.audit_page(query, size=500, page_token=token)
            for event in events:
                count += 1
                if count > EXPORT_LIMIT:
                    return
                yield event
            if token is None:
                return

    def _query(self, who: Principal, filters: dict[str, Any]) -> AuditFilter:
        if who.role != Role.AUDITOR:
            raise Forbidden("只有业务审计员可以查看审计日志")
        f = kept(filters)
        action = f.get("action")
        if action and action not in ACTION_NAMES:
            raise _invalid("操作类型不在列表中", "action")
        scopes = Scope(who.scope).visible_authorities(f.get("division"))
        if scopes == []:
            raise _invalid("所选区划不在您的管辖范围内", "division")
        since, until = _day(f.get("date_from"), "date_from"), _day(f.get("date_to"), "date_to")
        if since and until and since > until:
            raise _invalid("起始日期不能晚于截止日期", "date_from")
        return AuditFilter(scopes=scopes, actor=f.get("actor"), action=action, target=f.get("target"),
                           since=_beijing_midnight(since), until=_beijing_midnight(until, next_day=True))


FILTERS = ("actor", "action", "target", "date_from", "date_to", "division")


def kept(filters: dict[str, Any]) -> dict[str, str]:
    """The filters given (trimmed, empty ones left out)."""
    return {k: str(filters[k]).strip() for k in FILTERS if str(filters.get(k) or "").strip()}


def _invalid(text: str, field: str) -> ValidationFailed:
    return ValidationFailed(text, [problem(text, field=field)])


def _day(text: str | None, field: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _invalid("日期格式应为 YYYY-MM-DD", field) from None


def _beijing_midnight(day: dt.date | None, *, next_day: bool = False) -> dt.datetime | None:
    if day is None:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=1 if next_day else 0), dt.time(), BEIJING)
