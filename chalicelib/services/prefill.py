"""Carrying a unit's last approved filing into its next one (docs/rules.md §3).

- The last approved annual filing before year Y is the *base* of Y's filing.
- 表一's unit fields start from the base's 表一 (else from the registration); the year's figures start empty.
- 表二 starts as the base's roster, shared by reference (RowSet.carried_from): no copy of up to 500,000
  rows inside the create request; the import of a new 表二 replaces the reference, never the base's rows.
- The roster diff (joined / left / changed contract) is worked out while a new 表二 is imported
  (domain.checks.RosterDiff); leavers are offered as 表三 rows to complete.
"""
from __future__ import annotations

from typing import Any

from ..domain.checks import unchanged_diff
from ..domain.filing import Filing, RowSet, Status
from ..domain.tables import table1_defaults
from ..ports import Store
from .row_reader import RowReader


def base_filing(store: Store, uscc: str, year: int) -> Filing | None:
    """The newest approved annual filing of the unit for a year before `year`: the version in force (an approved
    correction, docs/rules.md §11)."""
    approved = [f for f in store.list_unit_filings(uscc) if f.in_force and f.year < year]
    return max(approved, key=lambda f: f.year, default=None)


def carried_roster(base: Filing | None) -> dict[str, RowSet]:
    """The new filing's starting 表二: the base's rows, by reference."""
    rs = base.row_sets.get("table2") if base else None
    if base is None or rs is None:
        return {}
    return {"table2": rs.model_copy(update={"warnings": [], "carried_from": rs.carried_from or base.id,
                                            "diff": unchanged_diff(base.id, base.year)})}


def carried_table2(store: Store, filing: Filing) -> RowSet | None:
    """The base's roster, by reference, for a filing that holds no 表二 (零申报 let it go, docs/rules.md §11)."""
    if "table2" in filing.row_sets or not filing.base_filing_id:
        return None
    return carried_roster(store.get_filing(filing.base_filing_id)).get("table2")


def defaults_for(store: Store, filing: Filing) -> dict[str, Any]:
    """表一's unit fields as the form starts with them."""
    unit = store.get_unit(filing.uscc)
    base = store.get_filing(filing.base_filing_id) if filing.base_filing_id else None
    return table1_defaults(unit, base.table1 if base else None) if unit else {}


def roster_ids(store: Store, uscc: str) -> set[str]:
    """Every ID number on any 表二 the unit has imported (表三's "in no roster" warning)."""
    seen_versions: set[tuple[str, str | None]] = set()
    ids: set[str] = set()
    for f in store.list_unit_filings(uscc):
        rs = f.row_sets.get("table2")
        if rs and rs.version_key not in seen_versions:
            seen_versions.add(rs.version_key)
            ids.update(r["id_number"] for r in RowReader(store).rows(rs) if r.get("id_number"))
    return ids
