"""Other departments look a unit up by its 统一社会信用代码 (docs/rules.md §16): registered or not, each year's
annual filing (status, 回执号, approval date) and the 表一 headline counts of the version in force
(domain/filing.py `Filing.in_force`: a correction approved since speaks for the year, a revoked approval does
not). Within the account's division only; audited and rate-limited like the person look-up."""
from __future__ import annotations

from typing import Any

from ..domain import jurisdiction, unit_life
from ..domain.calendar import local_text
from ..domain.errors import Forbidden, ValidationFailed, problem
from ..domain.filing import Filing
from ..domain.identifiers import uscc_error
from ..domain.model import Role
from ..domain.tables import TABLE1_COUNTS
from ..ports import Clock, Store
from .accounts import Principal
from .audit import audit_event
from .persons import limit_lookups


class UnitLookup:
    def __init__(self, store: Store, clock: Clock):
        self.store, self.clock = store, clock

    def lookup(self, who: Principal, uscc: str) -> dict[str, Any]:
        if not (who.role == Role.DATA_SHARING and who.can("person.lookup")):
            raise Forbidden("只有数据共享账号可以按统一社会信用代码查询单位")
        uscc = (uscc or "").strip().upper()
        error = uscc_error(uscc)
        if error:
            raise ValidationFailed(error, [problem(error, column="统一社会信用代码", field="uscc")])
        now = self.clock.now()
        limit_lookups(self.store, who, now, "unit_lookup", uscc)
        unit = self.store.get_unit(uscc)
        if unit is not None and not jurisdiction.Scope(who.scope).can_read(unit.authority_code):
            unit = None  # registered elsewhere: outside this account's division, as if not registered
        years = _years(self.store.list_unit_filings(uscc)) if unit else []
        self.store.append_audit(audit_event(now, who.username, "unit_lookup", uscc, scope=who.scope,
                                            detail={"found": unit is not None, "years": len(years)}))
        if unit is None:
            return {"uscc": uscc, "registered": False, "message": "本区划内未查到该单位的注册信息"}
        return {"uscc": uscc, "registered": True, "name": unit.name, "unit_type": unit.unit_type,
                "authority_code": unit.authority_code,
                "authority_name": jurisdiction.authority(unit.authority_code).name,
                "registered_at": local_text(unit.registered_at), "status": unit_life.status_label(unit),
                "years": years}


def _years(filings: list[Filing]) -> list[dict[str, Any]]:
    """Per year, newest first: the version in force if there is one, else the latest annual filing."""
    by_year: dict[int, Filing] = {}
    for f in sorted((f for f in filings if f.annual), key=lambda f: f.created_at):
        if not (by_year.get(f.year) and by_year[f.year].in_force and not f.in_force):
            by_year[f.year] = f
    return [_year(by_year[year]) for year in sorted(by_year, reverse=True)]


def _year(f: Filing) -> dict[str, Any]:
    approved = f.approved_at if f.in_force else None
    return {"year": f.year, "status": f.status_label, "in_force": f.in_force, "receipt_no": f.receipt_no,
            "approved_on": local_text(approved)[:10] if approved else None,
            "counts": {c.title: (f.table1 or {}).get(c.key) for c in TABLE1_COUNTS} if f.in_force else None}
