"""变更审核机关 (docs/rules.md §11, §2): moving a unit from one reviewing authority to another.

    requested ──接收机关 接收──▶ accepted
        ├──────接收机关 不予接收（附理由）──▶ refused
        └──────申请方 撤回──▶ cancelled
    (the province)  直接变更 ──▶ accepted

The unit or its current authority asks, naming the new authority; the receiving authority decides; the province
may move a unit directly. One open request per unit. On acceptance the unit's authority changes and what has
not reached a reviewer moves with it: its drafts, and the years it still owes that no reviewer holds a filing of
(counted `expected` there). Filings a reviewer has acted on (submitted, approved, rejected) stay with the
authority that handled them, which keeps reading them; the new authority reads all of the unit's filings.
Transitions return a new Transfer with the version bumped; the store writes it conditionally.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from . import jurisdiction
from .errors import Conflict, Forbidden, ValidationFailed, problem
from .filing import Filing, Status as FilingStatus
from .model import Unit
from .reference import divisions, policy
from .stats import REGISTERED_YEAR
from .text import nfc, text_problem

REASON_MAX = 500


class Status(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    CANCELLED = "cancelled"


STATUS_LABEL = {Status.REQUESTED: "待接收机关处理", Status.ACCEPTED: "已变更", Status.REFUSED: "不予接收",
                Status.CANCELLED: "已撤回"}
ACTION_LABEL = {"request": "申请变更", "accept": "接收", "refuse": "不予接收", "cancel": "撤回申请",
                "direct": "省厅直接变更"}


class Step(BaseModel):
    action: str  # a key of ACTION_LABEL
    actor: str
    at: dt.datetime
    from_status: Status | None  # None: the transfer began here
    to_status: Status
    reason: str | None = None


class Transfer(BaseModel):
    id: str
    uscc: str
    unit_name: str
    from_code: str  # the unit's authority when asked
    to_code: str  # the authority named to receive it
    status: Status
    reason: str  # what changed (隶属关系, 外商投资, 注册地 …)
    asker: str  # the username that asked
    asker_side: str  # the unit's USCC, or the division code of the authority that asked
    asked_at: dt.datetime
    direct: bool = False  # done by the province, no request
    refusal: str | None = None
    history: list[Step] = Field(default_factory=list)
    version: int = 1

    @property
    def open(self) -> bool:
        return self.status == Status.REQUESTED

    @property
    def status_label(self) -> str:
        return STATUS_LABEL[self.status]

    @property
    def from_name(self) -> str:
        return jurisdiction.authority(self.from_code).name

    @property
    def to_name(self) -> str:
        return jurisdiction.authority(self.to_code).name

    @property
    def asked_by_unit(self) -> bool:
        return self.asker_side == self.uscc

    def _move(self, action: str, to: Status, *, actor: str, now: dt.datetime, reason: str | None = None,
              **changes: Any) -> "Transfer":
        if not self.open:
            raise Conflict(f"该变更申请{self.status_label}，不能再办理")
        step = Step(action=action, actor=actor, at=now, from_status=self.status, to_status=to, reason=reason)
        return self.model_copy(update={**changes, "status": to, "version": self.version + 1,
                                       "history": [*self.history, step]})

    def accept(self, *, actor: str, scope: str, now: dt.datetime) -> "Transfer":
        self._require_receiver(scope)
        return self._move("accept", Status.ACCEPTED, actor=actor, now=now)

    def refuse(self, *, actor: str, scope: str, reason: str, now: dt.datetime) -> "Transfer":
        self._require_receiver(scope)
        reason = clean_reason(reason, "不予接收的理由")
        return self._move("refuse", Status.REFUSED, actor=actor, now=now, reason=reason, refusal=reason)

    def cancel(self, *, actor: str, side: str, now: dt.datetime) -> "Transfer":
        if side != self.asker_side:
            raise Forbidden("只有提出申请的一方可以撤回变更申请")
        return self._move("cancel", Status.CANCELLED, actor=actor, now=now)

    def _require_receiver(self, scope: str) -> None:
        if not jurisdiction.Scope(scope).can_review(self.to_code):
            raise Forbidden(f"只有接收机关（{self.to_name}）的审核员可以接收或不予接收")

    def readable_by(self, scope: str, *, filer: bool) -> bool:
        """Reviewers of either authority (and those above them) see the transfer; the unit sees its own."""
        if filer:
            return scope == self.uscc
        s = jurisdiction.Scope(scope)
        return s.can_read(self.from_code) or s.can_read(self.to_code)


def clean_reason(reason: str, title: str) -> str:
    reason = nfc((reason or "").strip())
    message = ((f"请填写{title}" if not reason else None) or text_problem(reason, title, multiline=True)
               or (f"{title}不能超过{REASON_MAX}个字" if len(reason) > REASON_MAX else None))
    if message:
        raise ValidationFailed(message, [problem(message, column=title, field="reason")])
    return reason


def receiving_authorities() -> list[str]:
    """The codes a unit can be moved to: the province, every city, and every county (a statistical zone whose units
    file with the parent city is no authority of its own, docs/rules.md §2)."""
    skip_zones = policy().statistical_zone_files_with_parent_city
    return [d.code for d in divisions().values() if not (d.statistical_zone and skip_zones)]


def authority_groups() -> list[tuple[jurisdiction.Authority, list[jurisdiction.Authority]]]:
    """The receiving authorities grouped for a chooser: the province alone, then each city with its counties."""
    codes = set(receiving_authorities())
    all_divisions = divisions().values()
    groups: list[tuple[jurisdiction.Authority, list[jurisdiction.Authority]]] = [
        (jurisdiction.authority(policy().province_code), [])]
    for city in sorted((d for d in all_divisions if d.level == "city"), key=lambda d: d.code):
        counties = [jurisdiction.authority(d.code) for d in sorted(all_divisions, key=lambda d: d.code)
                    if d.parent_code == city.code and d.code in codes]
        groups.append((jurisdiction.authority(city.code), counties))
    return groups


def new_transfer(*, transfer_id: str, unit: Unit, to_code: str, reason: str, actor: str, side: str,
                 now: dt.datetime, direct: bool = False) -> Transfer:
    """A request naming `to_code` (or, `direct`, the province's transfer, accepted at once)."""
    problems = []
    if to_code not in receiving_authorities():
        problems.append(problem("请从列表中选择新的审核机关", column="新的审核机关", field="to_code"))
    elif to_code == unit.authority_code:
        problems.append(problem(f"该单位已由{jurisdiction.authority(to_code).name}审核，无需变更",
                                column="新的审核机关", field="to_code"))
    if problems:
        raise ValidationFailed(problems[0]["message"], problems)
    reason = clean_reason(reason, "变更原因")
    status, action = (Status.ACCEPTED, "direct") if direct else (Status.REQUESTED, "request")
    return Transfer(id=transfer_id, uscc=unit.uscc, unit_name=unit.name, from_code=unit.authority_code,
                    to_code=to_code, status=status, reason=reason, asker=actor, asker_side=side, asked_at=now,
                    direct=direct, history=[Step(action=action, actor=actor, at=now, from_status=None, to_status=status,
                                                 reason=reason)])


def asking_side(unit: Unit, *, scope: str, filer: bool) -> str:
    """Who is asking for the unit's transfer: the unit itself, or its current authority (Forbidden otherwise)."""
    if filer and scope == unit.uscc:
        return unit.uscc
    if not filer and jurisdiction.Scope(scope).can_review(unit.authority_code):
        return scope
    raise Forbidden("只有该单位或其当前审核机关可以申请变更审核机关")


def may_transfer_directly(scope: str) -> bool:
    return scope == policy().province_code


def suggested_authority(unit: Unit, table1: dict[str, Any] | None) -> jurisdiction.Authority | None:
    """Where the unit's current facts route it (its latest 表一, else its registration), None if they cannot."""
    facts = table1 if table1 and table1.get("registration_division") else None
    try:
        return jurisdiction.route(
            affiliation=(facts.get("affiliation") or "其他") if facts else unit.affiliation,
            foreign_invested=facts.get("foreign_invested") == "是" if facts else unit.foreign_invested,
            economic_type=(facts.get("economic_type") or "") if facts else unit.economic_type,
            registration_division=facts["registration_division"] if facts else unit.registration_division)
    except jurisdiction.UnknownDivision:
        return None


# What moves with the unit on acceptance (the stores apply these in the transfer's transaction)
def moves_with_unit(filing_status: str | None) -> bool:
    """A filing (or an owed year, by the status of its annual filing) that no reviewer holds moves with the unit:
    no filing yet, or a draft. Submitted, approved and rejected ones stay with the authority that handled them."""
    return filing_status is None or filing_status == FilingStatus.DRAFT


def moved_filing(filing: Filing, transfer: Transfer) -> Filing:
    return filing.model_copy(update={"authority_code": transfer.to_code, "version": filing.version + 1})


def moved_unit(unit: Unit, transfer: Transfer) -> Unit:
    """A new version: a change of the unit written on the version read before the move (a closure recorded by
    the old authority meanwhile) loses (docs/rules.md §11)."""
    return unit.model_copy(update={"authority_code": transfer.to_code, "version": unit.version + 1})


def counter_moves(transfer: Transfer, years_owed: list[int]) -> list[tuple[int, str, str, int]]:
    """The statistics counters (domain/stats.py) that follow the unit: registered, and expected in each year it
    still owes that moves with it."""
    out = []
    for year, metric in [(REGISTERED_YEAR, "registered"), *((y, "expected") for y in years_owed)]:
        out += [(year, transfer.from_code, metric, -1), (year, transfer.to_code, metric, 1)]
    return out


def reads_filing(scope: str, filing: Filing, get_unit: Callable[[str], Unit | None]) -> bool:
    """A reviewer reads a filing routed to its jurisdiction (the authority that handled it keeps reading it after a
    transfer), and every filing of a unit now in its jurisdiction (its history, docs/rules.md §11). `get_unit` is
    called only when the filing's own routing does not decide."""
    s = jurisdiction.Scope(scope)
    if s.can_read(filing.authority_code):
        return True
    unit = get_unit(filing.uscc)
    return unit is not None and s.can_read(unit.authority_code)
