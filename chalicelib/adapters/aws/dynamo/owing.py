"""Who still owes an annual filing, the reminders and once-only notices sent, and the statistics
counters, on DynamoDB.

Units and filings move these in their own transactions: owes_put and owes_update for the OWES item of a
unit and year, count_updates for the counters (domain/stats.py).
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from ....domain import reminders, unit_life
from ....domain.filing import Filing
from ....domain.model import Message, Unit
from ....ports import OwingStore, Page
from .. import keys
from .base import TRANSACTION_LIMIT, DynamoBase, Op, absent, av, cancel_reasons, doc_of, token, untoken
from .outbox import message_put


def owes_put(uscc: str, year: int, authority_code: str, excused: str | None = None) -> Op:
    """A new OWES item: listed, or (a year the unit's life excuses, domain/unit_life.py) marked `excused`."""
    listing = keys.owing_listing(year, authority_code, uscc) if excused is None else {"excused": excused}
    return {"Item": av({**keys.owes(uscc, year), **listing, "uscc": uscc, "year": year,
                        "authority_code": authority_code})}


def owes_update(table: str, f: Filing, excused: bool) -> Op:
    """Upsert of the filing year's OWES item: listed while the filing does not count as filed, unless the
    year is `excused` (as read before the transaction; the condition holds the transaction to it). The
    reminder history on the item is left alone."""
    values: dict[str, str | int] = {":u": f.uscc, ":y": f.year, ":a": f.authority_code, ":s": f.status.value}
    expression = "SET uscc = :u, #year = :y, authority_code = :a, filing_status = :s"
    listing = {} if excused else keys.owing_listing(f.year, f.authority_code, f.uscc)  # excused: stays off
    if listing and reminders.counts_as_filed(f.status):
        expression += " REMOVE " + ", ".join(listing)
    elif listing:
        expression += "".join(f", {name} = :{name}" for name in listing)
        values.update({f":{name}": value for name, value in listing.items()})
    return {"Update": {"TableName": table, "Key": av(keys.owes(f.uscc, f.year)),
                       "UpdateExpression": expression, "ExpressionAttributeNames": {"#year": "year"},
                       "ConditionExpression": ("attribute_exists" if excused else "attribute_not_exists") + "(excused)",
                       "ExpressionAttributeValues": av(values)}}


def owes_reopened(table: str, f: Filing) -> Op:
    """The filing year's OWES item once the unit's annual filing is deleted: listed, with no filing status."""
    listing = keys.owing_listing(f.year, f.authority_code, f.uscc)
    return {"Update": {"TableName": table, "Key": av(keys.owes(f.uscc, f.year)),
                       "UpdateExpression": "SET " + ", ".join(f"{name} = :{name}" for name in listing)
                                           + " REMOVE filing_status",
                       "ConditionExpression": "attribute_not_exists(excused)",
                       "ExpressionAttributeValues": av({f":{name}": value for name, value in listing.items()})}}


def year_change(table: str, uscc: str, change: unit_life.YearChange, was: unit_life.YearRecord | None) -> Op:
    """unit_life.reconcile's change of one OWES item, on the condition that its filing status is still the
    one read (a filing saved meanwhile cancels the transaction)."""
    if change.new:
        return absent(owes_put(uscc, change.year, change.authority_code)["Item"])
    assert was is not None
    listing = keys.owing_listing(change.year, change.authority_code, uscc)
    values: dict[str, str | int]
    if change.excused is None:
        values = {f":{name}": value for name, value in listing.items()}
        expression = "SET " + ", ".join(f"{name} = :{name}" for name in listing) + " REMOVE excused"
    else:
        values = {":e": change.excused}
        expression = "SET excused = :e REMOVE " + ", ".join(listing)
    if was.filing_status is None:
        condition = "attribute_exists(PK) AND attribute_not_exists(filing_status)"
    else:
        condition, values[":was"] = "filing_status = :was", was.filing_status
    return {"Update": {"TableName": table, "Key": av(keys.owes(uscc, change.year)), "UpdateExpression": expression,
                       "ConditionExpression": condition, "ExpressionAttributeValues": av(values)}}


def year_record(found: dict[str, Any]) -> unit_life.YearRecord:
    return unit_life.YearRecord(int(found["year"]["N"]), found["authority_code"]["S"],
                                found.get("filing_status", {}).get("S"), found.get("excused", {}).get("S"))


def count_updates(table: str, deltas: list[tuple[int, str, str, int]]) -> list[Op]:
    """ADD updates for the counters: one per (year, authority) item, for a transaction."""
    by_item: dict[tuple[int, str], dict[str, int]] = {}
    for year, authority, metric, delta in deltas:
        counters = by_item.setdefault((year, authority), {})
        counters[metric] = counters.get(metric, 0) + delta
    updates = []
    for (year, authority), metrics in by_item.items():
        names = {f"#m{i}": f"n:{m}" for i, m in enumerate(metrics)}
        values = {f":v{i}": d for i, d in enumerate(metrics.values())}
        updates.append({"Update": {
            "TableName": table, "Key": av(keys.stats(year, authority)),
            "UpdateExpression": "SET authority_code = :a ADD " + ", ".join(f"#m{i} :v{i}" for i in range(len(names))),
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": av({":a": authority, **values})}})
    return updates


class DynamoOwing(DynamoBase, OwingStore):
    def units_owing(self, year: int, authority_codes: list[str] | None = None, *, limit: int = 500,
                    page_token: str | None = None) -> Page[reminders.Obligation]:
        """Authority partitions are read in code order and their sort keys start with the code, so
        reading them one after another yields the same order as the province-wide partition."""
        after = untoken(page_token) if page_token else ""
        if authority_codes is None:
            partitions = [("GSI2", keys.owing_all(year))]
        else:
            partitions = [("GSI1", keys.owing_at(year, a)) for a in sorted(set(authority_codes))
                          if a >= after.partition("#")[0]]
        found = self._listed_after(partitions, after, limit)
        page = found[:limit]
        items = [reminders.Obligation(
            i["uscc"]["S"], year, i["authority_code"]["S"], i.get("filing_status", {}).get("S"),
            tuple(reminders.SentReminder(step, keys.unstamp(at))
                  for step, _, at in (r["S"].partition("|") for r in i.get("reminders", {}).get("L", []))))
            for i in page]
        sort_attr = keys.INDEXES[partitions[0][0]][1] if partitions else ""
        return Page(items, token(page[-1][sort_attr]["S"]) if len(found) > limit else None)

    def open_filing_year(self, year: int, at: dt.datetime) -> int:
        """Reads the all-units partition once and puts the missing OWES items, 100 conditional puts per
        transaction."""
        marker = av(keys.year_opened(year))
        if self.client.get_item(TableName=self.table, Key=marker, ConsistentRead=True).get("Item"):
            return 0
        added, chunk = 0, []

        def owed(puts: list[Op]) -> list[Op]:  # a year the unit's life excuses gets its item, unlisted
            return [p for p in puts if "excused" not in p["Item"]]

        def counted(puts: list[Op]) -> list[Op]:
            return count_updates(self.table, [(year, p["Item"]["authority_code"]["S"], "expected", 1)
                                              for p in owed(puts)])

        for listed in self._query(keys.ALL_UNITS, index="GSI2", projection="doc"):
            unit = Unit.model_validate_json(doc_of(listed))
            chunk.append(absent(owes_put(unit.uscc, year, unit.authority_code, unit_life.excuse(unit, year))["Item"]))
            if len(chunk) == TRANSACTION_LIMIT // 2:  # room for the counter updates of the chunk
                added, chunk = added + len(owed(self._put_absent(chunk, counted))), []
        if chunk:
            added += len(owed(self._put_absent(chunk, counted)))
        self._put({**marker, "at": {"S": keys.stamp(at)}})
        return added

    def _put_absent(self, puts: list[Op], extra: Callable[[list[Op]], list[Op]] = lambda puts: []) -> list[Op]:
        """The conditional puts as one transaction, with the operations extra(puts); where some item
        already exists, the transaction is cancelled with a reason per item, and it is retried without those.
        Returns the puts written."""
        while puts:
            try:
                self._transact(puts + extra(puts))
                return puts
            except ClientError as e:
                reasons = cancel_reasons(e)[:len(puts)]
                if "ConditionalCheckFailed" not in reasons or len(reasons) != len(puts):
                    raise
                puts = [p for p, reason in zip(puts, reasons) if reason != "ConditionalCheckFailed"]
        return []

    def _claim(self, *ops: Op) -> bool:
        try:
            self._transact(list(ops))
            return True
        except ClientError as e:
            if "ConditionalCheckFailed" in cancel_reasons(e):
                return False
            raise

    def claim_reminder(self, uscc: str, year: int, step: str, at: dt.datetime, messages: Iterable[Message]) -> bool:
        return self._claim(*self._reminder_ops(uscc, year, step, at, messages))

    def claim_reminders(self, year: int, step: str, at: dt.datetime,
                        messages: Mapping[str, Iterable[Message]]) -> set[str]:
        """As many units as fit in one transaction (claim, history and messages: four items a unit with an
        e-mail and an SMS, so 25 units). A unit whose condition fails (claimed before, filed meanwhile) cancels
        the transaction; its reasons name the unit, and the rest is tried again without it."""
        ops = {uscc: self._reminder_ops(uscc, year, step, at, its) for uscc, its in messages.items()}
        claimed: set[str] = set()
        chunk: list[str] = []
        for uscc in ops:
            if sum(len(ops[u]) for u in chunk) + len(ops[uscc]) > TRANSACTION_LIMIT:
                claimed |= self._claim_together(chunk, ops)
                chunk = []
            chunk.append(uscc)
        return claimed | (self._claim_together(chunk, ops) if chunk else set())

    def _claim_together(self, usccs: list[str], ops: dict[str, list[Op]]) -> set[str]:
        while usccs:
            try:
                self._transact([op for u in usccs for op in ops[u]])
                return set(usccs)
            except ClientError as e:
                reasons, refused, n = cancel_reasons(e), set(), 0
                if "ConditionalCheckFailed" not in reasons:
                    raise
                for u in usccs:
                    if "ConditionalCheckFailed" in reasons[n:n + len(ops[u])]:
                        refused.add(u)
                    n += len(ops[u])
                usccs = [u for u in usccs if u not in refused]
        return set()

    def _reminder_ops(self, uscc: str, year: int, step: str, at: dt.datetime, messages: Iterable[Message]) -> list[Op]:
        """The claim (absent), the OWES item's history (while it still owes) and the messages."""
        stamp = keys.stamp(at)
        history = {"Update": {
            "TableName": self.table, "Key": av(keys.owes(uscc, year)),
            "UpdateExpression": "SET reminders = list_append(if_not_exists(reminders, :none), :sent)",
            "ConditionExpression": f"attribute_exists({keys.OWING_FLAG})",  # filed meanwhile: no reminder
            "ExpressionAttributeValues": {":none": {"L": []}, ":sent": {"L": [{"S": f"{step}|{stamp}"}]}}}}
        return [absent(av({**keys.reminder_claim(uscc, year, step), "at": stamp})), history,
                *(message_put(m) for m in messages)]

    def claim_notice(self, key: str, at: dt.datetime, messages: Iterable[Message]) -> bool:
        return self._claim(absent(av({**keys.notice(key), "at": keys.stamp(at)})), *(message_put(m) for m in messages))

    def stats(self, year: int, authority_codes: list[str] | None = None) -> dict[str, dict[str, int]]:
        wanted = None if authority_codes is None else set(authority_codes)
        out = {}
        for counters in self._query(keys.stats_partition(year)):
            authority = counters["authority_code"]["S"]
            metrics = {k[2:]: int(v["N"]) for k, v in counters.items() if k.startswith("n:") and v["N"] != "0"}
            if metrics and (wanted is None or authority in wanted):  # counters moved back to 0 are no counts
                out[authority] = metrics
        return out
