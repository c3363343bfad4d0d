"""Checks across tables and across years (docs/rules.md §5): pure, computed from summaries.

- RosterSummary: the counts of a 表二 that 表一 states (rows, 男/女, the four contract-term buckets),
  gathered while the rows are imported so that nothing re-reads 500,000 rows to compare them.
- cross_table_warnings: 表一 vs 表二 (warnings; policy.cross_table_checks_block_submit turns them into errors).
- routing_warning: 表一's unit fields would route the unit to another authority than its filing's.
- RosterDiff: who joined, left, or changed contract since the last approved roster.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import repeat
from typing import Any

from . import jurisdiction
from .errors import problem

BUCKETS = ("signed_task", "signed_fixed_lt3", "signed_fixed_3to10", "signed_fixed_ge10_open")
BUCKET_TITLES = {"signed_task": "以完成一定工作任务为期限", "signed_fixed_lt3": "固定期限3年以下",
                 "signed_fixed_3to10": "固定期限3年（含）至10年", "signed_fixed_ge10_open": "固定期限10年以上及无固定期限"}
TRANSFER_FORM = "/transfers/new"  # the request form of 变更审核机关 (docs/rules.md §11)
FIXED, OPEN, TASK = "固定期限", "无固定期限", "以完成一定工作任务为期限"


def _plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 1 March
        return day.replace(year=day.year + years, month=3, day=1)


@lru_cache(maxsize=65_536)  # contracts repeat down a roster (the same start and end dates): a look-up, not dates
def contract_bucket(term: str | None, start: str | None, end: str | None) -> str | None:
    """表一's term bucket of one 表二 contract. A fixed term's length counts the end day itself:
    2021-03-01 to 2024-02-29 is exactly 3 years, so it is "3年（含）至10年"."""
    if term == TASK:
        return "signed_task"
    if term == OPEN:
        return "signed_fixed_ge10_open"
    if term != FIXED or not start or not end:
        return None
    first, after_last = dt.date.fromisoformat(start), dt.date.fromisoformat(end) + dt.timedelta(days=1)
    if after_last < _plus_years(first, 3):
        return "signed_fixed_lt3"
    if after_last < _plus_years(first, 10):
        return "signed_fixed_3to10"
    return "signed_fixed_ge10_open"


class RosterSummary:
    """Counts over clean 表二 rows, as 表一 states them."""

    def __init__(self) -> None:
        self.rows = self.male = self.female = 0
        self.buckets = dict.fromkeys(BUCKETS, 0)

    def add(self, rows: list[dict[str, Any]]) -> None:
        """Count clean rows, a column at a time (a roster comes a thousand rows at a time)."""
        def column(key: str) -> Iterator[Any]:
            return map(dict.get, rows, repeat(key))
        self.rows += len(rows)
        genders = list(column("gender"))
        self.male += genders.count("男")
        self.female += genders.count("女")
        terms = Counter(map(contract_bucket, column("contract_term"), column("contract_start"), column("contract_end")))
        for bucket, count in terms.items():
            if bucket:
                self.buckets[bucket] += count

    def as_dict(self) -> dict[str, int]:
        return {"rows": self.rows, "male": self.male, "female": self.female, **self.buckets}


def cross_table_warnings(table1: dict[str, Any] | None, summary: dict[str, Any] | None) -> list[dict[str, Any]]:
    """表一 figures that 表二 does not bear out. Empty when either side is missing, or for a
    roster imported before summaries were kept."""
    if not table1 or not summary or table1.get("employees") is None:
        return []
    out: list[dict[str, Any]] = []

    def compare(field: str, title: str, stated: int, counted: int, what: str) -> None:
        if stated != counted:
            out.append(problem(f"表一{title}（{stated}）与表二{what}（{counted}）不一致", column=title, field=field))

    compare("employees", "在册职工人数", table1["employees"], summary["rows"], "人数")
    compare("male", "其中男", table1["male"], summary["male"], "男性人数")
    compare("female", "其中女", table1["female"], summary["female"], "女性人数")
    for key in BUCKETS:
        compare(key, BUCKET_TITLES[key], table1[key], summary[key], f"{BUCKET_TITLES[key]}劳动合同人数")
    return out


def routing_warning(table1: dict[str, Any] | None, authority_code: str) -> dict[str, Any] | None:
    """A warning when 表一's 隶属关系/外资/经济类型/注册地 point to another authority.

    The filing stays with the authority it was routed to at registration: re-routing a unit moves it
    out of one bureau's supervision into another's, which a bureau decides, not a form field. The warning
    links to the request for that decision (`link`, docs/rules.md §11)."""
    if not table1 or not table1.get("registration_division"):
        return None
    try:
        new = jurisdiction.route(affiliation=table1.get("affiliation") or "其他",
                                 foreign_invested=table1.get("foreign_invested") == "是",
                                 economic_type=table1.get("economic_type") or "",
                                 registration_division=table1["registration_division"])
    except jurisdiction.UnknownDivision:
        return None
    if new.code == authority_code:
        return None
    old = jurisdiction.authority(authority_code)
    warning = problem(f"按表一填写的隶属关系、外资属性或注册地，您单位应由{new.name}审核，与注册时确定的{old.name}不同。"
                      f"本次备案仍由{old.name}审核；如上述信息确已变更，请联系{old.name}办理审核机关变更，"
                      f"或在线申请变更（由{new.name}接收后生效）。",
                      column="注册地行政区划", field="registration_division")
    return {**warning, "link": TRANSFER_FORM}


_Contract = tuple[str | None, str | None, str | None]  # term, start, end


def _contract(row: dict[str, Any]) -> _Contract:
    return row.get("contract_term"), row.get("contract_start"), row.get("contract_end")


class RosterDiff:
    """Compares a new roster, row by row as it is imported, with the last approved one.

    Holds the base roster as {ID number: (name, gender, contract)}: about 40 MB for 100,000 people."""

    SAMPLES = 100  # people listed per group; the counts are exact

    def __init__(self, base_rows: Iterable[dict[str, Any]], *, base_filing_id: str, base_year: int) -> None:
        self.base: dict[str, tuple[str | None, str | None, _Contract]] = {
            r["id_number"]: (r.get("name"), r.get("gender"), _contract(r)) for r in base_rows}
        self.base_filing_id, self.base_year = base_filing_id, base_year
        self.joined = self.changed = 0
        self.samples: dict[str, list[dict[str, Any]]] = {"joined": [], "left": [], "changed": []}

    def _sample(self, group: str, entry: dict[str, Any]) -> None:
        if len(self.samples[group]) < self.SAMPLES:
            self.samples[group].append(entry)

    def add(self, row: dict[str, Any]) -> None:
        before = self.base.pop(row["id_number"], None)
        if before is None:
            self.joined += 1
            self._sample("joined", {"name": row.get("name"), "id_number": row["id_number"],
                                    "contract": list(_contract(row))})
        elif before[2] != _contract(row):
            self.changed += 1
            self._sample("changed", {"name": row.get("name"), "id_number": row["id_number"],
                                     "before": list(before[2]), "after": list(_contract(row))})

    def result(self) -> dict[str, Any]:
        """Everyone still in `base` has left (no row of the new roster claimed them)."""
        for number, (name, _, contract) in self.base.items():
            self._sample("left", {"name": name, "id_number": number, "contract": list(contract)})
            if len(self.samples["left"]) >= self.SAMPLES:
                break
        return {"base_filing_id": self.base_filing_id, "base_year": self.base_year, "joined": self.joined,
                "left": len(self.base), "changed": self.changed, "samples": self.samples}


def unchanged_diff(base_filing_id: str, base_year: int) -> dict[str, Any]:
    """The diff of a roster carried over as it was."""
    return {"base_filing_id": base_filing_id, "base_year": base_year, "joined": 0, "left": 0, "changed": 0,
            "samples": {"joined": [], "left": [], "changed": []}}
