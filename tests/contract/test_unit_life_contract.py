"""A unit's life on both backends (docs/rules.md §11): save_unit writes the unit at its version with its audit
event and messages, and moves its years in the owing index and the counters in the same transaction; the
yearly opening and filings saved later honour the founding date and the closure."""
from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain import unit_life
from chalicelib.domain.model import AuditEvent, Role
from chalicelib.ports import StaleVersion
from tests.contract.test_owing_contract import move, owing
from tests.contract.test_store_contract import T0, account, audit, filing, msg, unit

TODAY = dt.date(2026, 3, 1)
NEXT_NEW_YEAR = dt.datetime(2027, 1, 1, 1, tzinfo=dt.timezone.utc)


def register(store, uscc: str, founded_on: str | None = "2015-06-01", authority: str = "140105"):
    u = unit(uscc).model_copy(update={"authority_code": authority,
                                      "founded_on": dt.date.fromisoformat(founded_on) if founded_on else None})
    store.create_unit(u, account(uscc, scope=uscc, role=Role.FILER))
    return u


def event(action: str, detail: dict) -> AuditEvent:
    return audit("U1").model_copy(update={"action": action, "detail": detail})


def save(store, before, after, action="act"):
    store.save_unit(after, expected_version=before.version, audit=event(action, {"from": "a", "to": "b"}),
                    messages=[msg()])
    return after


def closed(u, on: str):
    return unit_life.closed(u, "deregistered", on, "注销通知书1号", "", "op", T0, TODAY)


def years(store, uscc="U1") -> list[int]:
    return [y for y in range(2022, 2027) if uscc in owing(store, y)]


def test_a_closure_takes_the_years_not_yet_due_off_the_lists_and_a_reopening_puts_them_back(store):
    u = register(store, "U1")
    assert years(store) == [2022, 2023, 2024, 2025]  # founded 2015: every year since the first filing year
    assert store.stats(2024) == {"140105": {"expected": 1}}

    shut = save(store, u, closed(u, "2025-07-01"), "record_closure")
    assert years(store) == [2022, 2023, 2024]  # 2024 was overdue when it closed: still owed
    assert store.stats(2025) == {"140105": {"closed": 1}} and store.stats(2024) == {"140105": {"expected": 1}}
    assert store.get_unit("U1").closures[0].evidence == "注销通知书1号"
    assert any(e.action == "record_closure" and e.detail == {"from": "a", "to": "b"} for e in store.list_audit())
    assert len(store.list_messages()) == 1

    with pytest.raises(StaleVersion):  # a second writer still holding version 1 loses, and nothing moves
        save(store, u, closed(u, "2024-01-01"))
    assert years(store) == [2022, 2023, 2024] and store.get_unit("U1").version == 2

    save(store, shut, unit_life.reopened(shut, "误登记", "op", T0, TODAY), "reopen_unit")
    assert years(store) == [2022, 2023, 2024, 2025]
    assert store.stats(2025) == {"140105": {"expected": 1}}


def test_a_founding_date_filled_in_later_recomputes_the_years_owed(store):
    u = register(store, "U1", founded_on=None)  # registered before it was asked: owes the year before
    assert years(store) == [2025]
    early = save(store, u, u.model_copy(update={"founded_on": dt.date(2020, 1, 1), "version": 2}))
    assert years(store) == [2022, 2023, 2024, 2025]
    assert store.stats(2023) == {"140105": {"expected": 1}}
    save(store, early, early.model_copy(update={"founded_on": dt.date(2025, 8, 1), "version": 3}))
    assert years(store) == [2025]
    assert store.stats(2023) == {} and store.stats(2025) == {"140105": {"expected": 1}}


