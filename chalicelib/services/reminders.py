"""Use case: the daily job (deadline reminders to units, the reviewers' digest). The date rules are in
domain/reminders.py; the list of units that have not filed is services/overdue.py.

The daily job is safe to run any number of times a day, at once or one after another (EventBridge
delivers at least once; an operator may rerun it): each reminder is claimed per unit, year and step, and
each digest per authority and day, in the same transaction as its outbox messages.

Fan-out (docs/rules.md §8, "A million units"): the job only plans. It pages the sparse owing index, keeps the
units whose day of the step's window (domain/reminders.py `send_day`) has come and that were not reminded for it,
and hands them to a queue in batches of BATCH units (SQS in AWS mode, the embedded worker's job queue:
`JobQueue`); workers run the batches (`run_batch`) in parallel, each batch claiming its units in one go. A batch
run twice (SQS delivers at least once, a worker dies and its job is taken over) or a job run twice claims nothing
the second time. Without a queue the batches run in this process, one after another.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..domain import jurisdiction, notifications
from ..domain.calendar import (calendar_source, due_date, is_working_day, local_today, unknown_calendar_years,
                               working_days_between)
from ..domain.errors import DomainError, Forbidden, ValidationFailed, problem
from ..domain.filing import Filing
from ..domain.model import Account, JobKind, Message, MessageKind, Role, Unit
from ..domain.reference import divisions, policy
from ..domain.reminders import (Obligation, Step, current_step, days_overdue, open_years, reminder_expires,
                                send_day)
from ..ports import AlreadyExists, Clock, JobStore, Store, all_pages
from .accounts import Principal
from .jobs import QUEUED, queued_job
from .messages import chinese_date, to_unit
from .outbox import Outbox, message

log = logging.getLogger(__name__)
PAGE = 1000  # obligations read per store call
DIGEST_LISTED = 50  # filings spelled out in one digest (the rest are counted)
BACKLOG_SHOWN = 10_000  # the counts page counts the pending messages up to this many
BATCH = 500  # units per queued batch: an SQS message of ~15 KB, a few seconds of a worker


@dataclass(frozen=True)
class ReminderBatch:
    """Units to remind for one step on one day: (USCC, its filing status) each."""
    year: int
    step_on: dt.date
    today: dt.date
    units: tuple[tuple[str, str | None], ...]

    @property
    def step(self) -> Step:
        return Step(self.year, self.step_on, due_date(self.year))

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "step_on": self.step_on.isoformat(), "today": self.today.isoformat(),
                "units": [list(u) for u in self.units]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ReminderBatch:
        return cls(int(d["year"]), dt.date.fromisoformat(d["step_on"]), dt.date.fromisoformat(d["today"]),
                   tuple((uscc, status) for uscc, status in d["units"]))


class ReminderQueue(Protocol):
    """Where the daily job's batches go (SQS: adapters/aws/reminder_queue.py; embedded: JobQueue)."""

    def enqueue(self, batches: list[ReminderBatch]) -> None: ...


class JobQueue:
    """The embedded worker's queue: a queued job per batch, run by `cli run-worker` (or the scheduler's sweep:
    services/recovery.py). A batch planned twice the same day is one job."""

    def __init__(self, store: JobStore, clock: Clock):
        self.store, self.clock = store, clock

    def enqueue(self, batches: list[ReminderBatch]) -> None:
        for b in batches:
            job = queued_job(JobKind.REMINDERS, f"{b.today}#{b.step.key}#{b.year}#{b.units[0][0]}", self.clock)
            try:
                self.store.start_job(job.model_copy(update={"checkpoint": {**QUEUED, "batch": b.to_dict()}}))
            except AlreadyExists:
                continue


@dataclass(frozen=True)
class Reminded:
    uscc: str
    unit_name: str
    step: Step
    to: tuple[str, ...]


@dataclass(frozen=True)
class DeliveryCounts:
    day: dt.date
    by_authority: dict[str, dict[str, dict[str, int]]]  # authority → channel → outcome → how many
    pending: int  # messages still pending, counted up to BACKLOG_SHOWN

    def totals(self) -> dict[str, dict[str, int]]:
        """channel → outcome → how many, over the authorities shown."""
        out: dict[str, Counter[str]] = {}
        for channels in self.by_authority.values():
            for channel, outcomes in channels.items():
                out.setdefault(channel, Counter()).update(outcomes)
        return {channel: dict(c) for channel, c in out.items()}


@dataclass(frozen=True)
class Digest:
    authority_code: str
    filings: int
    to: tuple[str, ...]


