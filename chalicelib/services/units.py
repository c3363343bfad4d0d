"""Use cases of a unit's life (docs/rules.md §11): the founding date filled in or corrected, the unit's request to
be closed, the authority's record of a closure (confirming the request or not), its refusal of a request, and
reopening. The rules are domain/unit_life.py; the store moves the owing index and the counters with each write.

Who: the filer acts on its own unit (the founding date once, a closure request); a 业务操作员 of the unit's
authority or above it in the jurisdiction chain (a city over its counties, the province over all) records,
refuses, reopens and sets or corrects the founding date. Every write is conditional on the version the caller
saw, audited with from/to, and tells the filer of a confirmed closure, a refused request and a reopening.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..domain import jurisdiction, unit_life
from ..domain.calendar import local_today
from ..domain.errors import Conflict, Forbidden, NotFound
from ..domain.filing import Filing
from ..domain.model import Message, Unit
from ..domain.roles import Permission
from ..ports import Clock, StaleVersion, Store
from .accounts import Principal
from .audit import audit_event
from .messages import unit_life_changed
from .outbox import Outbox

STALE = "单位信息已被他人修改，请刷新后重试"


@dataclass(frozen=True)
class UnitView:
    """The authority-side unit page: the unit's facts, its status, its filings, what it owes."""
    unit: Unit
    authority: jurisdiction.Authority
    filings: list[Filing]
    owed: list[int]
    can_manage: bool  # the caller may record a closure, refuse a request, reopen, correct the founding date
    today: dt.date

    @property
    def closure(self) -> unit_life.Closure | None:
        return unit_life.current_closure(self.unit)

    @property
    def request(self) -> unit_life.ClosureRequest | None:
        return unit_life.pending_request(self.unit)

    @property
    def status_label(self) -> str:
        return unit_life.status_label(self.unit)


