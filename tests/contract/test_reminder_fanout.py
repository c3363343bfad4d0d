"""Issue 21 on both backends: the daily job plans batches for a queue and workers run them; a retried batch or a
second daily run reminds nobody twice; a step is spread over its window; reminders go out after every other
message and are dropped, counted, once their day has passed."""
from __future__ import annotations

import datetime as dt

import pytest

from chalicelib import bootstrap
from chalicelib.domain.model import MessageKind
from chalicelib.domain.reminders import current_step, send_day
from chalicelib.services.reminders import JobQueue, ReminderBatch
from chalicelib.settings import Settings
from tests.conftest import FakeClock
from tests.contract.test_owing_contract import register
from tests.contract.test_store_contract import audit, filing

UTC = dt.timezone.utc
JUNE_23_0900 = dt.datetime(2026, 6, 23, 1, 0, tzinfo=UTC)  # 09:00 in Beijing, D-7 for 2025
USCCS = [f"U{n}" for n in range(12)]


class ListQueue:
    def __init__(self):
        self.batches: list[ReminderBatch] = []

    def enqueue(self, batches):
        self.batches += batches


def container(adapters, tmp_path, queue=None, now=JUNE_23_0900):
    settings = Settings("embedded", "https://filing.example.cn", "job-secret-" + "z" * 32, data_dir=tmp_path)
    return bootstrap.assemble(settings, store=adapters.store, blobs=adapters.blobs, sender=adapters.sender,
                              clock=FakeClock(now), reminder_queue=queue)


def reminders_written(store) -> list[tuple[str, str]]:
    return sorted((m.channel, m.to) for m in store.list_messages(500) if "年度劳动用工备案" in m.subject)


@pytest.fixture
def units(adapters):
    for uscc in USCCS:
        register(adapters.store, uscc)
    return USCCS


def test_the_job_only_plans_and_a_retried_batch_or_a_second_run_reminds_nobody_twice(adapters, tmp_path, units,
                                                                                      monkeypatch):
    monkeypatch.setattr("chalicelib.services.reminders.BATCH", 5)
    queue = ListQueue()
    c = container(adapters, tmp_path, queue)
    report = c.reminders.run_daily()
    assert report.planned.total() == 12 and report.batches == 3 and len(queue.batches) == 3
    assert reminders_written(c.store) == []  # planned, not yet claimed: the workers do that
    assert c.reminders.run_daily().batches == 3  # a second run before the workers: the same units planned again
    reminded = [r.uscc for b in queue.batches for r in c.reminders.run_batch(b)]  # every batch twice over
    assert sorted(reminded) == sorted(units)
    assert len(reminders_written(c.store)) == 24  # an e-mail and an SMS each, once
    again = c.reminders.run_daily()
    assert again.planned.total() == 0 and again.already == 12


def test_a_unit_that_files_after_the_plan_is_left_out_of_its_batch(adapters, tmp_path, units):
    queue = ListQueue()
    c = container(adapters, tmp_path, queue)
    c.reminders.run_daily()
    done = filing(uscc="U3", year=2025)
    c.store.create_filing(done, audit=audit())
    c.store.save_filing(done.submit(actor="u", now=JUNE_23_0900, receipt_no="R1"), expected_version=done.version,
                        audit=audit())
    [batch] = queue.batches
    assert "U3" not in {r.uscc for r in c.reminders.run_batch(batch)}


def test_the_embedded_worker_runs_the_queued_batches(adapters, tmp_path, units, monkeypatch):
    monkeypatch.setattr("chalicelib.services.reminders.BATCH", 5)
    c = container(adapters, tmp_path)
    c.reminders.queue = JobQueue(c.store, c.clock)
    c.reminders.run_daily()
    c.reminders.run_daily()  # planned twice the same day: the same jobs
    assert reminders_written(c.store) == []
    assert c.recovery.sweep().reminder_batches == 3
    assert len(reminders_written(c.store)) == 24
    assert c.recovery.sweep().reminder_batches == 0


def test_a_step_is_spread_over_its_window_each_unit_on_its_own_day(adapters, tmp_path, units):
    may_31 = dt.datetime(2026, 5, 31, 1, 0, tzinfo=UTC)  # D-30, spread over 3 days (policy.json)
    step = current_step(2025, may_31.date())
    assert step is not None and step.key == "D-30"
    days = {u: send_day(u, step) for u in units}
    assert set(days.values()) <= {dt.date(2026, 5, 31), dt.date(2026, 6, 1), dt.date(2026, 6, 2)}
    reminded = []
    for n in range(3):
        c = container(adapters, tmp_path, now=may_31 + dt.timedelta(days=n))
        report = c.reminders.run_daily()
        today = (may_31 + dt.timedelta(days=n)).date()
        assert sorted(r.uscc for r in report.reminded) == sorted(u for u, d in days.items() if d == today)
        reminded += [r.uscc for r in report.reminded]
    assert sorted(reminded) == sorted(units)  # each once, the whole step within its window


def test_reminders_go_after_other_messages_and_a_late_one_is_dropped_and_counted(adapters, tmp_path, units):
    june_29 = dt.datetime(2026, 6, 29, 1, 0, tzinfo=UTC)  # D-1: not sent by the due date, it is never sent
    c = container(adapters, tmp_path, now=june_29)
    c.reminders.run_daily(deliver_seconds=0)
    decision = c.outbox.recent(1)[0].model_copy(update={
        "id": "decision-1", "kind": MessageKind.DECISION, "subject": "审核结果", "expires_at": None,
        "created_at": june_29 + dt.timedelta(minutes=5)})
    assert c.store.claim_notice("decision#1", june_29, [decision])
    assert c.store.pending_messages(1)[0].id == "decision-1"  # the priority lane first, though written last
    c.clock.current = dt.datetime(2026, 6, 30, 16, 0, tzinfo=UTC)  # 1 July 00:00 in Beijing: D+1
    done = c.outbox.deliver_for(30)
    assert (done.sent, done.dropped) == (1, 24)
    dropped = [m for m in c.store.list_messages(100) if m.status == "dropped"]
    assert len(dropped) == 24 and all("不再发送" in m.reason for m in dropped)


def test_the_days_counts_per_channel_and_authority(adapters, tmp_path):
    register(adapters.store, "A1", authority="140105")
    register(adapters.store, "A2", authority="140105")
    register(adapters.store, "B1", authority="140106")
    c = container(adapters, tmp_path)
    c.reminders.run_daily(deliver_seconds=0)
    day = dt.date(2026, 6, 23)
    assert c.store.delivery_counts(day) == {
        ("email", "140105", "planned"): 2, ("sms", "140105", "planned"): 2,
        ("email", "140106", "planned"): 1, ("sms", "140106", "planned"): 1}
    c.outbox.deliver_for(30)
    counts = c.store.delivery_counts(day)
    assert (counts[("email", "140105", "sent")], counts[("sms", "140106", "sent")]) == (2, 1)
    c.reminders.run_daily()  # a second run plans nothing, and counts nothing more
    assert c.store.delivery_counts(day) == counts
