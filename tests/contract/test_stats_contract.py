"""Statistics counters kept by the writes equal a recount of the filings, on both backends."""
from __future__ import annotations

import datetime as dt

from chalicelib.domain import stats as stats_domain
from tests.contract.test_owing_contract import move, register
from tests.contract.test_store_contract import audit, filing


def recount(store, year: int, units: dict[str, str]) -> dict[str, dict[str, int]]:
    """The counters recomputed from the filings and the owing list (what the dashboard would read otherwise)."""
    out: dict[str, dict[str, int]] = {}

    def add(authority, metric, n=1):
        if n:
            row = out.setdefault(authority, {})
            row[metric] = row.get(metric, 0) + n

    page, token = None, None
    while page is None or token:
        page = store.list_authority_filings(None, year=year, limit=100, page_token=token)
        token = page.next_page_token
        for f in page.items:
            if f.kind != "annual":
                continue
            add(f.authority_code, "filed", f.status.value in ("submitted", "approved"))
            add(f.authority_code, "approved", f.status.value == "approved")
            add(f.authority_code, "rejected", f.status.value == "rejected")
            if f.status.value == "approved":
                for metric, field in (("due", "contracts_due"), ("signed", "contracts_signed")):
                    add(f.authority_code, metric, f.table1[field])
                    add(f.authority_code, f"{metric}:{f.table1['industry']}", f.table1[field])
    for authority in units.values():  # every unit registered here owes the year
        add(authority, "expected")
    return out


def table1(due, signed, industry):
    return {"contracts_due": due, "contracts_signed": signed, "industry": industry}


def test_counters_follow_every_transition_and_equal_a_recount(store):
    units = {"U1": "140105", "U2": "140105", "U3": "140106", "U4": "140106", "U5": "140202"}
    for uscc, authority in units.items():
        register(store, uscc, authority=authority)  # registered 2026-03-01: each owes 2025
    plans = {"U1": (table1(10, 8, "C"), ["submit", "approve"]),
             "U2": (table1(5, 5, "I"), ["submit", "reject", "submit", "approve"]),
             "U3": (table1(7, 3, "C"), ["submit", "reject"]),
             "U4": (table1(9, 9, "C"), ["submit", "withdraw"])}
    for uscc, (t1, steps) in plans.items():
        f = filing(uscc=uscc, year=2025, authority=units[uscc]).model_copy(update={"table1": t1})
        store.create_filing(f, audit=audit())
        f = move(store, f, *steps[:1])
        edited = f.model_copy(update={"version": f.version + 1}) if f.editable else None
        if edited:  # an edit (no transition) moves nothing
            store.save_filing(edited, expected_version=f.version)
            f = edited
        move(store, f, *steps[1:])
    interim = filing(uscc="U5", year=2025, authority="140202", kind="interim")  # not counted
    store.create_filing(interim, audit=audit())
    move(store, interim, "submit", "approve")

    counted = store.stats(2025)
    assert counted == recount(store, 2025, units)
    assert counted["140105"] == {"expected": 2, "filed": 2, "approved": 2, "due": 15, "signed": 13,
                                 "due:C": 10, "signed:C": 8, "due:I": 5, "signed:I": 5}
    assert counted["140106"] == {"expected": 2, "rejected": 1}
    assert store.stats(2025, ["140106"]) == {"140106": counted["140106"]}
    assert {a: c["registered"] for a, c in store.stats(stats_domain.REGISTERED_YEAR).items()} == {
        "140105": 2, "140106": 2, "140202": 1}


def test_opening_a_year_counts_the_units_it_adds_once(store):
    register(store, "U1")
    register(store, "U2", authority="140106")
    at = dt.datetime(2027, 1, 1, 1, tzinfo=dt.UTC)
    store.open_filing_year(2026, at)
    store.open_filing_year(2026, at)
    assert store.stats(2026) == {"140105": {"expected": 1}, "140106": {"expected": 1}}


def test_person_records_by_id_number_are_idempotent_and_ordered(store):
    def record(filing_id, table, n, id_number="140105199001010011", **extra):
        return {"id_number": id_number, "filing_id": filing_id, "table": table, "n": n, "name": "张三", **extra}
    store.put_person_records([record("F2", "table2", 0), record("F1", "table3", 5), record("F1", "table2", 12),
                              record("F1", "table2", 3, id_number="140105199001010022")])
    store.put_person_records([record("F1", "table2", 12, name="张三丰")])  # a re-run overwrites
    found = store.person_records("140105199001010011")
    assert [(r["filing_id"], r["table"], r["n"]) for r in found] == [("F1", "table2", 12), ("F1", "table3", 5),
                                                                      ("F2", "table2", 0)]
    assert found[0]["name"] == "张三丰"
    assert store.person_records("140105199001010011", limit=1) == found[:1]
    assert store.person_records("000000000000000000") == []
