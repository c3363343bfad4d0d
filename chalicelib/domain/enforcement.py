"""Enforcement follow-up of an overdue unit (docs/rules.md §15): per unit and filing year, the authority records
责令限期改正 (notice number, date, deadline to correct), then either 已改正 (a filing for the year came in) or, once
the deadline has passed with no filing, 逾期未改正 → 移交劳动保障监察 (with the transfer's number or note).

    (none) ──order──▶ ordered ──correct──▶ corrected      (needs a submitted or approved filing of the year)
                         └─────transfer──▶ transferred    (needs the deadline passed and still no filing)

Both ends are final. Each step keeps who recorded it and when; the record is written at an expected version
(a conditional write) with an audit event carrying "from" and "to". Pure rules: the caller says whether the
unit has filed and what today is.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, Field

from .calendar import due_date, local_today
from .errors import Conflict, ValidationFailed, problem
from .text import nfc, text_problem

NOTICE_MAX, NOTE_MAX = 50, 200
T = TypeVar("T")


class Stage(StrEnum):
    ORDERED = "ordered"  # 责令限期改正 issued, not closed yet
    CORRECTED = "corrected"  # 已改正
    TRANSFERRED = "transferred"  # 逾期未改正，已移交劳动保障监察


STAGE_LABEL = {Stage.ORDERED: "责令改正中", Stage.CORRECTED: "已改正", Stage.TRANSFERRED: "已移交劳动保障监察"}
ACTION_LABEL = {"order": "责令限期改正", "correct": "已改正", "transfer": "逾期未改正，移交劳动保障监察"}
# the list's filter by step: no step recorded yet, or the stage the record is at
FILTERS = {"none": "未采取措施", **{s.value: label for s, label in STAGE_LABEL.items()}}


class StepRecord(BaseModel):
    action: str  # order / correct / transfer (ACTION_LABEL)
    by: str  # the account that recorded it
    at: dt.datetime  # when it was recorded (aware UTC)


class Enforcement(BaseModel):
    uscc: str
    year: int
    authority_code: str
    stage: Stage
    notice_number: str  # 责令限期改正指令书 文书编号
    notice_date: dt.date
    deadline: dt.date  # the last day to correct
    transfer_note: str | None = None  # 移交 number or note
    history: list[StepRecord] = Field(default_factory=list)
    version: int = 1

    @property
    def stage_label(self) -> str:
        return STAGE_LABEL[self.stage]

    @property
    def last_step(self) -> StepRecord:
        return self.history[-1]

    @property
    def last_step_date(self) -> dt.date:
        """The notice's own date for 责令限期改正; the day (Beijing time) a later step was recorded."""
        return self.notice_date if self.last_step.action == "order" else local_today(self.last_step.at)

    @property
    def last_step_label(self) -> str:
        return ACTION_LABEL[self.last_step.action]

    @property
    def open(self) -> bool:
        return self.stage == Stage.ORDERED

    def may_correct(self, filed: bool) -> bool:
        return self.open and filed

    def may_transfer(self, filed: bool, today: dt.date) -> bool:
        return self.open and not filed and today > self.deadline

    def correct(self, *, by: str, now: dt.datetime, filed: bool) -> "Enforcement":
        self._must_be_open()
        if not filed:
            raise Conflict(f"该单位尚未提交{self.year}年度备案（已提交或已审核通过才算改正），不能记为已改正")
        return self._step(Stage.CORRECTED, "correct", by, now)

    def transfer(self, *, by: str, now: dt.datetime, today: dt.date, filed: bool, note: str) -> "Enforcement":
        self._must_be_open()
        if filed:
            raise Conflict(f"该单位已提交{self.year}年度备案，请记为已改正")
        if today <= self.deadline:
            raise Conflict(f"改正期限（{self.deadline.isoformat()}）尚未届满，届满后才能移交劳动保障监察")
        text = clean_text(note, "移交文书编号或说明", "transfer_note", NOTE_MAX)
        return self._step(Stage.TRANSFERRED, "transfer", by, now, transfer_note=text)

    def _must_be_open(self) -> None:
        if not self.open:
            raise Conflict(f"该单位{self.year}年度的执法记录已办结（{self.stage_label}），请刷新后查看")

    def _step(self, stage: Stage, action: str, by: str, now: dt.datetime, **changes: str) -> "Enforcement":
        return self.model_copy(update={"stage": stage, "version": self.version + 1,
                                       "history": [*self.history, StepRecord(action=action, by=by, at=now)],
                                       **changes})


def order(uscc: str, year: int, authority_code: str, *, notice_number: str, notice_date: str, deadline: str,
          by: str, now: dt.datetime, today: dt.date, filed: bool) -> Enforcement:
    """A new record at 责令限期改正, for a unit that has not filed `year` and is past its due date."""
    if filed:
        raise Conflict(f"该单位已提交{year}年度备案，无需责令改正")
    due = due_date(year)
    if today <= due:
        raise Conflict(f"{year}年度备案的截止日期（{due.isoformat()}）尚未过，不能责令改正")
    problems: list[dict[str, Any]] = []
    number, issued, until = (_checked(problems, clean_text, notice_number, "文书编号", "notice_number", NOTICE_MAX),
                             _checked(problems, parse_day, notice_date, "文书日期", "notice_date"),
                             _checked(problems, parse_day, deadline, "改正期限", "deadline"))
    if isinstance(issued, dt.date) and not due < issued <= today:
        problems.append(problem(f"文书日期应在{due.isoformat()}（备案截止日期）之后，且不晚于今天",
                                column="文书日期", field="notice_date"))
    if isinstance(issued, dt.date) and isinstance(until, dt.date) and until <= issued:
        problems.append(problem("改正期限应在文书日期之后", column="改正期限", field="deadline"))
    if problems or not (isinstance(number, str) and isinstance(issued, dt.date) and isinstance(until, dt.date)):
        raise ValidationFailed(problems[0]["message"], problems)
    return Enforcement(uscc=uscc, year=year, authority_code=authority_code, stage=Stage.ORDERED,
                       notice_number=number, notice_date=issued, deadline=until,
                       history=[StepRecord(action="order", by=by, at=now)])


def _checked(problems: list[dict[str, Any]], read: Callable[..., T], *args: Any) -> T | None:
    """read(*args), or None with its problems added to `problems` (every field's problem is reported at once)."""
    try:
        return read(*args)
    except ValidationFailed as e:
        problems.extend(e.details)
        return None


def clean_text(value: str | None, title: str, field: str, longest: int) -> str:
    text = nfc((value or "").strip())
    message = (text_problem(text, title) or (f"请填写{title}" if not text else None)
               or (f"{title}最多{longest}个字符" if len(text) > longest else None))
    if message:
        raise ValidationFailed(message, [problem(message, column=title, field=field)])
    return text


def parse_day(value: str | None, title: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        message = f"{title}应为日期，格式如 2026-07-15"
        raise ValidationFailed(message, [problem(message, column=title, field=field)]) from None


def transition_detail(before: Enforcement | None, after: Enforcement) -> dict[str, str | int | None]:
    """The audit event's detail: from and to, and what the step recorded."""
    detail: dict[str, str | int | None] = {"from": before.stage.value if before else None, "to": after.stage.value,
                                           "year": after.year}
    if before is None:
        detail.update(notice_number=after.notice_number, notice_date=after.notice_date.isoformat(),
                      deadline=after.deadline.isoformat())
    if after.stage == Stage.TRANSFERRED:
        detail["transfer_note"] = after.transfer_note
    return detail