@dataclass
class DailyReport:
    today: dt.date
    dry_run: bool
    opened: dict[int, int] = field(default_factory=dict)  # year → units that started owing it
    reminded: list[Reminded] = field(default_factory=list)  # by this process (no queue, or a dry run)
    already: int = 0  # owing units whose current step had been sent before
    planned: Counter[str] = field(default_factory=Counter)  # authority → units to remind today
    later: int = 0  # owing units whose day of the step's window is still to come
    batches: int = 0  # batches planned (queued, or run here)
    finish_hours: dict[str, float] = field(default_factory=dict)  # channel → hours delivery needs at its rate
    hours_left: float | None = None  # until the day's reminders expire
    digests: list[Digest] = field(default_factory=list)
    delivered: int = 0
    calendar_unknown: list[int] = field(default_factory=list)  # years whose 节假日/调休 are not known
    calendar_source: str = ""

    def lines(self, detail: int = 20) -> list[str]:
        """A readable summary (the CLI prints it; the scheduled run logs it)."""
        verb = "将" if self.dry_run else "已"
        out = [f"{self.today.isoformat()} 每日提醒任务" + ("（演练：不写入、不发送）" if self.dry_run else "")]
        out += [calendar_unknown_line(y, self.today, self.calendar_source) for y in self.calendar_unknown]
        out += [f"  开启{y}年度备案：{n}家单位开始应备案" for y, n in self.opened.items()]
        steps: dict[tuple[int, str], list[Reminded]] = {}
        for r in self.reminded:
            steps.setdefault((r.step.year, r.step.label), []).append(r)
        for (year, label), group in steps.items():
            out.append(f"  {year}年度（{label}）：{verb}提醒{len(group)}家单位")
            out += [f"    {r.uscc} {r.unit_name} → {'，'.join(r.to)}" for r in group[:detail]]
            if 0 < detail < len(group):
                out.append(f"    ……等共{len(group)}家")
        if not self.planned:
            out.append("  今天没有需要发送的备案提醒")
        else:
            out.append(f"  今天计划提醒{self.planned.total()}家单位，分{self.batches}批" +
                       ("由后台任务发送" if not self.reminded and not self.dry_run else ""))
            out += [f"    {jurisdiction.authority(code).name}：{n}家"
                    for code, n in sorted(self.planned.items())[:detail]]
        if self.later:
            out.append(f"  本步骤分散发送，以后几天再提醒：{self.later}家")
        out.append(f"  本步骤此前已提醒、不再重复：{self.already}家")
        if self.late:
            need = "，".join(f"{notifications.CHANNEL_LABEL.get(c, c)}{h:.1f}小时" for c, h in self.finish_hours.items())
            out.append(f"  【警告】按发送速率需要{need}，但{self.hours_left:.1f}小时后本步骤提醒即过期：请提高发送配额或加大分散天数")
        for d in self.digests:
            name = jurisdiction.authority(d.authority_code).name
            out.append(f"  审核提醒摘要 {name}：{d.filings}件待审超时，{verb}发给 {'，'.join(d.to) or '（无审核员邮箱）'}")
        if not self.dry_run:
            out.append(f"  已投递消息：{self.delivered}条")
        return out

    @property
    def late(self) -> bool:
        """The day's plan will not be delivered before its reminders expire (the alarm: infra/README.md)."""
        return self.hours_left is not None and any(h > self.hours_left for h in self.finish_hours.values())


def calendar_unknown_line(year: int, today: dt.date, source: str) -> str:
    """What the job says when `year`'s 法定节假日 and 调休 are not known (docs/rules.md §3)."""
    fix = "请升级 chinesecalendar（requirements.txt）并重新部署，或在 policy.json 中补录"
    if year <= today.year:
        return (f"  【注意】{year}年的法定节假日和调休安排尚未收录（{source}），工作日暂按周一至周五计算，"
                f"审核超时的工作日数可能不准：{fix}")
    return (f"  【注意】{year}年的法定节假日和调休安排尚未收录（{source}）；国务院办公厅公布后{fix}，"
            f"否则自{year}年1月1日起工作日按周一至周五计算")


