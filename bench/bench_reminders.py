"""The daily reminder job: its cost follows the units that still owe a filing, not all registered units.

    .venv/bin/python bench/bench_reminders.py [units] [aws_units]     (default 100,000 and 10,000)

Embedded (SQLite): `units` registered units, 20% of them have not filed 2025; times the daily run on
the day of the D-7 reminder (one reminder per unfiled unit, e-mail + SMS, delivered to the local mailbox),
a rerun the same day (at-least-once delivery), an ordinary day, and the once-a-year opening of a new
filing year (every unit starts owing it).

AWS (DynamoDB, SES and SNS in a moto server subprocess, as the aws test tier runs it): `aws_units` units,
20% unfiled; counts the requests each run makes (a botocore event hook on the clients), job and delivery
apart. Emulator times say nothing about AWS latency, so only request counts are printed for it. moto
snapshots the whole table for every item of every TransactWriteItems (to roll back), which makes 10,000
units take hours; the launcher below skips that snapshot. No transaction in this benchmark fails, so
nothing would be rolled back, and the requests made are the same.

Data is seeded through the Store port (the same writes registration and filing make). Prints figures only.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from chalicelib.domain.filing import Filing  # noqa: E402
from chalicelib.domain.model import Account, Role, Unit  # noqa: E402
from chalicelib.domain.reference import divisions  # noqa: E402
from chalicelib.services.audit import audit_event  # noqa: E402
from chalicelib.services.outbox import Outbox  # noqa: E402
from chalicelib.services.reminders import ReminderService  # noqa: E402

UTC = dt.timezone.utc
REGISTERED = dt.datetime(2026, 3, 2, 2, tzinfo=UTC)  # so every unit owes 2025 (due 30 June 2026)
FILED_AT = dt.datetime(2026, 4, 1, 2, tzinfo=UTC)
UNFILED_SHARE = 5  # every 5th unit has not filed: 20%
COUNTIES = sorted(d.code for d in divisions().values() if d.level == "county" and not d.statistical_zone)


class Clock:
    def __init__(self):
        self.current = REGISTERED

    def now(self) -> dt.datetime:
        return self.current


class Mailbox:
    def send(self, message) -> None:  # the embedded mailbox: delivery is the outbox row turning "sent"
        return None


def unit(i: int) -> tuple[Unit, Account]:
    uscc, code = f"91{i:016d}", COUNTIES[i % len(COUNTIES)]
    u = Unit(uscc=uscc, name=f"基准测试单位{i}", unit_type="企业", economic_type="私营", industry="I", affiliation="其他",
             foreign_invested=False, labor_dispatch=False, registration_division=code, registered_address="地址",
             legal_representative="法人", filer_name="填报员", filer_mobile=f"138{i % 10**8:08d}",
             filer_email=f"filer{i}@example.com", authority_code=code, registered_at=REGISTERED)
    return u, Account(username=uscc, password_hash="-", role=Role.FILER, scope=uscc, display_name=u.name,
                      created_at=REGISTERED)


def seed(store, n: int) -> None:
    """n units; all but every 5th have an approved 2025 filing."""
    def one(i: int) -> None:
        u, filer = unit(i)
        store.create_unit(u, filer)
        if i % UNFILED_SHARE:
            f = Filing(id=f"f{i}", uscc=u.uscc, unit_name=u.name, authority_code=u.authority_code, year=2025,
                       kind="annual", tables=("table1", "table2"), created_at=FILED_AT, updated_at=FILED_AT)
            store.create_filing(f, audit=audit_event(FILED_AT, u.uscc, "create_filing", f.id))
            done = f.submit(actor=u.uscc, now=FILED_AT, receipt_no=f"BA-{i}").review(
                decision="approve", reason=None, actor="reviewer", now=FILED_AT)
            store.save_filing(done, expected_version=f.version)
    for i in range(n):
        one(i)
    store.open_filing_year(2025, dt.datetime(2026, 1, 1, 1, tzinfo=UTC))  # as the job did on 1 January


def days() -> list[tuple[str, dt.datetime]]:
    at9 = lambda d: dt.datetime.combine(d, dt.time(1, 0), UTC)  # noqa: E731  (09:00 Beijing)
    return [("D-7 reminder day (2026-06-23)", at9(dt.date(2026, 6, 23))),
            ("rerun the same day", at9(dt.date(2026, 6, 23))),
            ("ordinary day after (2026-06-24)", at9(dt.date(2026, 6, 24))),
            ("2027-01-01: opens 2026 for all, 2025 overdue", at9(dt.date(2027, 1, 1)))]


def embedded(n: int) -> None:
    from chalicelib.adapters.embedded.sqlite_store import SqliteStore
    with tempfile.TemporaryDirectory() as tmp:
        store, clock = SqliteStore(Path(tmp) / "bench.db"), Clock()
        start = time.perf_counter()
        seed(store, n)
        print(f"embedded (SQLite): {n:,} units, {n // UNFILED_SHARE:,} have not filed 2025 "
              f"(seeded in {time.perf_counter() - start:.0f} s)")
        job = ReminderService(store, clock, Outbox(store, Mailbox(), clock), "http://127.0.0.1:8000")
        for label, at in days():
            clock.current = at
            start = time.perf_counter()
            report = job.run_daily(deliver_seconds=3600)
            took = time.perf_counter() - start
            print(f"  {label:<46} {took:7.2f} s   reminded {len(report.reminded):>6,}  skipped (sent before) "
                  f"{report.already:>6,}  opened {sum(report.opened.values()):>7,}  messages delivered "
                  f"{report.delivered:>6,}")


MOTO = """
import copy, sys
import moto.dynamodb.models as models
from moto.server import main

