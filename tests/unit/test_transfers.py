"""The transfer between authorities as a state machine, who may do what, and what moves (docs/rules.md §11)."""
from __future__ import annotations

import pytest

from chalicelib.domain import transfers
from chalicelib.domain.errors import Conflict, Forbidden, ValidationFailed
from chalicelib.domain.transfers import Status
from tests.contract.test_store_contract import T0, filing, unit


def asked(**over):
    args = {"transfer_id": "t1", "unit": unit(), "to_code": "140106", "reason": "注册地迁至迎泽区", "actor": "U1",
            "side": "U1", "now": T0, **over}
    return transfers.new_transfer(**args)


def test_requested_then_accepted_refused_or_cancelled_once():
    t = asked()
    assert (t.status, t.from_code, t.version, t.asked_by_unit) == (Status.REQUESTED, "140105", 1, True)
    accepted = t.accept(actor="yz", scope="140106", now=T0)
    assert (accepted.status, accepted.version) == (Status.ACCEPTED, 2)
    assert accepted.history[-1].from_status == Status.REQUESTED
    refused = t.refuse(actor="yz", scope="140106", reason=" 不属本辖区 ", now=T0)
    assert (refused.status, refused.refusal) == (Status.REFUSED, "不属本辖区")
    assert t.cancel(actor="U1", side="U1", now=T0).status == Status.CANCELLED
    for done in (accepted, refused):
        with pytest.raises(Conflict):
            done.cancel(actor="U1", side="U1", now=T0)


def test_only_the_receiving_authority_decides_and_only_the_asker_withdraws():
    t = asked()
    for scope in ("140105", "140107", "140100", "140000"):  # the old one, a third, the city, the province
        with pytest.raises(Forbidden):
            t.accept(actor="x", scope=scope, now=T0)
    with pytest.raises(Forbidden):
        t.cancel(actor="op", side="140105", now=T0)  # the unit asked: its authority cannot withdraw it
    with pytest.raises(ValidationFailed, match="请填写不予接收的理由"):
        t.refuse(actor="yz", scope="140106", reason="  ", now=T0)
    assert t.readable_by("U1", filer=True) and not t.readable_by("U2", filer=True)
    assert all(t.readable_by(s, filer=False) for s in ("140105", "140106", "140100", "140000"))
    assert not t.readable_by("140107", filer=False)


def test_the_new_authority_must_be_another_real_authority_and_a_reason_is_given():
    with pytest.raises(ValidationFailed, match="无需变更"):
        asked(to_code="140105")
    for bad in ("", "999999", "140171"):  # 140171: a statistical zone files with its city
        with pytest.raises(ValidationFailed, match="请从列表中选择"):
            asked(to_code=bad)
    with pytest.raises(ValidationFailed, match="请填写变更原因"):
        asked(reason="")
    direct = asked(to_code="140000", direct=True, side="140000")
    assert direct.status == Status.ACCEPTED and direct.history[0].action == "direct"


def test_who_asks_for_the_unit():
    u = unit()
    assert transfers.asking_side(u, scope="U1", filer=True) == "U1"
    assert transfers.asking_side(u, scope="140105", filer=False) == "140105"
    for scope, filer in (("U2", True), ("140106", False), ("140100", False)):
        with pytest.raises(Forbidden):
            transfers.asking_side(u, scope=scope, filer=filer)
    assert transfers.may_transfer_directly("140000") and not transfers.may_transfer_directly("140100")


def test_the_chooser_groups_counties_under_their_city_and_suggests_where_the_facts_route():
    groups = transfers.authority_groups()
    assert groups[0][0].code == "140000" and groups[0][1] == []
    taiyuan = dict((city.code, counties) for city, counties in groups)["140100"]
    assert [a.code for a in taiyuan][:2] == ["140105", "140106"] and "140171" not in [a.code for a in taiyuan]
    u = unit()
    assert transfers.suggested_authority(u, None).code == "140105"  # the registration's facts
    assert transfers.suggested_authority(u, {"registration_division": "140106", "affiliation": "其他"}).code == "140106"
    assert transfers.suggested_authority(u, {"registration_division": "140106", "affiliation": "省"}).code == "140000"
    foreign = {"registration_division": "140106", "foreign_invested": "是"}
    assert transfers.suggested_authority(u, foreign).code == "140000"


def test_what_moves_with_the_unit():
    assert transfers.moves_with_unit(None) and transfers.moves_with_unit("draft")
    assert not any(transfers.moves_with_unit(s) for s in ("submitted", "approved", "rejected"))
    t = asked()
    assert transfers.counter_moves(t, [2025]) == [(0, "140105", "registered", -1), (0, "140106", "registered", 1),
                                                  (2025, "140105", "expected", -1), (2025, "140106", "expected", 1)]
    moved = transfers.moved_filing(filing(), t)
    assert (moved.authority_code, moved.version) == ("140106", 2)


def test_the_authority_that_handled_a_filing_and_the_units_current_one_read_it():
    f = filing(authority="140105")
    moved_unit = unit().model_copy(update={"authority_code": "140106"})
    assert transfers.reads_filing("140105", f, lambda uscc: pytest.fail("not needed"))
    assert transfers.reads_filing("140106", f, lambda uscc: moved_unit)
    assert not transfers.reads_filing("140107", f, lambda uscc: moved_unit)
    assert not transfers.reads_filing("140106", f, lambda uscc: None)
