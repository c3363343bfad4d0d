"""Statistics counters (docs/rules.md §9), kept up to date by the writes that change them — never recounted on view.

A counter is (year, authority code, metric) → integer. Stores apply the deltas below in the same
transaction as the write that causes them (create_unit, save_filing, open_filing_year), so a counter
is exactly as current as the filings. Rules:
- year 0 holds the all-time `registered` count of units per authority.
- `expected`: units owing year Y's annual filing (create_unit's owed years, the yearly opening; a unit's
  life moves it: save_unit, domain/unit_life.py `reconcile`). `closed`: units whose closure excused year Y
  (taken out of `expected`). `filed` (submitted or approved), `approved`, `rejected`: annual filings currently in that
  state. Not yet filed = expected − filed (overdue once the year's due date has passed).
- `due` / `signed` (应签/已签 劳动合同人数 of 表一) of approved annual filings, in total and per industry
  门类 as `due:<门类>` / `signed:<门类>`, of the version in force: a correction's approval swaps them
  (docs/rules.md §11), a revoked approval takes them back.
Interim (变更) filings do not count: the dashboard is about the annual filing.
Known gap: a filing of year Y made before the daily job opened Y (1 January) creates its unit's owing
record itself; that unit is then not in `expected`, so 未备案 can read one low per such unit.
"""
from __future__ import annotations

from .filing import Filing, Status
from .reminders import counts_as_filed

REGISTERED_YEAR = 0
COUNTS = ("expected", "filed", "approved", "rejected")


def unit_deltas(authority_code: str, years_owed: list[int]) -> list[tuple[int, str, str, int]]:
    """A newly registered unit: registered, and expected in each year it owes right away."""
    return [(REGISTERED_YEAR, authority_code, "registered", 1)] + [(y, authority_code, "expected", 1)
                                                                    for y in years_owed]


def _contribution(filing: Filing) -> dict[str, int]:
    """What one filing adds to its year's counters in its current state. The year's annual filing counts as
    filed / approved / rejected by its status (a correction never does: the unit has filed, whatever happens
    to its correction, docs/rules.md §11); `due` / `signed` come from the version in force only."""
    out: dict[str, int] = {}
    if filing.kind == "annual":
        out.update(filed=int(counts_as_filed(filing.status)), approved=int(filing.status == Status.APPROVED),
                   rejected=int(filing.status == Status.REJECTED))
    if filing.in_force and filing.table1:
        industry = str(filing.table1.get("industry") or "未知")
        for metric, field in (("due", "contracts_due"), ("signed", "contracts_signed")):
            value = int(filing.table1.get(field) or 0)
            out[metric] = value
            out[f"{metric}:{industry}"] = value
    return out


def filing_deltas(filing: Filing, previous: Filing | None) -> list[tuple[int, str, str, int]]:
    """The counters that move when `filing` is written over its stored version `previous` (stores read it inside
    the write's transaction, so an edit moves nothing and a transition counts once). A version superseded by a
    correction's approval, or an approval revoked, gives back what it added."""
    if previous is None:
        return []
    after, before = _contribution(filing), _contribution(previous)
    key = (filing.year, filing.authority_code)
    return [(*key, m, d) for m in {**before, **after} if (d := after.get(m, 0) - before.get(m, 0))]
