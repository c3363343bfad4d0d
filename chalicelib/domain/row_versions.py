"""Versions of a 表二/表三 row set: an upload's rows with a small overlay of online edits laid over them
(docs/architecture.md, "Online rows").

Rows are numbered by their place: 0 … upload_rows-1 for the upload's rows, then one number per row added online.
An overlay entry is {"n": number, "was": the upload row's Excel row number (None for a row added online),
"now": the row as it is now (None: deleted)}. An edited upload row keeps its Excel row number in "row", so a
search of the upload by the store can tell which of its hits the overlay replaced.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .checks import RosterSummary
from .identifiers import normalize
from .reference import codes
from .tables import TABLE3, code_lookup

Numbered = tuple[int, dict[str, Any]]


class Overlay:
    """The online edits of one row-set version."""

    def __init__(self, entries: Iterable[dict[str, Any]] = ()):
        self.entries: dict[int, dict[str, Any]] = {e["n"]: e for e in entries}

    def __len__(self) -> int:
        return len(self.entries)

    def replaced_rows(self) -> set[int]:
        """The Excel row numbers of the upload's rows the overlay edits or deletes."""
        return {e["was"] for e in self.entries.values() if e["was"] is not None}

    def laid_over(self, upload: Iterable[Numbered]) -> Iterator[Numbered]:
        """The version's rows, numbered: the upload's (`upload`, numbered, from any place on), edited or left
        out as the overlay says, then the rows added online."""
        entries = self.entries
        for n, row in upload:
            entry = entries.get(n)
            if entry is None:
                yield n, row
            elif entry["now"] is not None:
                yield n, entry["now"]
        for n in sorted(n for n, e in entries.items() if e["was"] is None and e["now"] is not None):
            yield n, entries[n]["now"]

    def with_row(self, n: int, was: int | None, now: dict[str, Any] | None) -> "Overlay":
        """A new overlay with row `n` set to `now` (None: deleted); this one is left as it was."""
        return Overlay([*[e for k, e in self.entries.items() if k != n], {"n": n, "was": was, "now": now}])


def summary_after(summary: dict[str, Any] | None, before: dict[str, Any] | None,
                  after: dict[str, Any] | None) -> dict[str, Any] | None:
    """表二's counts (checks.RosterSummary) with one row changed from `before` to `after` (None: no row)."""
    if summary is None:
        return None
    out = dict(summary)
    for row, sign in ((before, -1), (after, 1)):
        if row is not None:
            one = RosterSummary()
            one.add([row])
            for key, value in one.as_dict().items():
                out[key] = out.get(key, 0) + sign * value
    return out


_REASON = next(c for c in TABLE3 if c.key == "reason_code")


def reason_rule(raw: object) -> tuple[str, str] | None:
    """(类别, compensation rule "yes"/"no"/"per_law") of a 原因代码 as typed or chosen; None if it is not one."""
    text = str(raw or "").strip()
    lookup = code_lookup(_REASON)
    code = lookup.get(text) or lookup.get(normalize(text))
    if code is None:
        return None
    return ("终止" if code.startswith("T") else "解除"), codes()["termination_reason"][code]["compensation"]


def online_table3(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A 表三 row from the online form, which asks only what the 原因代码 leaves open: 类别 follows the code, and
    是否支付经济补偿 too where the law decides it (an amount only when paid)."""
    out = dict(fields)
    rule = reason_rule(out.get("reason_code"))
    if rule is None:
        return out
    category, compensation = rule
    out["category"] = out.get("category") or category
    if compensation in ("yes", "no") and not out.get("compensated"):
        out["compensated"] = "是" if compensation == "yes" else "否"
    if out.get("compensated") in ("否", "N", "0", False):
        out["compensation"] = None
    return out
