"""A unit's life (docs/rules.md §11): its founding date, its closure (注销 / 吊销 / 撤销 / 迁出山西省) and reopening,
and from them the filing years it owes. Pure: dates in, decisions out.

Which years a unit owes:
- from max(first_filing_year, founding year); a unit without a founding date (registered before it was asked)
  from max(first_filing_year, registration year − 1), the rule it registered under;
- a closure excuses every year whose due date is on or after the closure date: a year already overdue when the
  unit closed stays owed (and listed); a year not yet due is dropped;
- a reopening makes the years due on or after the reopening date owed again (the years that fell due while it
  was closed stay excused);
- a year the unit has filed (submitted or approved) stands whatever the dates say: its filing is kept and counted.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel

from .calendar import due_date, local_today
from .errors import Conflict, ValidationFailed, problem
from .reference import policy
from .text import nfc, text_problem

if TYPE_CHECKING:
    from .model import Unit

CLOSURE_KINDS = {"deregistered": "注销", "revoked": "吊销", "cancelled": "撤销", "moved_out": "迁出山西省"}
EARLIEST_FOUNDING = dt.date(1949, 10, 1)
NOTE_MAX = 500
EVIDENCE_MAX = 100
NOT_STARTED, CLOSED = "not_started", "closed"  # why a year is not owed (an excused year of the owing index)
REQUEST_STATUS_LABEL = {"pending": "待审核机关确认", "refused": "审核机关未同意", "confirmed": "已确认"}


class ClosureRequest(BaseModel):
    """The unit's own request to be closed, until its authority confirms or refuses it."""
    kind: str
    on: dt.date
    note: str = ""
    requested_by: str
    requested_at: dt.datetime
    status: str = "pending"  # pending / refused / confirmed
    answer: str | None = None  # the reason of a refusal
    answered_by: str | None = None
    answered_at: dt.datetime | None = None

    @property
    def kind_label(self) -> str:
        return CLOSURE_KINDS[self.kind]

    @property
    def status_label(self) -> str:
        return REQUEST_STATUS_LABEL[self.status]


class Closure(BaseModel):
    """A closure recorded by the authority, with its evidence (e.g. 注销通知书文号), and its reopening if any."""
    kind: str
    on: dt.date
    evidence: str
    note: str = ""
    recorded_by: str
    recorded_at: dt.datetime
    reopened_on: dt.date | None = None
    reopen_reason: str | None = None
    reopened_by: str | None = None
    reopened_at: dt.datetime | None = None

    @property
    def kind_label(self) -> str:
        return CLOSURE_KINDS[self.kind]

    def excuses(self, due: dt.date) -> bool:
        """A year due on `due` is not owed because of this closure."""
        return self.on <= due and (self.reopened_on is None or due < self.reopened_on)


# which years a unit owes
def first_year(unit: Unit) -> int:
    first = policy().first_filing_year
    if unit.founded_on is not None:
        return max(first, unit.founded_on.year)
    return max(first, local_today(unit.registered_at).year - 1)


def excuse(unit: Unit, year: int) -> str | None:
    """Why `unit` does not owe `year`'s annual filing (NOT_STARTED, CLOSED), or None if it owes it."""
    if year < first_year(unit):
        return NOT_STARTED
    due = due_date(year)
    return CLOSED if any(c.excuses(due) for c in unit.closures) else None


def years_owed(unit: Unit, today: dt.date) -> list[int]:
    """The years whose filing is open on `today` (they have ended) that `unit` owes."""
    return [y for y in range(first_year(unit), today.year) if excuse(unit, y) is None]


def current_closure(unit: Unit) -> Closure | None:
    last = unit.closures[-1] if unit.closures else None
    return last if last is not None and last.reopened_on is None else None


def is_closed(unit: Unit) -> bool:
    return current_closure(unit) is not None


def pending_request(unit: Unit) -> ClosureRequest | None:
    r = unit.closure_request
    return r if r is not None and r.status == "pending" else None


def status_label(unit: Unit) -> str:
    closure = current_closure(unit)
    if closure is not None:
        return f"已{closure.kind_label}（{closure.on.isoformat()}）"
    return "正常（已申请注销，待确认）" if pending_request(unit) else "正常"