class UnitService:
    def __init__(self, store: Store, clock: Clock, outbox: Outbox, base_url: str):
        self.store, self.clock, self.outbox = store, clock, outbox
        self.employer_url = f"{base_url.rstrip('/')}/employer"

    # access
    def get(self, who: Principal, uscc: str) -> Unit:
        """The unit if `who` may read it: the filer its own (404 otherwise), a 业务操作员 within its jurisdiction."""
        unit = self.store.get_unit(uscc)
        if unit is None or (who.is_filer and unit.uscc != who.scope):
            raise NotFound("单位不存在")
        if who.is_reviewer and not jurisdiction.Scope(who.scope).can_read(unit.authority_code):
            raise Forbidden("该单位不在您的管辖范围内")
        if not (who.is_filer or who.is_reviewer):
            raise Forbidden("您的账号无权查看单位信息")
        return unit

    def _managed(self, who: Principal, uscc: str) -> Unit:
        unit = self.get(who, uscc)
        if not (who.is_reviewer and who.can(Permission.FILING_REVIEW)):
            raise Forbidden("只有单位审核机关（或其上级）的审核员可以办理")
        return unit

    def _own(self, who: Principal, uscc: str) -> Unit:
        unit = self.get(who, uscc)
        if not who.is_filer:
            raise Forbidden("只有本单位的备案填报员可以办理")
        return unit

    def view(self, who: Principal, uscc: str) -> UnitView:
        unit = self.get(who, uscc)
        today = local_today(self.clock.now())
        filings = [f for f in self.store.list_unit_filings(uscc) if who.is_filer or f.submitted_at is not None]
        return UnitView(unit, jurisdiction.authority(unit.authority_code), filings, unit_life.years_owed(unit, today),
                        who.is_reviewer and who.can(Permission.FILING_REVIEW), today)

    def closure_requests(self, who: Principal) -> list[Unit]:
        """The closure requests waiting for the caller's jurisdiction, oldest first."""
        if not who.is_reviewer:
            raise Forbidden("只有审核员可以查看注销申请")
        return self.store.units_asking_closure(jurisdiction.Scope(who.scope).visible_authorities())

    # the writes
    def set_founding(self, who: Principal, uscc: str, founded_on: str | None, version: int) -> Unit:
        """The filer fills in a missing founding date once; the authority sets or corrects it."""
        unit = self._own(who, uscc) if who.is_filer else self._managed(who, uscc)
        after = unit_life.with_founding(unit, founded_on, self._today(), by_authority=not who.is_filer)
        return self._save(who, unit, version, after, "set_founding_date", {
            "from": unit.founded_on.isoformat() if unit.founded_on else None, "to": after.founded_on.isoformat()
            if after.founded_on else None})

    def request_closure(self, who: Principal, uscc: str, kind: str | None, on: str | None, note: str | None,
                        version: int) -> Unit:
        unit = self._own(who, uscc)
        after = unit_life.requested(unit, kind, on, note, who.username, self.clock.now(), self._today())
        request = after.closure_request
        assert request is not None
        return self._save(who, unit, version, after, "request_closure", {
            "from": unit.closure_request.status if unit.closure_request else "none", "to": "pending",
            "kind": request.kind, "date": request.on.isoformat()})

    def record_closure(self, who: Principal, uscc: str, kind: str | None, on: str | None, evidence: str | None,
                       note: str | None, version: int) -> Unit:
        unit = self._managed(who, uscc)
        after = unit_life.closed(unit, kind, on, evidence, note, who.username, self.clock.now(), self._today())
        closure = unit_life.current_closure(after)
        assert closure is not None
        return self._save(who, unit, version, after, "record_closure", {
            "from": "active", "to": "closed", "kind": closure.kind, "date": closure.on.isoformat(),
            "evidence": closure.evidence, "confirms_request": unit_life.pending_request(unit) is not None},
            lambda u: unit_life_changed(self.clock, u, "unit_closed", {
                "unit": u.name, "kind": closure.kind_label, "date": closure.on.isoformat()},
                f"审核机关已登记您单位于{closure.on.isoformat()}{closure.kind_label}（{closure.evidence}），"
                f"自该日起不再需要备案；此前已逾期未备案的年度仍须补报。", self.employer_url, self.store.list_accounts(u.uscc)))

    def refuse_request(self, who: Principal, uscc: str, reason: str | None, version: int) -> Unit:
        unit = self._managed(who, uscc)
        after = unit_life.refused(unit, reason, who.username, self.clock.now())
        answer = after.closure_request.answer if after.closure_request else ""
        return self._save(who, unit, version, after, "refuse_closure", {
            "from": "pending", "to": "refused", "reason": answer},
            lambda u: unit_life_changed(self.clock, u, "closure_refused", {"unit": u.name, "reason": answer or ""},
                                        f"您单位的注销申请未获同意，原因：{answer}。", self.employer_url,
                                        self.store.list_accounts(u.uscc)))

    def reopen(self, who: Principal, uscc: str, reason: str | None, version: int) -> Unit:
        unit = self._managed(who, uscc)
        after = unit_life.reopened(unit, reason, who.username, self.clock.now(), self._today())
        reopened = after.closures[-1]
        return self._save(who, unit, version, after, "reopen_unit", {
            "from": "closed", "to": "active", "reason": reopened.reopen_reason,
            "date": reopened.reopened_on.isoformat() if reopened.reopened_on else None},
            lambda u: unit_life_changed(self.clock, u, "unit_reopened", {"unit": u.name},
                                        f"审核机关已恢复您单位的劳动用工备案，自{reopened.reopened_on}起到期的年度须按时备案。",
                                        self.employer_url, self.store.list_accounts(u.uscc)))

    def _today(self) -> dt.date:
        return local_today(self.clock.now())

    def _save(self, who: Principal, before: Unit, version: int, after: Unit, action: str, detail: dict[str, Any],
              messages: Callable[[Unit], list[Message]] | None = None) -> Unit:
        if version != before.version:
            raise Conflict(STALE)
        event = audit_event(self.clock.now(), who.username, action, after.uscc, scope=after.authority_code,
                            detail=detail)
        try:
            self.store.save_unit(after, expected_version=before.version, audit=event,
                                 messages=messages(after) if messages else ())
        except StaleVersion:
            raise Conflict(STALE) from None
        if messages:
            self.outbox.deliver_soon()
        return after
