"""Transfers between authorities (变更审核机关, docs/rules.md §11): the same behaviour on both backends.

Acceptance moves the unit, its drafts, the years it owes that no reviewer holds and the counters, in one
transaction with the transfer; a stale version or a unit that moved meanwhile changes nothing; one open request
per unit."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from chalicelib.domain import transfers
from chalicelib.ports import AlreadyExists, StaleVersion
from tests.contract.test_owing_contract import move, owing, register
from tests.contract.test_store_contract import T0, audit, filing, msg

XIAODIAN, YINGZE = "140105", "140106"


def asked(store, uscc="U1", to=YINGZE, *, direct=False):
    t = transfers.new_transfer(transfer_id=uuid.uuid4().hex, unit=store.get_unit(uscc), to_code=to,
                               reason="注册地迁至迎泽区", actor="op", side=XIAODIAN, now=T0, direct=direct)
    store.create_transfer(t, audit=audit(t.id), messages=[msg()])
    return t


def accepted(t):
    return t.accept(actor="yz-op", scope=t.to_code, now=T0 + dt.timedelta(hours=1))


def counters(store, year):
    """The counters that follow a unit, per authority (authorities left with none omitted)."""
    found = {a: {m: v for m, v in c.items() if m in ("registered", "expected") and v}
             for a, c in store.stats(year).items()}
    return {a: c for a, c in found.items() if c}


def test_acceptance_moves_the_unit_its_open_years_and_counters_at_once(store):
    register(store, "U1")  # owes 2025 at 小店区
    draft = filing(uscc="U1", year=2025)
    store.create_filing(draft, audit=audit())
    handled = filing(uscc="U1", year=2024)
    store.create_filing(handled, audit=audit())
    handled = move(store, handled, "submit")  # a reviewer at 小店区 holds 2024
    t = asked(store)
    assert store.get_transfer(t.id).status == transfers.Status.REQUESTED
    assert store.get_unit("U1").authority_code == XIAODIAN  # nothing moves before acceptance
    messages_before = len(store.list_messages())

    after = accepted(t)
    store.save_transfer(after, expected_version=t.version, audit=audit(t.id), messages=[msg(), msg()])

    assert store.get_unit("U1").authority_code == YINGZE
    assert store.get_transfer(t.id).status == transfers.Status.ACCEPTED
    assert owing(store, 2025, [YINGZE]) == ["U1"] and owing(store, 2025, [XIAODIAN]) == []
    moved = store.get_filing(draft.id)
    assert (moved.authority_code, moved.version) == (YINGZE, draft.version + 1)
    assert store.get_filing(handled.id).authority_code == XIAODIAN  # submitted: stays where it was routed
    assert counters(store, 0) == {YINGZE: {"registered": 1}}
    assert counters(store, 2025) == {YINGZE: {"expected": 1}}
    assert len(store.list_messages()) == messages_before + 2
    # the moved draft is the new authority's: saving it keeps the unit in the new authority's list
    store.save_filing(moved.edited(T0), expected_version=moved.version)
    assert owing(store, 2025, [YINGZE]) == ["U1"]
    assert [x.id for x in store.list_transfers(YINGZE, incoming=True)] == [t.id]
    assert [x.id for x in store.list_transfers(XIAODIAN, incoming=False)] == [t.id]
    assert store.list_transfers(XIAODIAN, incoming=True) == []
    assert [x.status for x in store.list_unit_transfers("U1")] == [transfers.Status.ACCEPTED]


def test_a_stale_version_fails_and_changes_nothing(store):
    register(store, "U1")
    t = asked(store)
    refused = t.refuse(actor="yz-op", scope=YINGZE, reason="不属于本辖区", now=T0)
    store.save_transfer(refused, expected_version=t.version, audit=audit())
    with pytest.raises(StaleVersion):  # a second reviewer's page still showed the request
        store.save_transfer(accepted(t), expected_version=t.version, audit=audit())
    assert store.get_unit("U1").authority_code == XIAODIAN
    assert store.get_transfer(t.id).status == transfers.Status.REFUSED
    assert owing(store, 2025, [XIAODIAN]) == ["U1"]


def test_one_open_transfer_per_unit(store):
    register(store, "U1")
    register(store, "U2")
    first = asked(store)
    with pytest.raises(AlreadyExists):
        asked(store, to="140100")
    with pytest.raises(AlreadyExists):  # nor a direct transfer while a request waits
        asked(store, to="140100", direct=True)
    asked(store, "U2")  # another unit is not held up
    cancelled = first.cancel(actor="op", side=XIAODIAN, now=T0)
    store.save_transfer(cancelled, expected_version=first.version, audit=audit())
    again = asked(store, to="140100")  # once decided, the unit may ask again
    assert store.get_transfer(again.id).open


def test_a_direct_transfer_moves_the_unit_when_created(store):
    register(store, "U1")
    t = asked(store, to="140000", direct=True)
    assert store.get_transfer(t.id).status == transfers.Status.ACCEPTED
    assert store.get_unit("U1").authority_code == "140000"
    assert owing(store, 2025, ["140000"]) == ["U1"]
    assert store.list_transfers("140000", incoming=True)[0].direct


def test_acceptance_fails_whole_if_the_unit_moved_meanwhile(store):
    register(store, "U1")
    as_read = store.get_unit("U1")  # a request made from the unit as it was read …
    stale = transfers.new_transfer(transfer_id="s", unit=as_read, to_code=YINGZE, reason="注册地变更", actor="op",
                                   side=XIAODIAN, now=T0)
    store.create_transfer(stale, audit=audit())
    province = stale.model_copy(update={"id": "d", "to_code": "140000"})  # … while the unit is moved elsewhere
    store.save_transfer(stale.cancel(actor="op", side=XIAODIAN, now=T0), expected_version=1, audit=audit())
    store.create_transfer(accepted(province), audit=audit())
    assert store.get_unit("U1").authority_code == "140000"
    reopened = stale.model_copy(update={"id": "s2"})
    store.create_transfer(reopened, audit=audit())
    with pytest.raises(StaleVersion):
        store.save_transfer(accepted(reopened), expected_version=reopened.version, audit=audit())
    assert store.get_unit("U1").authority_code == "140000"
    assert store.get_transfer("s2").open and owing(store, 2025, ["140000"]) == ["U1"]  # nothing of it was kept
