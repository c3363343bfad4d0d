"""The enforcement follow-up of overdue units (docs/rules.md §15): the same behaviour on both backends — one
record per unit and year, conditional writes carrying their audit event and outbox messages, all or nothing,
and the listing by year and stage in authority then USCC order, paged."""
from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain import enforcement
from chalicelib.domain.enforcement import Stage
from chalicelib.ports import AlreadyExists, StaleVersion
from tests.contract.test_store_contract import T0, audit, msg

JULY_10 = dt.date(2026, 7, 10)
LATER = dt.datetime(2026, 8, 20, 2, 0, tzinfo=dt.timezone.utc)


def ordered(uscc="U1", authority="140105", year=2025):
    return enforcement.order(uscc, year, authority, notice_number="晋劳监令〔2026〕1号", notice_date="2026-07-10",
                             deadline="2026-08-10", by="xd", now=T0, today=JULY_10, filed=False)


def test_a_record_is_created_once_with_its_audit_and_messages(store):
    record = ordered()
    store.save_enforcement(record, expected_version=None, audit=audit("order"), messages=[msg()])
    with pytest.raises(AlreadyExists):
        store.save_enforcement(ordered(), expected_version=None, audit=audit("again"), messages=[msg()])
    assert store.get_enforcement("U1", 2025) == record and store.get_enforcement("U1", 2024) is None
    assert [e.target for e in store.list_audit()] == ["order"] and len(store.pending_messages()) == 1


def test_a_step_is_written_only_at_the_expected_version(store):
    record = ordered()
    store.save_enforcement(record, expected_version=None, audit=audit("order"))
    closed = record.correct(by="xd", now=LATER, filed=True)
    store.save_enforcement(closed, expected_version=record.version, audit=audit("correct"))
    rival = record.transfer(by="other", now=LATER, today=dt.date(2026, 8, 20), filed=False, note="移交1号")
    with pytest.raises(StaleVersion):
        store.save_enforcement(rival, expected_version=record.version, audit=audit("lost"), messages=[msg()])
    stored = store.get_enforcement("U1", 2025)
    assert (stored.stage, stored.version, [s.action for s in stored.history]) == (Stage.CORRECTED, 2,
                                                                                   ["order", "correct"])
    assert [e.target for e in store.list_audit()] == ["correct", "order"] and store.pending_messages() == []


def test_records_are_listed_by_stage_in_authority_order_and_paged(store):
    for uscc, authority in (("U3", "140106"), ("U1", "140105"), ("U2", "140105"), ("U4", "140213")):
        store.save_enforcement(ordered(uscc, authority), expected_version=None, audit=audit())
    u2 = store.get_enforcement("U2", 2025)
    store.save_enforcement(u2.correct(by="xd", now=LATER, filed=True), expected_version=1, audit=audit())
    store.save_enforcement(ordered("U1", year=2024), expected_version=None, audit=audit())

    def listed(stage, codes=None, **kw):
        return [e.uscc for e in store.list_enforcements(2025, stage, codes, **kw).items]

    assert listed(Stage.ORDERED) == ["U1", "U3", "U4"]
    assert listed(Stage.ORDERED, ["140213", "140105"]) == ["U1", "U4"]
    assert listed(Stage.CORRECTED) == ["U2"] and listed(Stage.TRANSFERRED) == []
    for codes in (None, ["140105", "140106", "140213"]):
        first = store.list_enforcements(2025, Stage.ORDERED, codes, limit=2)
        rest = store.list_enforcements(2025, Stage.ORDERED, codes, limit=2, page_token=first.next_page_token)
        assert [e.uscc for e in first.items + rest.items] == ["U1", "U3", "U4"] and rest.next_page_token is None
    assert set(store.enforcements_of(2025, ["U1", "U2", "U9"])) == {"U1", "U2"}
    assert store.enforcements_of(2025, []) == {}
    with pytest.raises(ValueError):
        store.list_enforcements(2025, Stage.ORDERED, page_token="%%%")
