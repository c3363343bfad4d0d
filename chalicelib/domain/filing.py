"""The filing and its state machine (docs/rules.md §4).

draft → submitted → approved | rejected;  rejected → submitted;  submitted → draft (withdraw).
Every transition returns a new Filing with version + 1 and a history entry; stores persist it
only if the stored version is still the one it was read at.
"""
from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from .errors import Conflict, ValidationFailed
from .text import nfc, text_problem


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


STATUS_LABEL = {Status.DRAFT: "草稿", Status.SUBMITTED: "已提交待审核", Status.APPROVED: "审核通过",
                Status.REJECTED: "审核不通过"}
EDITABLE = (Status.DRAFT, Status.REJECTED)


class Transition(BaseModel):
    at: dt.datetime
    actor: str
    action: str  # submit / withdraw / approve / reject
    from_status: Status
    to_status: Status
    reason: str | None = None
    receipt_no: str | None = None


class RowSet(BaseModel):
    """The rows of one table, as imported from one upload (rows live in the store under upload_id)."""
    upload_id: str
    rows: int
    warnings: list[dict[str, Any]] = Field(default_factory=list)
    summary: dict[str, Any] | None = None  # 表二: checks.RosterSummary, for the 表一 cross-checks
    diff: dict[str, Any] | None = None  # 表二: checks.RosterDiff against the last approved roster
    carried_from: str | None = None  # the rows belong to this (approved) filing: never delete them here


class Filing(BaseModel):
    id: str
    uscc: str
    unit_name: str
    unit_type: str = ""
    authority_code: str
    year: int
    kind: str  # annual / interim
    tables: tuple[str, ...]
    status: Status = Status.DRAFT
    version: int = 1
    table1: dict[str, Any] | None = None
    row_sets: dict[str, RowSet] = Field(default_factory=dict)
    base_filing_id: str | None = None  # the last approved annual filing this one was prefilled from
    receipt_no: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None = None
    history: list[Transition] = Field(default_factory=list)

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def status_label(self) -> str:
        return STATUS_LABEL[self.status]

    @property
    def last_rejection(self) -> Transition | None:
        return next((t for t in reversed(self.history) if t.action == "reject"), None)

    @property
    def review_round(self) -> int:
        """How many times reviewers sent the filing back: a submission after a rejection is news to them,
        a withdrawal and submission again within the same round is not."""
        return sum(t.action == "reject" for t in self.history)

    def require_editable(self) -> None:
        if not self.editable:
            raise Conflict(f"备案当前状态为“{self.status_label}”，不能修改")

    def edited(self, now: dt.datetime, **changes: Any) -> "Filing":
        self.require_editable()
        return self.model_copy(update={**changes, "version": self.version + 1, "updated_at": now})

    def _move(self, action: str, to: Status, *, actor: str, now: dt.datetime, reason: str | None = None,
              **changes: Any) -> "Filing":
        t = Transition(at=now, actor=actor, action=action, from_status=self.status, to_status=to,
                       reason=reason, receipt_no=changes.get("receipt_no") or self.receipt_no)
        return self.model_copy(update={**changes, "status": to, "version": self.version + 1,
                                       "updated_at": now, "history": [*self.history, t]})

    def submit(self, *, actor: str, now: dt.datetime, receipt_no: str) -> "Filing":
        if not self.editable:
            raise Conflict(f"备案当前状态为“{self.status_label}”，不能提交")
        return self._move("submit", Status.SUBMITTED, actor=actor, now=now, receipt_no=receipt_no,
                          submitted_at=now)

    def withdraw(self, *, actor: str, now: dt.datetime) -> "Filing":
        if self.status != Status.SUBMITTED:
            raise Conflict("审核机关已处理该备案，不能撤回" if self.status in (Status.APPROVED, Status.REJECTED)
                           else "只有已提交待审核的备案可以撤回")
        # the withdrawn submission's 回执号 stays in the history; the filing has none until it is submitted again
        return self._move("withdraw", Status.DRAFT, actor=actor, now=now, receipt_no=None)

    def review(self, *, decision: str, reason: str | None, actor: str, now: dt.datetime) -> "Filing":
        if self.status != Status.SUBMITTED:
            raise Conflict("该备案已被其他审核员处理" if self.status in (Status.APPROVED, Status.REJECTED)
                           else f"备案当前状态为“{self.status_label}”，不能审核")
        reason = nfc((reason or "").strip()) or None
        if reason and (message := text_problem(reason, "审核意见", multiline=True) or (
                "审核意见不能超过500个字" if len(reason) > 500 else None)):
            raise ValidationFailed(message, [{"row": None, "column": "审核意见", "field": "reason", "message": message}])
        if decision == "approve":
            return self._move("approve", Status.APPROVED, actor=actor, now=now, reason=reason)
        if decision == "reject":
            if not reason:
                raise ValidationFailed("审核不通过时必须填写原因",
                                       [{"row": None, "column": "审核意见", "field": "reason",
                                         "message": "请填写审核不通过的原因"}])
            return self._move("reject", Status.REJECTED, actor=actor, now=now, reason=reason)
        raise ValidationFailed("审核结论只能是通过或不通过",
                               [{"row": None, "column": "审核结论", "field": "decision",
                                 "message": "decision 只能是 approve 或 reject"}])


def receipt_number(authority_code: str, year: int, sequence: int) -> str:
    """回执号, unique province-wide: BA-140105-2025-000123."""
    return f"BA-{authority_code}-{year}-{sequence:06d}"