def reminder_messages(clock: Clock, unit: Unit, obligation: Obligation, step: Step, today: dt.date,
                      base_url: str, people: Iterable[Account] = ()) -> list[Message]:
    """An e-mail and an SMS to each of the unit's people (messages.py `unit_contacts`)."""
    year, due = step.year, step.due
    if today > due:
        late = (today - due).days
        subject = f"【逾期提醒】{year}年度劳动用工备案已逾期{late}天"
        when = (f"截止日期为{chinese_date(due)}，已逾期{late}天。逾期未备案的单位将列入未依法备案单位名单，"
                f"由劳动保障监察机构责令限期改正。")
        short = f"已逾期{late}天"
    else:
        left = (due - today).days
        subject = f"【备案提醒】请于{chinese_date(due)}前完成{year}年度劳动用工备案"
        when = f"截止日期为{chinese_date(due)}，还有{left}天。" if left else f"今天（{chinese_date(due)}）是截止日期。"
        short = f"将于{chinese_date(due)}截止"
    fix = "您单位的备案审核未通过，请按审核意见修改后重新提交。" if obligation.filing_status == "rejected" else ""
    link = f"{base_url.rstrip('/')}/employer"
    body = f"{unit.name}：\n您单位尚未完成{year}年度劳动用工备案。{when}{fix}\n请登录填报并提交：{link}"
    text = f"【劳动用工备案】{unit.name}：{year}年度劳动用工备案{short}，请尽快登录{link}填报。"
    return to_unit(clock, unit, people, kind=MessageKind.REMINDER, subject=subject, email=body, text=text,
                   template="reminder", params={"unit": unit.name, "year": str(year), "when": short})


def for_the_day(messages: list[Message], step: Step, authority_code: str) -> list[Message]:
    """Not sent by the next step's day: dropped (domain/reminders.py); counted per authority."""
    return [m.model_copy(update={"expires_at": reminder_expires(step), "authority_code": authority_code})
            for m in messages]