def filing_refusal(unit: Unit, year: int, kind: str) -> str | None:
    """Why the unit may not start or submit a filing of `year` and `kind`; None if it may. A closed unit files
    nothing new but the annual filings it still owes (years overdue before it closed)."""
    closure = current_closure(unit)
    reason = excuse(unit, year) if kind == "annual" else (CLOSED if closure else None)
    if reason == CLOSED and closure is not None:
        return (f"单位已于{closure.on.isoformat()}{closure.kind_label}，不能再新建或提交备案（此前已逾期的年度除外）；"
                f"如有疑问请联系备案审核机关")
    if reason == CLOSED:
        return f"{year}年度的备案截止日期在单位注销（吊销、撤销、迁出）期间，不需要备案"
    if reason == NOT_STARTED and unit.founded_on is not None:
        return f"单位成立于{unit.founded_on.isoformat()}，不需要备案{year}年度"
    return None


# the owing index brought in line with the unit's life
@dataclass(frozen=True)
class YearRecord:
    """A unit's record for one year in the owing index (the stores' `owes`)."""
    year: int
    authority_code: str
    filing_status: str | None
    excused: str | None


@dataclass(frozen=True)
class YearChange:
    year: int
    authority_code: str
    excused: str | None  # None: owed (listed while not filed)
    new: bool  # no record yet: the unit starts owing the year


def reconcile(after: Unit, records: list[YearRecord],
              today: dt.date) -> tuple[list[YearChange], list[tuple[int, str, str, int]]]:
    """The changes to the unit's year records, and the counter deltas (domain/stats.py), when `before` becomes
    `after`. A year it no longer owes leaves `expected` (counted `closed` when a closure excuses it); a year it
    owes again rejoins it; a filed year stands."""
    from .reminders import counts_as_filed
    have = {r.year: r for r in records}
    changes: list[YearChange] = []
    deltas: list[tuple[int, str, str, int]] = []
    for year in sorted(set(have) | set(years_owed(after, today))):
        r, want = have.get(year), excuse(after, year)
        if r is None:
            changes.append(YearChange(year, after.authority_code, None, new=True))
            deltas.append((year, after.authority_code, "expected", 1))
            continue
        if (r.filing_status and counts_as_filed(r.filing_status)) or want == r.excused:
            continue
        changes.append(YearChange(year, r.authority_code, want, new=False))
        if (r.excused is None) != (want is None):
            deltas.append((year, r.authority_code, "expected", 1 if want is None else -1))
        if moved := (want == CLOSED) - (r.excused == CLOSED):
            deltas.append((year, r.authority_code, "closed", moved))
    return changes, deltas


# the transitions: each returns the unit at its next version, or raises with a Chinese message
def parse_date(text: str | None, field: str, title: str) -> dt.date:
    value = (text or "").strip()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        message = f"请填写{title}" if not value else f"{title}应为日期，如2015-06-01（填写的是“{value[:20]}”）"
        raise ValidationFailed(message, [problem(message, column=title, field=field)]) from None


def _text(value: str | None, field: str, title: str, limit: int, *, required: bool) -> str:
    text = nfc((value or "").strip())
    message = text_problem(text, title, multiline=True) if text else (f"请填写{title}" if required else None)
    if message is None and len(text) > limit:
        message = f"{title}不能超过{limit}个字"
    if message:
        raise ValidationFailed(message, [problem(message, column=title, field=field)])
    return text


def _date_error(on: dt.date, today: dt.date, field: str, title: str, earliest: dt.date, why: str) -> None:
    message = None
    if on > today:
        message = f"{title}不能晚于今天（{today.isoformat()}）"
    elif on < earliest:
        message = f"{title}不能早于{earliest.isoformat()}（{why}）"
    if message:
        raise ValidationFailed(message, [problem(message, column=title, field=field)])


def founding_date(text: str | None, today: dt.date, field: str = "founded_on") -> dt.date:
    """The 成立日期 typed at registration or later: a date, not in the future, not before 1949-10-01."""
    on = parse_date(text, field, "成立日期")
    _date_error(on, today, field, "成立日期", EARLIEST_FOUNDING, "中华人民共和国成立")
    return on


