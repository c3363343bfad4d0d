"""Who still owes an annual filing, and once-only reminders: the same behaviour on both backends."""
from __future__ import annotations

import datetime as dt
import threading

from chalicelib.domain.model import Role
from tests.contract.test_store_contract import T0, account, audit, filing, msg, unit


def register(store, uscc: str, authority: str = "140105", at: dt.datetime = T0) -> None:
    store.create_unit(unit(uscc).model_copy(update={"authority_code": authority, "registered_at": at}),
                      account(uscc, scope=uscc, role=Role.FILER))


def owing(store, year: int, codes=None) -> list[str]:
    return [o.uscc for o in store.units_owing(year, codes).items]


def move(store, f, *steps):
    """Walk an annual filing through submit / withdraw / approve / reject, saving each step."""
    for n, step in enumerate(steps, 1):
        at = T0 + dt.timedelta(minutes=n)
        if step == "submit":
            after = f.submit(actor="u", now=at, receipt_no=f"R{n}")
        elif step == "withdraw":
            after = f.withdraw(actor="u", now=at)
        else:
            after = f.review(decision=step, reason="缺少表二", actor="r", now=at)
        store.save_filing(after, expected_version=f.version)
        f = after
    return f


def test_a_new_unit_owes_last_year_in_its_authoritys_list(store):
    register(store, "U1")  # registered 2026-03-01: owes 2025
    register(store, "U2", authority="140106")
    assert owing(store, 2025) == ["U1", "U2"]
    assert owing(store, 2025, ["140105"]) == ["U1"]
    assert owing(store, 2025, ["140106", "140202"]) == ["U2"]
    assert owing(store, 2024) == []
    first = store.units_owing(2025).items[0]
    assert (first.authority_code, first.filing_status, first.reminders) == ("140105", None, ())


def test_submitting_leaves_the_list_withdrawing_or_rejection_returns(store):
    register(store, "U1")
    f = filing(uscc="U1", year=2025)
    store.create_filing(f, audit=audit())
    assert owing(store, 2025) == ["U1"]  # a draft is not a filing
    f = move(store, f, "submit")
    assert owing(store, 2025) == []
    f = move(store, f, "withdraw")
    assert [(o.uscc, o.filing_status) for o in store.units_owing(2025).items] == [("U1", "draft")]
    f = move(store, f, "submit", "reject")
    assert [(o.uscc, o.filing_status) for o in store.units_owing(2025).items] == [("U1", "rejected")]
    move(store, f, "submit", "approve")
    assert owing(store, 2025) == []
    interim = filing(uscc="U1", year=2026, kind="interim")  # 表三 alone changes nothing
    store.create_filing(interim, audit=audit())
    move(store, interim, "submit")
    assert owing(store, 2026) == []


def test_opening_a_year_adds_every_unit_once_but_not_one_that_already_filed(store):
    register(store, "U1")
    register(store, "U2", authority="140106")
    early = filing(uscc="U2", year=2026)  # filed on 1 January before the job opened the year
    store.create_filing(early, audit=audit())
    move(store, early, "submit")
    at = dt.datetime(2027, 1, 1, 1, tzinfo=dt.timezone.utc)
    assert store.open_filing_year(2026, at) == 1
    assert store.open_filing_year(2026, at) == 0
    assert owing(store, 2026) == ["U1"]
    register(store, "U3", at=at)  # registered in 2027: owes 2026 from the start
    assert owing(store, 2026) == ["U1", "U3"]


def test_a_reminder_step_is_claimed_once_with_its_messages(store):
    register(store, "U1")
    register(store, "U2")
    at = dt.datetime(2026, 6, 23, 1, tzinfo=dt.timezone.utc)
    assert store.claim_reminder("U1", 2025, "D-7", at, [msg(1), msg(2)]) is True
    assert store.claim_reminder("U1", 2025, "D-7", at, [msg(3)]) is False
    assert store.claim_reminder("U1", 2025, "D-1", at + dt.timedelta(days=6), [msg(4)]) is True
    assert store.claim_reminder("U9", 2025, "D-7", at, [msg(5)]) is False  # owes nothing
    assert len(store.pending_messages()) == 3
    sent = store.units_owing(2025).items[0].reminders
    assert [(r.step, r.at) for r in sent] == [("D-7", at), ("D-1", at + dt.timedelta(days=6))]
    assert store.units_owing(2025).items[1].reminders == ()

    f = filing(uscc="U2", year=2025)
    store.create_filing(f, audit=audit())
    move(store, f, "submit")
    assert store.claim_reminder("U2", 2025, "D-7", at, [msg(6)]) is False  # filed: no reminder
    assert len(store.pending_messages()) == 3


def test_concurrent_claims_of_one_step_write_one_set_of_messages(store):
    register(store, "U1")
    at = dt.datetime(2026, 6, 23, 1, tzinfo=dt.timezone.utc)
    barrier, results = threading.Barrier(6), []

    def claim(i):
        barrier.wait()
        results.append(store.claim_reminder("U1", 2025, "D-7", at, [msg(i)]))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True]
    assert len(store.pending_messages()) == 1
    assert len(store.units_owing(2025).items[0].reminders) == 1


def test_notices_are_sent_once_per_key(store):
    at = dt.datetime(2026, 6, 23, 1, tzinfo=dt.timezone.utc)
    assert store.claim_notice("digest#140105#2026-06-23", at, [msg(1)]) is True
    assert store.claim_notice("digest#140105#2026-06-23", at, [msg(2)]) is False
    assert store.claim_notice("digest#140105#2026-06-24", at, [msg(3)]) is True
    assert len(store.pending_messages()) == 2


def test_owing_units_page_by_authority_then_uscc(store):
    for uscc, code in (("A3", "140106"), ("A1", "140105"), ("A2", "140106"), ("A4", "140105"), ("A5", "140107")):
        register(store, uscc, authority=code)
    expected = ["A1", "A4", "A2", "A3", "A5"]
    for codes in (None, ["140107", "140106", "140105"]):
        got, token = [], None
        while True:
            page = store.units_owing(2025, codes, limit=2, page_token=token)
            got += [o.uscc for o in page.items]
            token = page.next_page_token
            if token is None:
                break
        assert got == expected, codes
    assert owing(store, 2025, ["140106"]) == ["A2", "A3"]


def test_units_are_read_in_one_batch(store):
    for uscc in ("B1", "B2"):
        register(store, uscc)
    found = store.get_units(["B2", "B1", "nope", "B2"])
    assert sorted(found) == ["B1", "B2"] and found["B1"].uscc == "B1"
    assert store.get_units([]) == {}