class ReminderService:
    def __init__(self, store: Store, clock: Clock, outbox: Outbox, base_url: str, queue: ReminderQueue | None = None):
        self.store, self.clock, self.outbox, self.base_url = store, clock, outbox, base_url.rstrip("/")
        self.queue = queue

    # the daily job
    def run_daily(self, today: dt.date | None = None, *, dry_run: bool = False,
                  deliver_seconds: float = 120.0) -> DailyReport:
        """Reminders for every open year at its current ladder step, then the reviewers' digest (working
        days only), then delivery. `today` defaults to the date in Asia/Shanghai; dry_run writes nothing."""
        now = self.clock.now()
        today = today or local_today(now)
        report = DailyReport(today, dry_run)
        if unknown := unknown_calendar_years(today):
            report.calendar_unknown, report.calendar_source = unknown, calendar_source()
            log.warning("working-day calendar unknown for %s (%s): Monday to Friday assumed; update chinesecalendar",
                        ", ".join(map(str, unknown)), report.calendar_source)
        years = open_years(today)
        if years and not dry_run:  # each 1 January every unit starts owing the year just ended (once)
            if added := self.store.open_filing_year(years[-1], now):
                report.opened[years[-1]] = added
        for year in years:
            if step := current_step(year, today):
                self._remind(step, today, now, report)
        if is_working_day(today):
            self._digest(today, now, report)
        if not dry_run:
            report.delivered = self._deliver(deliver_seconds)
        return report

    def _remind(self, step: Step, today: dt.date, now: dt.datetime, report: DailyReport) -> None:
        before = report.planned.copy()
        batches = list(self._plan(step, today, report))
        planned = report.planned - before  # this step's, by authority
        report.batches += len(batches)
        for channel in self.outbox.channels:  # each unit gets a message per channel and person (most: one)
            report.finish_hours[channel] = (report.finish_hours.get(channel, 0.0)
                                            + self.outbox.pace.seconds_for(channel, planned.total()) / 3600)
        left = (reminder_expires(step) - now).total_seconds() / 3600
        report.hours_left = left if report.hours_left is None else min(left, report.hours_left)
        if report.late:
            log.error("the reminders planned today cannot be delivered before they expire: %s h needed, %.1f h left",
                      report.finish_hours, left)
        if report.dry_run:
            report.reminded += [r for batch in batches for r in self.run_batch(batch, dry_run=True)]
            return
        if planned:
            self.store.count_deliveries(today, {(channel, authority, "planned"): n for channel in self.outbox.channels
                                                for authority, n in planned.items()})
        if self.queue is not None:
            self.queue.enqueue(batches)
            return
        for batch in batches:
            report.reminded += self.run_batch(batch)

    def _plan(self, step: Step, today: dt.date, report: DailyReport) -> Iterator[ReminderBatch]:
        """The owing units to remind today, BATCH at a time: not reminded for the step yet, their day come."""
        todo: list[tuple[str, str | None]] = []
        for page in all_pages(lambda token: self.store.units_owing(step.year, limit=PAGE, page_token=token)):
            for o in page:
                if step.key in o.steps:
                    report.already += 1
                elif send_day(o.uscc, step) > today:
                    report.later += 1
                else:
                    report.planned[o.authority_code] += 1
                    todo.append((o.uscc, o.filing_status))
                    if len(todo) == BATCH:
                        yield ReminderBatch(step.year, step.on, today, tuple(todo))
                        todo = []
        if todo:
            yield ReminderBatch(step.year, step.on, today, tuple(todo))

    def run_batch(self, batch: ReminderBatch, *, dry_run: bool = False) -> list[Reminded]:
        """A worker's part: claim the batch's units for the step and write their messages, in one go. Units
        claimed before (a retried batch, a second run) or that filed meanwhile are left out."""
        step = batch.step
        units = self.store.get_units(uscc for uscc, _ in batch.units)
        messages: dict[str, list[Message]] = {}
        for uscc, status in batch.units:
            if unit := units.get(uscc):  # gone since the plan: nobody to remind
                owed = Obligation(uscc, step.year, unit.authority_code, status)
                messages[uscc] = for_the_day(reminder_messages(self.clock, unit, owed, step, batch.today,
                                                               self.base_url, self.store.list_accounts(uscc)),
                                             step, unit.authority_code)
        claimed = set(messages) if dry_run else self.store.claim_reminders(step.year, step.key, self.clock.now(),
                                                                           messages)
        return [Reminded(uscc, units[uscc].name, step, tuple(m.to for m in messages[uscc]))
                for uscc, _ in batch.units if uscc in claimed]

    def delivery_counts(self, who: Principal, day: dt.date | None = None) -> DeliveryCounts:
        """The day's reminder counts (planned, sent, failed, dropped) per authority and channel, for a system
        administrator, within their jurisdiction; with the outbox's backlog (the priority lane first)."""
        if who.role != Role.SYSTEM_ADMIN:
            raise Forbidden("只有系统管理员可以查看消息发送统计")
        day = day or local_today(self.clock.now())
        visible = jurisdiction.Scope(who.scope).visible_authorities()
        rows: dict[str, dict[str, dict[str, int]]] = {}
        for (channel, authority, outcome), n in sorted(self.store.delivery_counts(day).items()):
            if visible is None or authority in visible:
                rows.setdefault(authority, {}).setdefault(channel, {})[outcome] = n
        return DeliveryCounts(day, rows, self.outbox.backlog(BACKLOG_SHOWN))

    def _waiting_too_long(self, today: dt.date) -> dict[str, list[tuple[Filing, dt.date, int]]]:
        """Submitted filings waiting more than N working days, by authority: (filing, day submitted, working
        days waited). The province-wide queue is oldest submission first, so reading stops at the first
        filing that has not waited that long."""
        limit = policy().reviewer_digest_after_working_days
        found: dict[str, list[tuple[Filing, dt.date, int]]] = {}
        token = None
        while True:
            page = self.store.list_authority_filings(None, status="submitted", limit=200, page_token=token)
            for f in page.items:
                if f.submitted_at is None:  # never for a submitted filing
                    continue
                submitted = local_today(f.submitted_at)
                waited = working_days_between(submitted, today)
                if waited <= limit:
                    return found
                found.setdefault(f.authority_code, []).append((f, submitted, waited))
            token = page.next_page_token
            if token is None:
                return found

    def _digest(self, today: dt.date, now: dt.datetime, report: DailyReport) -> None:
        limit = policy().reviewer_digest_after_working_days
        for code, waiting in self._waiting_too_long(today).items():
            emails = [a.email for a in self.store.list_accounts(code)
                      if a.role == Role.OPERATOR and a.status == "active" and a.email]
            authority = jurisdiction.authority(code)
            lines = [f"{n}. {f.unit_name}（回执号{f.receipt_no}，{chinese_date(submitted)}提交，"
                     f"已等待{days}个工作日）{self.base_url}/review/filings/{f.id}"
                     for n, (f, submitted, days) in enumerate(waiting[:DIGEST_LISTED], 1)]
            if len(waiting) > DIGEST_LISTED:
                lines.append(f"……等共{len(waiting)}件，请登录审核：{self.base_url}/review")
            subject = f"待审核提醒：{len(waiting)}件劳动用工备案已等待超过{limit}个工作日"
            body = f"{authority.name}：\n以下备案提交后已超过{limit}个工作日尚未审核，请尽快处理。\n" + "\n".join(lines)
            messages = [message(self.clock, kind=MessageKind.DIGEST, channel="email", to=email, subject=subject,
                                body=body) for email in emails]
            if not messages:
                log.warning("no reviewer with an e-mail address at %s for the digest", code)
            elif not (report.dry_run or self.store.claim_notice(f"digest#{code}#{today.isoformat()}", now, messages)):
                continue  # already sent today
            report.digests.append(Digest(code, len(waiting), tuple(m.to for m in messages)))

    def _deliver(self, seconds: float) -> int:
        """Send what the job queued (and earlier failures now due), within a time budget; what is left
        goes out with the next delivery (the outbox retries)."""
        try:
            return self.outbox.deliver_for(seconds).sent
        except Exception:  # the reminders are recorded; delivery is retried later
            log.warning("outbox delivery failed during the daily job", exc_info=True)
            return 0
