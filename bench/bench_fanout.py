"""Issue 21: the daily job for a million units (fan-out, queued batches, paced delivery), and a model of June.

    .venv/bin/python bench/bench_fanout.py [units] [owing] [aws_owing] [embedded] [aws] [model]
    (default 1,000,000 200,000 200,000, all three parts)

Embedded (SQLite): `units` units, `owing` of them have not filed 2025; on the D-30 day (spread over 3 days,
policy.json) times the plan (the job reading the owing index and queueing batches), the batches (claims and
outbox rows, as the workers run them, here one after another), delivery to the local channel (the mailbox: an
outbox row turning "sent"), then the D-7 plan, where every owing unit is planned at once. The units, owing rows and the others' filed rows are written with plain SQL
inserts (the Store's own tables; registering a million units through the port takes an hour and is timed by
bench_reminders.py), so only the job is measured.

AWS (moto, in process): `aws_owing` OWES items in the sparse index; the plan's DynamoDB and SQS requests are
counted (a botocore hook), no Scan allowed. Emulator times say nothing about AWS: only counts are printed.

The model: for 1,000,000 owing units (an e-mail and an SMS each), the hours each step's delivery takes at a
stated provider rate, and whether it fits the step's spread window.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from chalicelib.domain.calendar import local_midnight  # noqa: E402
from chalicelib.domain.reminders import current_step, reminder_expires, spread_days  # noqa: E402
from chalicelib.domain.model import Unit  # noqa: E402
from chalicelib.services.outbox import Outbox  # noqa: E402
from chalicelib.services.reminders import ReminderService  # noqa: E402

UTC = dt.timezone.utc
MAY_31_0900 = dt.datetime(2026, 5, 31, 1, 0, tzinfo=UTC)  # D-30 for 2025
JUNE_23_0900 = dt.datetime(2026, 6, 23, 1, 0, tzinfo=UTC)  # D-7
REGISTERED = dt.datetime(2026, 3, 2, 2, tzinfo=UTC)
COUNTIES = [f"1401{n:02d}" for n in range(5, 12)] + [f"14{c:02d}{n:02d}" for c in range(2, 12) for n in range(2, 12)]
RATES = {"email": 14.0, "sms": 20.0}  # SES's sending rate after production access; SNS SMS's default (README)


class Clock:
    def __init__(self, now: dt.datetime):
        self.current = now

    def now(self) -> dt.datetime:
        return self.current


class Mailbox:
    def send(self, message) -> None:
        return None


class Queue:
    def __init__(self):
        self.batches = []

    def enqueue(self, batches) -> None:
        self.batches += batches


def unit_doc(i: int) -> str:
    code = COUNTIES[i % len(COUNTIES)]
    return Unit(uscc=f"91{i:016d}", name=f"基准测试单位{i}", unit_type="企业", economic_type="私营", industry="I",
                affiliation="其他", foreign_invested=False, labor_dispatch=False, registration_division=code,
                registered_address="地址", legal_representative="法人", filer_name="填报员",
                filer_mobile=f"138{i % 10**8:08d}", filer_email=f"filer{i}@example.com", authority_code=code,
                registered_at=REGISTERED).model_dump_json()


def embedded(units: int, owing: int) -> None:
    from chalicelib.adapters.embedded.sqlite_store import SqliteStore

    every = units // owing
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        start = time.monotonic()
        with store._write() as db:  # noqa: SLF001 (seeding only)
            for lo in range(0, units, 50_000):
                rows = range(lo, min(units, lo + 50_000))
                db.executemany("INSERT INTO units VALUES (?, ?)", [(f"91{i:016d}", unit_doc(i)) for i in rows])
                db.executemany("INSERT INTO owes VALUES (?, 2025, ?, ?, NULL)", [
                    (f"91{i:016d}", COUNTIES[i % len(COUNTIES)], 1 if i % every == 0 else 0) for i in rows])
            db.execute("INSERT INTO years_opened VALUES (2025, ?)", (REGISTERED.isoformat(),))  # opened 1 January
        print(f"  seeded {units:,} units, {len(range(0, units, every)):,} owing 2025: {time.monotonic() - start:.0f} s")
        clock, queue = Clock(MAY_31_0900), Queue()
        outbox = Outbox(store, Mailbox(), clock)
        job = ReminderService(store, clock, outbox, "https://filing.example.cn", queue)
        start = time.monotonic()
        report = job.run_daily(deliver_seconds=0)
        plan = time.monotonic() - start
        print(f"  D-30 plan: {plan:6.1f} s   planned {report.planned.total():,} units today in {report.batches:,} "
              f"batches, {report.later:,} on the next days of the window ({spread_days(current_step(2025, MAY_31_0900.date()))} days)")
        start = time.monotonic()
        reminded = sum(len(job.run_batch(b)) for b in queue.batches)
        again = sum(len(job.run_batch(b)) for b in queue.batches[:10])
        took = time.monotonic() - start
        print(f"  batches:   {took:6.1f} s   {reminded:,} units claimed, {2 * reminded:,} messages written "
              f"({reminded / took:,.0f} units/s on one worker); 10 batches retried: {again} claimed again")
        start = time.monotonic()
        done = outbox.deliver_for(3600, batch=1000)
        took = time.monotonic() - start
        print(f"  delivery:  {took:6.1f} s   {done.sent:,} messages to the local channel: {done.sent / took:,.0f} messages/s")
        clock.current, queue.batches = JUNE_23_0900, []
        start = time.monotonic()
        report = job.run_daily(deliver_seconds=0)
        print(f"  D-7 plan:  {time.monotonic() - start:6.1f} s   planned {report.planned.total():,} units (no spread: "
              f"every owing unit) in {report.batches:,} batches")


def aws(owing: int) -> None:
    import boto3
    from moto import mock_aws

    from chalicelib.adapters.aws.dynamo_store import DynamoStore
    from chalicelib.adapters.aws.reminder_queue import SqsReminderQueue
    from chalicelib.adapters.aws.dynamo.owing import owes_put
    from chalicelib.adapters.aws.dynamo_store import create_table

    with mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        ddb, sqs = session.client("dynamodb"), session.client("sqs")
        create_table(ddb, "bench")
        url = sqs.create_queue(QueueName="reminders")["QueueUrl"]
        start = time.monotonic()
        puts = [{"PutRequest": owes_put(f"91{i:016d}", 2025, COUNTIES[i % len(COUNTIES)])} for i in range(owing)]
        for lo in range(0, len(puts), 25):
            ddb.batch_write_item(RequestItems={"bench": puts[lo:lo + 25]})
        print(f"  seeded {owing:,} owing units: {time.monotonic() - start:.0f} s")
        calls: Counter[str] = Counter()
        for client in (ddb, sqs):
            client.meta.events.register("before-call", lambda model, **kw: calls.update([model.name]))
        clock = Clock(MAY_31_0900)
        store = DynamoStore("bench", ddb)
        job = ReminderService(store, clock, Outbox(store, Mailbox(), clock), "https://x.cn", SqsReminderQueue(sqs, url))
        report = job.run_daily(deliver_seconds=0)
        queued = int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
                     ["Attributes"]["ApproximateNumberOfMessages"])
        print(f"  D-30 plan: planned {report.planned.total():,} (+{report.later:,} later in the window) in "
              f"{queued:,} queue messages; requests: {dict(calls)}; Scan: {calls['Scan']}")


# (messages a second, messages a day or None): SES after production access starts at 14/s and 50,000 a day; the
# request of infra/README.md ("Reminders at scale") is 20/s and 1,500,000 a day; SNS transactional SMS: 20/s
QUOTAS = {"default": {"email": (14.0, 50_000), "sms": (20.0, None)},
          "requested": {"email": (20.0, 1_500_000), "sms": (20.0, None)}}


def model(owing: int = 1_000_000) -> None:
    """Each step starts with the daily job at 09:00 Beijing and must be delivered before its reminders expire
    (the start of the next step's day: domain/reminders.py); a day's cap stretches it over days."""
    print(f"  {owing:,} owing units, an e-mail and an SMS each, per step of the ladder")
    for name, quotas in QUOTAS.items():
        print(f"  {name} quotas: " + ", ".join(f"{c} {r:g}/s" + (f" and {d:,}/day" if d else "")
                                              for c, (r, d) in quotas.items()))
        for day in (dt.date(2026, 5, 31), dt.date(2026, 6, 23), dt.date(2026, 6, 29), dt.date(2026, 7, 1)):
            step = current_step(2025, day)
            start = local_midnight(step.on) + dt.timedelta(hours=9)
            hours = (reminder_expires(step) - start).total_seconds() / 3600
            need = {c: max(owing / r / 3600, (owing // d) * 24 if d else 0) for c, (r, d) in quotas.items()}
            verdict = ("delivered in time" if max(need.values()) <= hours
                       else f"LATE: reminders dropped (at least {owing / hours / 3600:.1f}/s needed)")
            print(f"    {step.key:>5}: " + ", ".join(f"{c} {h:6.1f} h" for c, h in need.items())
                  + f" of {hours:5.1f} h before it expires (spread over {spread_days(step)} day(s)) → {verdict}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:] if a.isdigit()]
    parts = [a for a in sys.argv[1:] if not a.isdigit()] or ["embedded", "aws", "model"]  # or name the parts
    units, owing, aws_owing = (args + [1_000_000, 200_000, 200_000][len(args):])[:3]
    if "embedded" in parts:
        print("embedded (SQLite)")
        embedded(units, owing)
    if "aws" in parts:
        print("AWS mode (moto)")
        aws(aws_owing)
    if "model" in parts:
        print("model")
        model()
