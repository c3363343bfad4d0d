"""Use cases of 变更审核机关 (docs/rules.md §11): asking to move a unit to another authority, the receiving
authority's decision, withdrawing a request, the province's direct transfer, and what each side reads."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ..domain import jurisdiction, transfers, unit_life
from ..domain.errors import Conflict, Forbidden, NotFound
from ..domain.filing import Filing
from ..domain.model import AuditEvent, Message, Unit
from ..domain.transfers import Transfer
from ..ports import AlreadyExists, Clock, StaleVersion, Store
from .accounts import Principal
from .audit import audit_event
from .messages import transfer_told
from .outbox import Outbox

LOST_RACE = "该变更申请已被处理或单位已变更审核机关，请刷新后查看"
ALREADY_OPEN = "该单位已有一项待处理的审核机关变更申请，请等待接收机关处理或先撤回"


@dataclass(frozen=True)
class TransferForm:
    """What the request form shows: the unit, where it is, where its facts route it, and where it may go."""
    unit: Unit
    current: jurisdiction.Authority
    suggested: jurisdiction.Authority | None  # None: its facts route it to its current authority
    groups: list[tuple[jurisdiction.Authority, list[jurisdiction.Authority]]]
    open: Transfer | None  # a request waiting for the receiving authority
    direct: bool  # the caller may transfer directly (the province)


class TransferService:
    def __init__(self, store: Store, clock: Clock, outbox: Outbox, base_url: str):
        self.store, self.clock, self.outbox = store, clock, outbox
        self.base_url = base_url.rstrip("/")

    # reading
    def _unit(self, uscc: str) -> Unit:
        unit = self.store.get_unit(uscc)
        if unit is None:
            raise NotFound("单位不存在")
        return unit

    def _side(self, who: Principal, unit: Unit) -> str:
        """The side `who` asks for (the unit or its current authority); the province may act on any unit."""
        if who.is_reviewer and transfers.may_transfer_directly(who.scope):
            return who.scope
        if not (who.is_filer or who.is_reviewer):
            raise Forbidden("只有用人单位或审核员可以申请变更审核机关")
        return transfers.asking_side(unit, scope=who.scope, filer=who.is_filer)

    def form(self, who: Principal, uscc: str) -> TransferForm:
        unit = self._unit(uscc)
        self._side(who, unit)
        latest = next((f.table1 for f in self.store.list_unit_filings(uscc) if f.table1), None)
        suggested = transfers.suggested_authority(unit, latest)
        open_ = next((t for t in self.store.list_unit_transfers(uscc) if t.open), None)
        return TransferForm(unit=unit, current=jurisdiction.authority(unit.authority_code),
                            suggested=suggested if suggested and suggested.code != unit.authority_code else None,
                            groups=transfers.authority_groups(), open=open_,
                            direct=who.is_reviewer and transfers.may_transfer_directly(who.scope))

    def get(self, who: Principal, transfer_id: str) -> Transfer:
        transfer = self.store.get_transfer(transfer_id)
        if (transfer is None or not (who.is_filer or who.is_reviewer)
                or not transfer.readable_by(who.scope, filer=who.is_filer)):
            raise NotFound("变更申请不存在")
        return transfer

    def lists(self, who: Principal) -> tuple[list[Transfer], list[Transfer]]:
        """(incoming, outgoing) transfers of the reviewer's own authority, newest first."""
        if not who.is_reviewer:
            raise Forbidden("只有审核员可以查看审核机关变更")
        return (self.store.list_transfers(who.scope, incoming=True),
                self.store.list_transfers(who.scope, incoming=False))

    def of_unit(self, who: Principal, uscc: str) -> list[Transfer]:
        """A unit's transfers: all of them for the unit, those of authorities in scope for a reviewer."""
        self._unit(uscc)
        if not ((who.is_filer and who.scope == uscc) or who.is_reviewer):
            raise NotFound("单位不存在")
        return [t for t in self.store.list_unit_transfers(uscc) if t.readable_by(who.scope, filer=who.is_filer)]

    def history(self, who: Principal, transfer: Transfer) -> list[Filing]:
        """The unit's submitted filings the reviewer reads: those its authority handled, and all of them once the
        unit is in its jurisdiction."""
        if not who.is_reviewer:
            return []
        return [f for f in self.store.list_unit_filings(transfer.uscc) if f.submitted_at is not None
                and transfers.reads_filing(who.scope, f, self.store.get_unit)]

    # acting
    def ask(self, who: Principal, uscc: str, *, to_code: str, reason: str, direct: bool = False) -> Transfer:
        unit = self._unit(uscc)
        side = self._side(who, unit)
        if direct and not (who.is_reviewer and transfers.may_transfer_directly(who.scope)):
            raise Forbidden("只有省人力资源和社会保障厅可以直接变更审核机关")
        if not direct and side != unit.uscc and not jurisdiction.Scope(side).can_review(unit.authority_code):
            raise Forbidden("该单位不由您所在的审核机关审核；省厅可直接变更")
        if unit_life.is_closed(unit):  # a closed unit files nothing more: nothing to route (docs/rules.md §11)
            raise Conflict("该单位已注销（吊销、撤销、迁出），不能变更审核机关；如需恢复请先由审核机关办理恢复")
        now = self.clock.now()
        transfer = transfers.new_transfer(transfer_id=uuid.uuid4().hex, unit=unit, to_code=to_code, reason=reason,
                                          actor=who.username, side=side, now=now, direct=direct)
        try:
            self.store.create_transfer(transfer, audit=self._audit(transfer), messages=self._messages(transfer, unit))
        except AlreadyExists:
            raise Conflict(ALREADY_OPEN) from None
        except StaleVersion:
            raise Conflict(LOST_RACE) from None
        self.outbox.deliver_soon()
        return transfer

    def accept(self, who: Principal, transfer_id: str, *, version: int) -> Transfer:
        transfer = self._current(who, transfer_id, version)
        return self._save(transfer, transfer.accept(actor=who.username, scope=who.scope, now=self.clock.now()))

    def refuse(self, who: Principal, transfer_id: str, *, version: int, reason: str) -> Transfer:
        transfer = self._current(who, transfer_id, version)
        return self._save(transfer, transfer.refuse(actor=who.username, scope=who.scope, reason=reason,
                                                    now=self.clock.now()))

    def cancel(self, who: Principal, transfer_id: str, *, version: int) -> Transfer:
        transfer = self._current(who, transfer_id, version)
        side = who.scope if (who.is_filer or who.is_reviewer) else ""
        return self._save(transfer, transfer.cancel(actor=who.username, side=side, now=self.clock.now()))

    def _current(self, who: Principal, transfer_id: str, version: int) -> Transfer:
        transfer = self.get(who, transfer_id)
        if not transfer.open:
            raise Conflict(f"该变更申请{transfer.status_label}，不能再办理")
        if version != transfer.version:
            raise Conflict(LOST_RACE)
        return transfer

    def _save(self, before: Transfer, after: Transfer) -> Transfer:
        unit = self._unit(after.uscc)
        try:
            self.store.save_transfer(after, expected_version=before.version, audit=self._audit(after),
                                     messages=self._messages(after, unit))
        except StaleVersion:
            raise Conflict(LOST_RACE) from None
        self.outbox.deliver_soon()
        return after

    @staticmethod
    def _audit(t: Transfer) -> AuditEvent:
        """The transition with its from and to (states and authorities); filed under the authority it leaves."""
        step = t.history[-1]
        detail: dict[str, Any] = {"from": step.from_status.value if step.from_status else None,
                                  "to": step.to_status.value, "uscc": t.uscc, "from_authority": t.from_code,
                                  "to_authority": t.to_code}
        if step.reason:
            detail["reason"] = step.reason
        return audit_event(step.at, step.actor, f"transfer_{step.action}", t.id, scope=t.from_code, detail=detail)

    def _messages(self, t: Transfer, unit: Unit) -> list[Message]:
        reviewers = [a for code in (t.from_code, t.to_code) for a in self.store.list_accounts(code)
                     if a.role == "operator" and a.status == "active"]
        return transfer_told(self.clock, t, unit, reviewers, f"{self.base_url}/transfers/{t.id}",
                             self.store.list_accounts(unit.uscc))
