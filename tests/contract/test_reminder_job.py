"""The daily job on both backends: reminders once per step however often it runs, the reviewers' digest."""
from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest

from chalicelib import bootstrap
from chalicelib.domain.model import Role
from chalicelib.settings import Settings
from tests.conftest import FakeClock
from tests.contract.test_owing_contract import move, register
from tests.contract.test_store_contract import account, audit, filing

UTC = dt.timezone.utc
JUNE_23_0900 = dt.datetime(2026, 6, 23, 1, 0, tzinfo=UTC)  # 09:00 in Beijing, D-7 for 2025


@pytest.fixture
def job(adapters, tmp_path):
    clock = FakeClock(JUNE_23_0900)
    settings = Settings("embedded", "https://filing.example.cn", "job-secret-" + "z" * 32, data_dir=tmp_path)
    c = bootstrap.assemble(settings, store=adapters.store, blobs=adapters.blobs, sender=adapters.sender, clock=clock)
    for uscc in ("U1", "U2", "U3"):
        register(c.store, uscc)
    done = filing(uscc="U3", year=2025)
    c.store.create_filing(done, audit=audit())
    move(c.store, done, "submit")
    return c


def reminders_in_outbox(store) -> list[tuple[str, str]]:
    return sorted((m.channel, m.to) for m in store.list_messages(500) if "年度劳动用工备案" in m.subject)


def test_units_that_have_not_filed_are_reminded_once_per_step(job):
    report = job.reminders.run_daily()
    assert report.today == dt.date(2026, 6, 23)
    assert sorted((r.uscc, r.step.key) for r in report.reminded) == [("U1", "D-7"), ("U2", "D-7")]
    assert reminders_in_outbox(job.store) == [("email", "a@example.com")] * 2 + [("sms", "13800000000")] * 2
    assert report.delivered >= 4 and job.store.pending_messages() == []
    mail = next(m for m in job.store.list_messages() if m.channel == "email")
    assert "2026年6月30日" in mail.body and "还有7天" in mail.body and "https://filing.example.cn/employer" in mail.body

    again = job.reminders.run_daily()  # a rerun, or EventBridge delivering the event twice
    assert again.reminded == [] and again.already == 2
    job.clock.advance(days=1)  # 24 June: still step D-7, nothing new
    assert job.reminders.run_daily().reminded == []
    job.clock.advance(days=5)  # 29 June: D-1
    assert [r.step.key for r in job.reminders.run_daily().reminded] == ["D-1", "D-1"]
    job.clock.advance(days=2)  # 1 July: overdue
    overdue = job.reminders.run_daily()
    assert [r.step.key for r in overdue.reminded] == ["D+1", "D+1"]
    assert len(reminders_in_outbox(job.store)) == 12
    assert any("已逾期1天" in m.subject for m in job.store.list_messages())


def test_concurrent_runs_send_each_reminder_once(job):
    reports, barrier = [], threading.Barrier(4)

    def run():
        barrier.wait()
        reports.append(job.reminders.run_daily())

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.uscc for report in reports for r in report.reminded) == ["U1", "U2"]
    assert len(reminders_in_outbox(job.store)) == 4
    assert [len(o.reminders) for o in job.store.units_owing(2025).items] == [1, 1]


def test_a_dry_run_writes_and_sends_nothing(job):
    report = job.reminders.run_daily(dt.date(2026, 6, 29), dry_run=True)
    assert [r.step.key for r in report.reminded] == ["D-1", "D-1"]
    assert reminders_in_outbox(job.store) == []
    assert "将提醒2家单位" in "\n".join(report.lines())
    assert len(job.reminders.run_daily(dt.date(2026, 6, 29)).reminded) == 2  # the real run still sends


def test_reviewers_get_one_digest_of_filings_waiting_too_long(job):
    store = job.store
    reviewer = account("rev", scope="140105").model_copy(update={"email": "rev@hrss.example.cn"})
    store.put_account(reviewer)
    store.put_account(account("aud", scope="140105", role=Role.AUDITOR).model_copy(update={"email": "a@x.cn"}))
    old = filing(uscc="U1", year=2025)  # submitted Wed 10 June: 8 working days by 23 June (端午 excluded)
    store.create_filing(old, audit=audit())
    store.save_filing(old.submit(actor="u", now=dt.datetime(2026, 6, 10, 2, tzinfo=UTC), receipt_no="BA-1"),
                      expected_version=1)
    fresh = filing(uscc="U2", year=2025)  # submitted 17 June: 4 working days, not yet
    store.create_filing(fresh, audit=audit())
    store.save_filing(fresh.submit(actor="u", now=dt.datetime(2026, 6, 17, 2, tzinfo=UTC), receipt_no="BA-2"),
                      expected_version=1)

    report = job.reminders.run_daily()
    # U3's filing (the fixture's, submitted 1 March) and U1's
    assert [(d.authority_code, d.filings, d.to) for d in report.digests] == [("140105", 2, ("rev@hrss.example.cn",))]
    job.reminders.run_daily()
    digests = [m for m in store.list_messages(500) if m.subject.startswith("待审核提醒")]
    assert [m.to for m in digests] == ["rev@hrss.example.cn"]
    assert "BA-1" in digests[0].body and "已等待8个工作日" in digests[0].body and "BA-2" not in digests[0].body
    assert "https://filing.example.cn/review/filings/" in digests[0].body

    assert job.reminders.run_daily(dt.date(2026, 6, 27)).digests == []  # Saturday: no digest


def test_the_job_says_when_the_holiday_calendar_is_not_known(job, caplog):
    """docs/rules.md §3: a year chinesecalendar does not carry yet is worked Monday to Friday, and the job says so
    (in its report, and as a warning in the log) from 1 December of the year before."""
    assert not any("尚未收录" in line for line in job.reminders.run_daily(dt.date(2026, 6, 23), dry_run=True).lines())
    with caplog.at_level(logging.WARNING, logger="chalicelib.services.reminders"):
        december = job.reminders.run_daily(dt.date(2026, 12, 1), dry_run=True)
    assert december.calendar_unknown == [2027]
    assert any("2027年的法定节假日和调休安排尚未收录" in line for line in december.lines())
    assert any("working-day calendar unknown for 2027" in r.getMessage() for r in caplog.records)

    march = job.reminders.run_daily(dt.date(2027, 3, 1), dry_run=True)  # a Monday: digests go out Monday to Friday
    assert any("工作日暂按周一至周五计算" in line for line in march.lines(detail=0)) and march.digests != []
    assert job.reminders.run_daily(dt.date(2027, 3, 6), dry_run=True).digests == []  # Saturday


def test_reminders_reach_every_active_person_of_the_unit_once(job):
    """docs/rules.md §12: the 单位管理员 and each 经办人 still acting for the unit; a removed one hears nothing, and
    an address shared with the unit's contacts gets one message."""
    def person(username, mobile, email, status="active"):
        clerk = account(username, scope="U1", role=Role.FILER).model_copy(update={
            "mobile": mobile, "email": email, "status": status, "unit_role": "clerk"})
        job.store.save_people([(clerk, None)], audit=audit())
    person("U1-2", "13600000002", "clerk@example.com")
    person("U1-3", "13600000003", "gone@example.com", status="deregistered")
    person("U1-4", "13800000000", "a@example.com")  # the unit's own contacts
    job.reminders.run_daily()
    assert reminders_in_outbox(job.store) == sorted(
        [("email", "a@example.com")] * 2 + [("email", "clerk@example.com")]
        + [("sms", "13800000000")] * 2 + [("sms", "13600000002")])