def test_a_filed_year_stands_and_a_draft_of_an_excused_year_stays_off_the_list(store):
    u = register(store, "U1")
    f2024 = filing(uscc="U1", year=2024)
    store.create_filing(f2024, audit=audit())
    move(store, f2024, "submit")
    shut = save(store, u, closed(u, "2024-03-01"))  # 2024 and 2025 due after the closure
    assert years(store) == [2022]
    assert store.stats(2024) == {"140105": {"expected": 1, "filed": 1}}  # filed: counted as before
    assert store.stats(2025) == {"140105": {"closed": 1}}

    draft = filing(uscc="U1", year=2025)
    store.create_filing(draft, audit=audit())
    store.save_filing(draft.edited(T0, table1={"employees": 1}), expected_version=draft.version)
    assert years(store) == [2022]  # saving a draft of a year the closure excused lists nobody
    save(store, shut, unit_life.reopened(shut, "恢复经营", "op", T0, TODAY))
    assert [(o.uscc, o.filing_status) for o in store.units_owing(2025).items] == [("U1", "draft")]


def test_opening_a_year_skips_units_founded_after_it_and_closed_ones(store):
    register(store, "U1")
    young = register(store, "U2", founded_on="2026-01-10")
    gone = register(store, "U3")
    save(store, gone, closed(gone, "2026-02-01"))
    assert years(store, "U2") == [] and years(store, "U3") == [2022, 2023, 2024]

    assert store.open_filing_year(2026, NEXT_NEW_YEAR) == 2
    assert owing(store, 2026) == ["U1", "U2"]
    assert store.stats(2026) == {"140105": {"expected": 2}}
    late = filing(uscc="U3", year=2026)  # a draft the closed unit had anyway stays off the list
    store.create_filing(late, audit=audit())
    store.save_filing(late.edited(T0, table1={"employees": 1}), expected_version=late.version)
    assert owing(store, 2026) == ["U1", "U2"]
    assert young.founded_on == dt.date(2026, 1, 10)


def test_closure_requests_are_listed_for_their_authority_until_answered(store):
    u1, u2 = register(store, "U1"), register(store, "U2", authority="140106")
    register(store, "U3")
    a1 = save(store, u1, unit_life.requested(u1, "moved_out", "2026-02-01", "迁往北京", "U1", T0, TODAY))
    save(store, u2, unit_life.requested(u2, "deregistered", "2026-02-02", "", "U2",
                                        T0 + dt.timedelta(minutes=1), TODAY))
    assert [u.uscc for u in store.units_asking_closure(None)] == ["U1", "U2"]
    assert [u.uscc for u in store.units_asking_closure(["140105"])] == ["U1"]
    save(store, a1, unit_life.refused(a1, "尚未办结", "op", T0))
    assert [u.uscc for u in store.units_asking_closure(["140105", "140106"])] == ["U2"]
    assert store.get_unit("U1").closure_request.answer == "尚未办结"


def test_the_daily_job_reminds_neither_a_unit_founded_this_year_nor_a_closed_one(adapters, tmp_path):
    from chalicelib import bootstrap
    from chalicelib.settings import Settings
    from tests.conftest import FakeClock
    from tests.contract.test_reminder_job import JUNE_23_0900
    settings = Settings("embedded", "https://filing.example.cn", "job-secret-" + "z" * 32, data_dir=tmp_path)
    c = bootstrap.assemble(settings, store=adapters.store, blobs=adapters.blobs, sender=adapters.sender,
                           clock=FakeClock(JUNE_23_0900))
    register(c.store, "U1", founded_on="2026-01-10")
    gone = register(c.store, "U2")
    save(c.store, gone, closed(gone, "2026-02-01"))  # 2024 was overdue then; 2025 is excused
    register(c.store, "U3")
    report = c.reminders.run_daily()
    assert sorted((r.uscc, r.step.year) for r in report.reminded if r.step.year == 2025) == [("U3", 2025)]
    assert ("U2", 2024) in {(r.uscc, r.step.year) for r in report.reminded}
    assert "U1" not in {r.uscc for r in report.reminded}