class NoTableSnapshot:
    @staticmethod
    def deepcopy(value, memo=None):
        return value if isinstance(value, models.Table) else copy.deepcopy(value, memo)

models.copy = NoTableSnapshot
main(sys.argv[1:])
"""


@contextlib.contextmanager
def moto_server(log: Path):
    from tests.aws_emulator import _free_port, _wait_for_port
    port = _free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", MOTO, "-H", "127.0.0.1", "-p", str(port)], stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        _wait_for_port("127.0.0.1", port, proc, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def aws(n: int) -> None:
    import boto3

    from chalicelib.adapters.aws.dynamo_store import DynamoStore, create_table
    from chalicelib.adapters.aws.senders import ChannelSender, SesSender, SnsSmsSender
    from tests.aws_emulator import FAKE_ENV, REGION, SENDER_EMAIL

    os.environ.update(FAKE_ENV)
    with tempfile.TemporaryDirectory() as tmp, moto_server(Path(tmp) / "moto.log") as endpoint:
        session = boto3.session.Session(region_name=REGION)
        clients = {name: session.client(name, endpoint_url=endpoint) for name in ("dynamodb", "ses", "sns")}
        calls: Counter = Counter()
        for name, client in clients.items():
            client.meta.events.register(f"before-call.{name}", lambda model, _n=name, **kw: calls.update(
                [f"{_n}.{model.name}"]))
        create_table(clients["dynamodb"], "bench")
        clients["ses"].verify_email_identity(EmailAddress=SENDER_EMAIL)
        store, clock = DynamoStore("bench", clients["dynamodb"]), Clock()
        store.backoff_seconds = 0.01
        start = time.perf_counter()
        seed(store, n)
        print(f"\nAWS (DynamoDB in moto): {n:,} units, {n // UNFILED_SHARE:,} have not filed 2025 "
              f"(seeded in {time.perf_counter() - start:.0f} s); requests per run:")
        sender = ChannelSender({"email": SesSender(clients["ses"], SENDER_EMAIL), "sms": SnsSmsSender(clients["sns"])})
        outbox = Outbox(store, sender, clock)
        job = ReminderService(store, clock, outbox, "https://filing.example.cn")
        for label, at in days():
            clock.current = at
            calls.clear()
            report = job.run_daily(deliver_seconds=0)  # the job alone; delivery counted below
            dynamo = {k.split(".")[1]: v for k, v in calls.items() if k.startswith("dynamodb.")}
            print(f"  {label:<46} DynamoDB {sum(dynamo.values()):>6,} requests  reminded "
                  f"{len(report.reminded):>5,}  opened {sum(report.opened.values()):>6,}   "
                  + ", ".join(f"{op} {c:,}" for op, c in sorted(dynamo.items())))
            if report.reminded:
                calls.clear()
                delivered = 0
                while sent := outbox.deliver_pending(500):
                    delivered += sent
                print(f"  {'  then delivering ' + format(delivered, ',') + ' messages':<46} " + ", ".join(
                    f"{k} {v:,}" for k, v in sorted(calls.items())))


if __name__ == "__main__":
    units = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    aws_units = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    embedded(units)
    aws(aws_units)
