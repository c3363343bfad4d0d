"""The filing, its state machine (docs/rules.md §4) and what makes it complete (§5, §11 零申报).

draft → submitted → approved | rejected;  rejected → submitted;  submitted → draft (withdraw);
approved → rejected (a reviewer revokes the approval, §11). A correction (更正, §11) is a new filing of kind
"correction" that `corrects` the approved version in force; its approval supersedes that version.
Every transition returns a new Filing with version + 1 and a history entry; stores persist it
only if the stored version is still the one it was read at.
"""
from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from .checks import unchanged_diff
from .errors import Conflict, NotFound, ValidationFailed, problem
from .tables import TABLE_TITLES
from .text import nfc, text_problem


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


STATUS_LABEL = {Status.DRAFT: "草稿", Status.SUBMITTED: "已提交待审核", Status.APPROVED: "审核通过",
                Status.REJECTED: "审核不通过"}
EDITABLE = (Status.DRAFT, Status.REJECTED)
SENT_BACK = ("reject", "revoke")  # the reviewers sent the filing back to the unit: a rejection or a revoked approval
ZERO_REPORT_LABEL = "零申报"


KIND_LABEL = {"annual": "年度备案", "interim": "终止或解除劳动合同备案（单独报送表三）", "correction": "年度备案更正"}
# what an SMS calls the filing (docs/sms.md: the `kind` variable of the templates)
KIND_SHORT = {"annual": "年度备案", "interim": "表三备案", "correction": "年度备案更正"}
ANNUAL_KINDS = ("annual", "correction")  # the year's annual filing and its corrections: 表一 + 表二 (+ 表三)
# the 承诺 a filer accepts with every submission (docs/rules.md §4); the text is kept in the submission's history
DECLARATION = ("本单位承诺：所填报的劳动用工备案信息真实、准确、完整，与本单位实际情况一致；"
               "如有虚假，愿意承担相应的法律责任。")


class Seen(BaseModel):
    """What the authority saw when it sent a filing back: its 表一 and the uploads holding its rows, kept so that
    the resubmission shows what changed since (the filing keeps those rows: `disposable`)."""
    table1: dict[str, Any] | None = None
    uploads: dict[str, str] = Field(default_factory=dict)  # table → upload id
    edits: dict[str, str] = Field(default_factory=dict)  # table → the online edits over that upload (RowSet.edits_id)


class Transition(BaseModel):
    at: dt.datetime
    actor: str
    action: str  # submit / withdraw / approve / reject / revoke
    from_status: Status
    to_status: Status
    reason: str | None = None
    receipt_no: str | None = None
    seen: Seen | None = None  # a send-back (SENT_BACK): what the authority decided on
    declaration: str | None = None  # a submission: the 承诺 the filer accepted (DECLARATION as it read then)


