"""Review desks (who holds a filing, internal notes; docs/rules.md §9): the same behaviour on both backends —
one record per filing written only at the expected version with its audit event, all or nothing, and read
one at a time or for a queue page at once."""
from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain.desk import Desk
from chalicelib.ports import StaleVersion
from tests.contract.test_store_contract import T0, audit

LATER = T0 + dt.timedelta(hours=1)


def test_a_desk_is_claimed_once_and_a_rival_claim_at_the_same_version_fails(store):
    desk = Desk(filing_id="F1", authority_code="140105")
    mine = desk.held_by("xd1", T0)
    store.save_desk(mine, expected_version=0, audit=audit("claim"))
    with pytest.raises(StaleVersion):  # a colleague's claim from the same (empty) page
        store.save_desk(desk.held_by("xd2", T0), expected_version=0, audit=audit("lost"))
    assert store.get_desk("F1") == mine and store.get_desk("F2") is None
    noted = mine.noted("xd2", "请核对表三第3行", LATER)
    store.save_desk(noted, expected_version=mine.version, audit=audit("note", minutes=1))
    with pytest.raises(StaleVersion):
        store.save_desk(mine.held_by(None, LATER), expected_version=mine.version, audit=audit("lost again"))
    assert store.get_desk("F1").notes[0].text == "请核对表三第3行" and store.get_desk("F1").holder == "xd1"
    assert [e.target for e in store.list_audit()] == ["note", "claim"]  # the losers left no trace


def test_a_queue_page_reads_the_desks_it_shows_at_once(store):
    for n in range(3):
        store.save_desk(Desk(filing_id=f"F{n}", authority_code="140105").held_by(f"xd{n}", T0), expected_version=0,
                        audit=audit(f"claim {n}"))
    found = store.desks_of(["F0", "F2", "F9", "F2"])
    assert {k: d.holder for k, d in found.items()} == {"F0": "xd0", "F2": "xd2"}
    assert store.desks_of([]) == {}
