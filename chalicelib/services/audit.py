from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from ..domain.audit import ACTION_NAMES, AuditFilter, action_name, describe, outcome_name
from ..domain.calendar import local_text, local_today
from ..domain.errors import Forbidden, ValidationFailed, problem
from ..domain.filing import Filing
from ..domain.jurisdiction import Scope, UnknownDivision, authority
from ..domain.model import AuditEvent, Role
from ..domain.reference import policy
from ..ports import Clock, Store
from .progress import NO_PROGRESS, Progress

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
    if t.declaration:
        detail["declaration"] = t.declaration
    return audit_event(t.at, t.actor, t.action, after.id, scope=after.authority_code, detail=detail)


PAGE_SIZE = 50
EXPORT_LIMIT = 200_000  # events in one export: a workbook a spreadsheet still opens


class AuditLine(NamedTuple):
    """One event as the page and the export show it."""
    event: AuditEvent
    action: str  # the Chinese name
    outcome: str
    division: str
    sentence: str

    @classmethod
    def of(cls, event: AuditEvent) -> AuditLine:
        return cls(event, action_name(event.action), outcome_name(event.outcome), _division(event.scope),
                   describe(event))


def _division(scope: str | None) -> str:
    if not scope:
        return "省级"
    try:
        return authority(scope).name
    except UnknownDivision:  # a code the reference data no longer has: shown as written
        return scope


class AuditPage(NamedTuple):
    lines: list[AuditLine]
    next_page_token: str | None


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
        return AuditPage([AuditLine.of(e) for e in events], token)

    def check_export(self, who: Principal, **filters: Any) -> dict[str, str]:
        """Whether `who` may export these events (refused at once, services/exports.py); the filters to keep."""
        self._query(who, filters)
        return kept(filters)

    def export(self, who: Principal, *, progress: Progress = NO_PROGRESS, **filters: Any) -> tuple[bytes, str]:
        """The events the filters select as an .xlsx (built by the export job); the export itself is audited."""
        from ..excel.audit import audit_workbook  # openpyxl: loaded only when exporting

        data = audit_workbook(f"审计日志（{authority(who.scope).name}）", progress.counted(self._rows(self._query(who, filters))))
        self.store.append_audit(audit_event(self.clock.now(), who.username, "export", "audit", scope=who.scope,
                                            detail={"kind": "audit", **kept(filters)}))
        return data, f"审计日志-{local_today(self.clock.now()):%Y%m%d}.xlsx"

    def _rows(self, query: AuditFilter) -> Iterator[list[str]]:
        """The export's rows (excel/audit.py COLUMNS), newest first; past EXPORT_LIMIT a last row says so."""
        token, count = None, 0
        while True:
            events, token = self.store.audit_page(query, size=500, page_token=token)
            for event in events:
                count += 1
                if count > EXPORT_LIMIT:
                    yield [f"以下从略：符合条件的记录超过{EXPORT_LIMIT}条，请缩小日期范围后分批导出"]
                    return
                x = AuditLine.of(event)
                yield [local_text(event.at), event.actor, x.action, event.target, x.division, x.outcome, x.sentence]
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
    return dt.datetime.combine(day + dt.timedelta(days=1 if next_day else 0), dt.time(), ZoneInfo(policy().timezone))
