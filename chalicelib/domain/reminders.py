"""Who still owes a filing and when to remind them (docs/rules.md §3, §8). Pure date logic. Working days are in
domain/calendar.py.

Rules chosen here (the README's reminder section repeats them):
- A unit owes year Y's annual filing until that filing is submitted or approved. A rejected filing
  counts as not filed (the unit must fix and resubmit; until then it is on the overdue list), and so
  does a withdrawn one (back to draft). Submitted-but-not-yet-reviewed counts as filed: the unit did
  its part, the wait is the authority's.
- A new unit owes the years open at registration from max(first_filing_year, founding year) (a unit
  without a founding date: registration year − 1) up to the last year whose filing is open (registration
  year − 1); closure and reopening change that (domain/unit_life.py). Each 1 January every registered unit
  that owes it starts owing the year just ended (the daily job opens it, once).
- Ladder for year Y (calendar days, policy.json): reminder_days_before_due before the due date
  (30, 7, 1), then on the first overdue day and every reminder_overdue_every_days (7) after. A step is
  named by its offset from the due date: "D-30", "D-7", "D-1", "D+1", "D+8", … One reminder per unit,
  year and step. On any day the *current* step is the latest one on or before today, so a missed run
  (or a unit that starts owing late, e.g. after a rejection) is caught up the next day, once.
- Spread (docs/rules.md §8): a step may be sent over a window of days (policy.json reminder_spread_days, e.g. D-30 over
  3 days), each unit on a day fixed by a hash of its USCC, so a million reminders never land in one hour. The
  window never reaches the next step. A reminder not sent by the start of the next step's day is dropped: the
  next step says the same, with the right date (e.g. a D-1 reminder is never sent after the due date).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from .calendar import due_date, local_midnight, local_today
from .filing import Status
from .reference import policy

FILED = frozenset({Status.SUBMITTED, Status.APPROVED})
FILING_STATUS_LABEL = {None: "未填报", Status.DRAFT.value: "已填写未提交", Status.REJECTED.value: "审核不通过，未重新提交"}


def counts_as_filed(status: str | Status) -> bool:
    return Status(status) in FILED


def open_years(today: dt.date) -> range:
    """Years whose annual filing can be made on `today` (late filing included)."""
    return range(policy().first_filing_year, today.year)


@dataclass(frozen=True)
class Step:
    """One rung of the reminder ladder for a filing year."""
    year: int
    on: dt.date  # the day the step falls due
    due: dt.date

    @property
    def offset(self) -> int:
        return (self.on - self.due).days

    @property
    def key(self) -> str:
        return f"D{self.offset:+d}"

    @property
    def overdue(self) -> bool:
        return self.offset > 0

    @property
    def label(self) -> str:
        return step_label(self.key)


def step_label(key: str) -> str:
    """"D-30" → 截止前30天, "D+8" → 逾期第8天."""
    offset = int(key[1:])
    return f"截止前{-offset}天" if offset < 0 else f"逾期第{offset}天"


def current_step(year: int, today: dt.date) -> Step | None:
    """The latest step on or before `today` (None before the first one)."""
    p = policy()
    due = due_date(year)
    if today > due:  # overdue: the first overdue day, then every N days; computed, not enumerated
        every, late = p.reminder_overdue_every_days, (today - due).days
        return Step(year, due + dt.timedelta(days=1 + (late - 1) // every * every), due)
    steps = [d for n in p.reminder_days_before_due if (d := due - dt.timedelta(days=n)) <= today]
    return Step(year, max(steps), due) if steps else None


def next_step_on(step: Step) -> dt.date:
    """The day the step after `step` falls due: the next rung before the due date, else the first overdue day,
    else `reminder_overdue_every_days` later."""
    p = policy()
    if step.overdue:
        return step.on + dt.timedelta(days=p.reminder_overdue_every_days)
    later = [d for n in p.reminder_days_before_due if (d := step.due - dt.timedelta(days=n)) > step.on]
    return min(later) if later else step.due + dt.timedelta(days=1)


def spread_days(step: Step) -> int:
    """Over how many days the step is sent: its window in policy.json, never reaching the next step."""
    wanted = policy().reminder_spread_days.get(step.key if not step.overdue else "overdue", 1)
    return max(1, min(wanted, (next_step_on(step) - step.on).days))


def send_day(uscc: str, step: Step) -> dt.date:
    """The day of the step's window on which the unit is reminded (stable: a hash of the USCC)."""
    slot = int.from_bytes(hashlib.sha256(uscc.encode()).digest()[:4], "big") % spread_days(step)
    return step.on + dt.timedelta(days=slot)


def reminder_expires(step: Step) -> dt.datetime:
    """When a reminder for `step` is too late to send: the start (Beijing) of the next step's day."""
    return local_midnight(next_step_on(step))


def days_overdue(year: int, today: dt.date) -> int:
    """0 until the due date has passed."""
    return max(0, (today - due_date(year)).days)


@dataclass(frozen=True)
class SentReminder:
    step: str
    at: dt.datetime  # aware UTC

    @property
    def label(self) -> str:
        return step_label(self.step)


@dataclass(frozen=True)
class Obligation:
    """A unit that has not (yet) filed year `year`: what the stores list from their sparse index."""
    uscc: str
    year: int
    authority_code: str
    filing_status: str | None = None  # the unit's annual filing for the year, if one was ever saved
    reminders: tuple[SentReminder, ...] = field(default_factory=tuple)

    @property
    def steps(self) -> frozenset[str]:
        return frozenset(r.step for r in self.reminders)

    @property
    def status_label(self) -> str:
        return FILING_STATUS_LABEL.get(self.filing_status, "未提交")