class RowSet(BaseModel):
    """The rows of one table, as imported from one upload (rows live in the store under upload_id)."""
    upload_id: str
    rows: int
    warnings: list[dict[str, Any]] = Field(default_factory=list)
    summary: dict[str, Any] | None = None  # 表二: checks.RosterSummary, for the 表一 cross-checks
    diff: dict[str, Any] | None = None  # 表二: checks.RosterDiff against the last approved roster
    carried_from: str | None = None  # the rows belong to this (approved) filing: never delete them here
    # online edits (docs/architecture.md, "Online rows"): a small overlay over the upload's rows, stored as rows
    # under its own id; each edit writes a new overlay id, so a version once seen or approved never changes
    edits_id: str | None = None
    edits_by: str | None = None  # the filing that wrote the overlay (only it may delete it)
    upload_rows: int | None = None  # rows in the upload itself, once online edits lie over it
    added: int = 0  # row numbers given to rows added online (from upload_rows on, deleted ones included)

    @property
    def span(self) -> int:
        """Row numbers in use: the upload's rows, then the rows added online."""
        return (self.rows if self.upload_rows is None else self.upload_rows) + self.added

    @property
    def version_key(self) -> tuple[str, str | None]:
        """What identifies this version of the rows (an upload, plus the online edits over it)."""
        return self.upload_id, self.edits_id


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
    # versions (docs/rules.md §11 更正): a correction names the version it corrects and its number (第N次更正);
    # an approved version names the correction under way on it, and, once that is approved, its successor
    corrects: str | None = None
    correction_no: int = 0
    open_correction: str | None = None
    superseded_by: str | None = None
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
        return "审核通过（已被更正取代）" if self.superseded_by else STATUS_LABEL[self.status]

    @property
    def kind_label(self) -> str:
        return KIND_LABEL.get(self.kind, self.kind)

    @property
    def kind_short(self) -> str:
        return KIND_SHORT.get(self.kind, self.kind)

    @property
    def title(self) -> str:
        """What pages, messages and exports call the filing (docs/rules.md §11: an interim 表三 filing is named as
        such everywhere, a correction by its number)."""
        if self.kind == "correction":
            return f"{self.year}年度劳动用工备案（第{self.correction_no}次更正）"
        return f"{self.year}年度劳动用工备案" if self.kind == "annual" else f"{self.year}年{self.kind_label}"

    @property
    def annual(self) -> bool:
        """The year's annual filing or one of its corrections."""
        return self.kind in ANNUAL_KINDS

    @property
    def in_force(self) -> bool:
        """The approved version of the year's annual filing that statistics, the person index and other
        departments read (docs/rules.md §11): approved and not superseded by an approved correction."""
        return self.annual and self.status == Status.APPROVED and self.superseded_by is None

    @property
    def ever_submitted(self) -> bool:
        return any(t.action == "submit" for t in self.history)

    @property
    def approved_at(self) -> dt.datetime | None:
        return next((t.at for t in reversed(self.history) if t.action == "approve"), None)

    @property
    def zero_report(self) -> bool:
        """零申报 (docs/rules.md §11): an annual filing whose 表一 says nobody is on the payroll (在册 = 0).
        Such a filing is complete without 表二."""
        return self.annual and self.table1 is not None and self.table1.get("employees") == 0

    @property
    def last_rejection(self) -> Transition | None:
        return next((t for t in reversed(self.history) if t.action in SENT_BACK), None)

    @property
    def last_seen(self) -> Seen | None:
        """What the authority saw when it last sent the filing back (None if it never did, or before this was kept)."""
        rejection = self.last_rejection
        return rejection.seen if rejection else None

    def disposable(self, row_set: RowSet) -> bool:
        """Whether replacing or removing `row_set` may delete its rows: this filing's own upload, which no
        reviewer decided on (rows carried from an approved filing are that filing's)."""
        return row_set.carried_from is None and all(
            row_set.upload_id not in t.seen.uploads.values() for t in self.history if t.seen)

    def disposable_edits(self, row_set: RowSet) -> bool:
        """Whether replacing `row_set` may delete its online edits: written by this filing, no reviewer decided on them."""
        return row_set.edits_id is not None and row_set.edits_by == self.id and all(
            row_set.edits_id not in t.seen.edits.values() for t in self.history if t.seen)

    def _seen(self) -> Seen:
        return Seen(table1=dict(self.table1) if self.table1 else None,
                    uploads={t: rs.upload_id for t, rs in self.row_sets.items()},
                    edits={t: rs.edits_id for t, rs in self.row_sets.items() if rs.edits_id})

    @property
    def review_round(self) -> int:
        """How many times reviewers sent the filing back: a submission after a rejection is news to them,
        a withdrawal and submission again within the same round is not."""
        return sum(t.action in SENT_BACK for t in self.history)

    def completeness_errors(self) -> list[dict[str, Any]]:
        """What the filing lacks, or holds in contradiction, before it can be submitted (docs/rules.md §5, §11):
        表一 when the filing has it; 表二 unless 表一 says 在册 = 0 (零申报), and then no 表二 rows at all;
        表三 for an interim filing."""
        errors: list[dict[str, Any]] = []
        if "table1" in self.tables and not self.table1:
            errors.append(problem("请填写表一", column=TABLE_TITLES["table1"]))
        roster = self.row_sets.get("table2")
        if "table2" in self.tables and not (roster and roster.rows) and not self.zero_report:  # every row deleted online: none
            errors.append(problem("请上传表二（劳动关系人员名册）", column=TABLE_TITLES["table2"]))
        if self.zero_report and roster is not None and roster.rows:
            errors.append(problem(
                f"表一在册职工人数为0（零申报），但表二有{roster.rows}人，二者不一致。请按实际人数修改表一；"
                "如本年度确无在册职工，请在备案页面删除已上传的表二",
                column="在册职工人数", field="employees"))
        if self.kind == "interim" and not (self.row_sets.get("table3") and self.row_sets["table3"].rows):
            errors.append(problem("请上传表三（终止或解除劳动合同名册）", column=TABLE_TITLES["table3"]))
        return errors

    def table1_changes(self, table1: dict[str, Any], carried: RowSet | None = None) -> dict[str, Any]:
        """What saving `table1` changes (docs/rules.md §11). 在册 = 0 (零申报) lets go of a roster carried over from
        the last approved filing (by reference: its rows stay that filing's); an uploaded 表二 stays until the
        filer removes it (`without_rows`), so a mistyped 0 loses nothing. With 在册 > 0 again and no 表二,
        `carried` (the last approved roster, by reference) comes back."""
        row_sets = dict(self.row_sets)
        roster = row_sets.get("table2")
        if self.annual and table1.get("employees") == 0:
            if roster is not None and roster.carried_from is not None:
                row_sets.pop("table2")
        elif "table2" in self.tables and roster is None and carried is not None:
            row_sets["table2"] = carried
        return {"table1": table1, "unit_name": table1["unit_name"], "row_sets": row_sets}

    def without_rows(self, table: str) -> dict[str, Any]:
        """The changes that take `table`'s rows out of the filing (the filer removes an uploaded 表二 or 表三)."""
        if table not in self.row_sets:
            raise NotFound("该表没有已上传的数据")
        return {"row_sets": {t: rs for t, rs in self.row_sets.items() if t != table}}

    def require_editable(self) -> None:
        if not self.editable:
            raise Conflict(f"备案当前状态为“{self.status_label}”，不能修改")

    def edited(self, now: dt.datetime, **changes: Any) -> "Filing":
        self.require_editable()
        return self.model_copy(update={**changes, "version": self.version + 1, "updated_at": now})

    def _move(self, action: str, to: Status, *, actor: str, now: dt.datetime, reason: str | None = None,
              declaration: str | None = None, **changes: Any) -> "Filing":
        t = Transition(at=now, actor=actor, action=action, from_status=self.status, to_status=to,
                       reason=reason, receipt_no=changes.get("receipt_no") or self.receipt_no,
                       seen=self._seen() if action in SENT_BACK else None, declaration=declaration)
        return self.model_copy(update={**changes, "status": to, "version": self.version + 1,
                                       "updated_at": now, "history": [*self.history, t]})

    def submit(self, *, actor: str, now: dt.datetime, receipt_no: str, declaration: str = DECLARATION) -> "Filing":
        if not self.editable:
            raise Conflict(f"备案当前状态为“{self.status_label}”，不能提交")
        return self._move("submit", Status.SUBMITTED, actor=actor, now=now, receipt_no=receipt_no,
                          submitted_at=now, declaration=declaration)

    def withdraw(self, *, actor: str, now: dt.datetime) -> "Filing":
        if self.status != Status.SUBMITTED:
            raise Conflict("审核机关已处理该备案，不能撤回" if self.status in (Status.APPROVED, Status.REJECTED)
                           else "只有已提交待审核的备案可以撤回")
        # the withdrawn submission's 回执号 stays in the history; the filing has none until it is submitted again
        return self._move("withdraw", Status.DRAFT, actor=actor, now=now, receipt_no=None)

    def revoke_refusal(self, now: dt.datetime, window_days: int) -> str | None:
        """Why the approval cannot be revoked now, if it cannot (docs/rules.md §11)."""
        if self.status != Status.APPROVED:
            return f"备案当前状态为“{self.status_label}”，只有审核通过的备案可以撤销审核"
        if self.superseded_by:
            return "该版本已被审核通过的更正取代，不能撤销审核；如需撤销，请撤销现行有效的版本"
        if self.open_correction:
            return "该备案有正在办理的更正，不能撤销审核；请先审核该更正，或请单位删除尚未提交的更正"
        approved = self.approved_at
        if approved is None or now > approved + dt.timedelta(days=window_days):
            return f"审核通过已超过{window_days}天，不能撤销审核"
        return None

    def revoke(self, *, reason: str | None, actor: str, now: dt.datetime, window_days: int) -> "Filing":
        """撤销审核 (docs/rules.md §11): within `window_days` of the approval, with a reason, the approved filing
        goes back to the unit as rejected (it fixes and resubmits)."""
        if refusal := self.revoke_refusal(now, window_days):
            raise Conflict(refusal)
        reason = _clean_reason(reason)
        if not reason:
            raise ValidationFailed("撤销审核时必须填写原因", [{"row": None, "column": "撤销原因", "field": "reason",
                                                        "message": "请填写撤销审核的原因"}])
        # rows an approved filing holds may be carried by reference into later filings: once it is editable again,
        # a new upload replaces the reference and never deletes them
        return self._move("revoke", Status.REJECTED, actor=actor, now=now, reason=reason,
                          row_sets=self._rows_by_reference())

    def _rows_by_reference(self) -> dict[str, RowSet]:
        return {t: rs.model_copy(update={"carried_from": rs.carried_from or self.id}) for t, rs in self.row_sets.items()}

    def correction(self, *, new_id: str, now: dt.datetime) -> "Filing":
        """A correction (更正) of this approved version in force, prefilled from it: 表一 copied, 表二/表三 by
        reference (their rows stay this version's)."""
        if not self.in_force:
            raise Conflict("只能更正审核通过且现行有效的年度备案" if self.annual else "单独报送的表三备案不能更正")
        if self.open_correction:
            raise Conflict("该备案已有正在办理的更正，请先完成或删除该更正")
        row_sets = {t: rs.model_copy(update={"diff": unchanged_diff(self.id, self.year) if t == "table2" else None})
                    for t, rs in self._rows_by_reference().items()}
        return Filing(id=new_id, uscc=self.uscc, unit_name=self.unit_name, unit_type=self.unit_type,
                      authority_code=self.authority_code, year=self.year, kind="correction", tables=self.tables,
                      table1=dict(self.table1) if self.table1 else None, row_sets=row_sets,
                      base_filing_id=self.base_filing_id, corrects=self.id, correction_no=self.correction_no + 1,
                      created_at=now, updated_at=now)

    def marked(self, now: dt.datetime, **changes: Any) -> "Filing":
        """This version with its version links changed (open_correction, superseded_by): no transition."""
        return self.model_copy(update={**changes, "version": self.version + 1, "updated_at": now})

    def review(self, *, decision: str, reason: str | None, actor: str, now: dt.datetime) -> "Filing":
        if self.status != Status.SUBMITTED:
            raise Conflict("该备案已被其他审核员处理" if self.status in (Status.APPROVED, Status.REJECTED)
                           else f"备案当前状态为“{self.status_label}”，不能审核")
        reason = _clean_reason(reason)
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


def _clean_reason(reason: str | None) -> str | None:
    reason = nfc((reason or "").strip()) or None
    if reason and (message := text_problem(reason, "审核意见", multiline=True) or (
            "审核意见不能超过500个字" if len(reason) > 500 else None)):
        raise ValidationFailed(message, [{"row": None, "column": "审核意见", "field": "reason", "message": message}])
    return reason


def receipt_number(authority_code: str, year: int, sequence: int) -> str:
    """回执号, unique province-wide: BA-140105-2025-000123."""
    return f"BA-{authority_code}-{year}-{sequence:06d}"