def _next(unit: Unit, **changes: object) -> Unit:
    return unit.model_copy(update={**changes, "version": unit.version + 1})


def with_founding(unit: Unit, text: str | None, today: dt.date, *, by_authority: bool) -> Unit:
    """The founding date filled in by the filer (once) or set or corrected by the authority."""
    if unit.founded_on is not None and not by_authority:
        raise Conflict("成立日期已填写；如需更正，请联系备案审核机关")
    on = founding_date(text, today)
    if current := current_closure(unit):
        if on > current.on:
            message = f"成立日期不能晚于{current.kind_label}日期（{current.on.isoformat()}）"
            raise ValidationFailed(message, [problem(message, column="成立日期", field="founded_on")])
    return _next(unit, founded_on=on)


def _kind(kind: str | None) -> str:
    if kind not in CLOSURE_KINDS:
        message = f"请选择类型（可选：{'、'.join(CLOSURE_KINDS.values())}）"
        raise ValidationFailed(message, [problem(message, column="类型", field="kind")])
    return kind


def _closure_date(unit: Unit, text: str | None, today: dt.date) -> dt.date:
    on = parse_date(text, "date", "日期")
    earliest, why = unit.founded_on or EARLIEST_FOUNDING, "成立日期" if unit.founded_on else "中华人民共和国成立"
    if unit.closures and unit.closures[-1].reopened_on:
        earliest, why = max(earliest, unit.closures[-1].reopened_on), "上次恢复的日期"
    _date_error(on, today, "date", "日期", earliest, why)
    return on


def requested(unit: Unit, kind: str | None, date_text: str | None, note: str | None, actor: str,
              now: dt.datetime, today: dt.date) -> Unit:
    """The unit asks to be closed; its authority confirms or refuses."""
    if is_closed(unit):
        raise Conflict("单位已注销（吊销、撤销、迁出），无需再申请")
    if pending_request(unit):
        raise Conflict("已有待确认的注销申请，请等待审核机关处理")
    request = ClosureRequest(kind=_kind(kind), on=_closure_date(unit, date_text, today),
                             note=_text(note, "note", "说明", NOTE_MAX, required=False), requested_by=actor,
                             requested_at=now)
    return _next(unit, closure_request=request)


def closed(unit: Unit, kind: str | None, date_text: str | None, evidence: str | None, note: str | None,
           actor: str, now: dt.datetime, today: dt.date) -> Unit:
    """The authority records the closure (confirming the unit's request, if there is one)."""
    if is_closed(unit):
        raise Conflict("单位已注销（吊销、撤销、迁出），请刷新后查看")
    closure = Closure(kind=_kind(kind), on=_closure_date(unit, date_text, today),
                      evidence=_text(evidence, "evidence", "文书编号", EVIDENCE_MAX, required=True),
                      note=_text(note, "note", "说明", NOTE_MAX, required=False), recorded_by=actor, recorded_at=now)
    request = unit.closure_request
    if request is not None and request.status == "pending":
        request = request.model_copy(update={"status": "confirmed", "answered_by": actor, "answered_at": now})
    return _next(unit, closures=[*unit.closures, closure], closure_request=request)


def refused(unit: Unit, reason: str | None, actor: str, now: dt.datetime) -> Unit:
    request = pending_request(unit)
    if request is None:
        raise Conflict("没有待确认的注销申请，请刷新后查看")
    answer = _text(reason, "reason", "不同意的理由", NOTE_MAX, required=True)
    return _next(unit, closure_request=request.model_copy(update={
        "status": "refused", "answer": answer, "answered_by": actor, "answered_at": now}))


def reopened(unit: Unit, reason: str | None, actor: str, now: dt.datetime, today: dt.date) -> Unit:
    """The authority reopens a closed unit: it owes again the years due from today on."""
    closure = current_closure(unit)
    if closure is None:
        raise Conflict("单位未注销，无需恢复，请刷新后查看")
    text = _text(reason, "reason", "恢复理由", NOTE_MAX, required=True)
    reopening = closure.model_copy(update={"reopened_on": max(today, closure.on), "reopen_reason": text,
                                           "reopened_by": actor, "reopened_at": now})
    return _next(unit, closures=[*unit.closures[:-1], reopening])
