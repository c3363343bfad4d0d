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

from ....domain import reminders
from ....domain.filing import Filing
from ....domain.model import Message
from ....ports import OwingStore, Page
from .. import keys
from .base import TRANSACTION_LIMIT, DynamoBase, Op, absent, av, cancel_reasons, doc_of, token, untoken
from .outbox import message_put


def owes_put(uscc: str, year: int, authority_code: str) -> Op:
    return {"Item": av({**keys.owes(uscc, year), **keys.owing_listing(year, authority_code, uscc),
                        "uscc": uscc, "year": year, "authority_code": authority_code})}


def owes_update(table: str, f: Filing) -> Op:
    """Upsert of the filing year's OWES item: listed while the filing does not count as filed. The
    reminder history on the item is left alone."""
    values: dict[str, str | int] = {":u": f.uscc, ":y": f.year, ":a": f.authority_code, ":s": f.status.value}
    expression = "SET uscc = :u, #year = :y, authority_code = :a, filing_status = :s"
    listing = keys.owing_listing(f.year, f.authority_code, f.uscc)
    if reminders.counts_as_filed(f.status):
        expression += " REMOVE " + ", ".join(listing)
    else:
        expression += "".join(f", {name} = :{name}" for name in listing)
        values.update({f":{name}": value for name, value in listing.items()})
    return {"Update": {"TableName": table, "Key": av(keys.owes(f.uscc, f.year)),
                       "UpdateExpression": expression, "ExpressionAttributeNames": {"#year": "year"},
                       "ExpressionAttributeValues": av(values)}}


def owes_reopened(table: str, f: Filing) -> Op:
    """The filing year's OWES item once the unit's annual filing is deleted: listed, with no filing status."""
    listing = keys.owing_listing(f.year, f.authority_code, f.uscc)
    return {"Update": {"TableName": table, "Key": av(keys.owes(f.uscc, f.year)),
                       "UpdateExpression": "SET " + ", ".join(f"{name} = :{name}" for name in listing)
                                           + " REMOVE filing_status",
                       "ExpressionAttributeValues": av({f":{name}": value for name, value in listing.items()})}}


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
        found: list[dict[str, Any]] = []
        for index, pk in partitions:
            for listed in self._query(pk, index=index, sk_condition="#sk > :after" if after else "",
                                      values={":after": after} if after else None, page_size=min(limit + 1, 1000)):
                found.append(listed)
                if len(found) > limit:
                    break
            if len(found) > limit:
                break
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

        def counted(puts: list[Op]) -> list[Op]:
            return count_updates(self.table, [(year, p["Item"]["authority_code"]["S"], "expected", 1) for p in puts])

        for listed in self._query(keys.ALL_UNITS, index="GSI2", projection="doc"):
            unit = json.loads(doc_of(listed))
            chunk.append(absent(owes_put(unit["uscc"], year, unit["authority_code"])["Item"]))
            if len(chunk) == TRANSACTION_LIMIT // 2:  # room for the counter updates of the chunk
                added, chunk = added + self._put_absent(chunk, counted), []
        if chunk:
            added += self._put_absent(chunk, counted)
        self._put({**marker, "at": {"S": keys.stamp(at)}})
        return added

    def _put_absent(self, puts: list[Op], extra: Callable[[list[Op]], list[Op]] = lambda puts: []) -> int:
        """The conditional puts as one transaction, with the operations extra(puts); where some item
        already exists, the transaction is cancelled with a reason per item, and it is retried without those."""
        while puts:
            try:
                self._transact(puts + extra(puts))
                return len(puts)
            except ClientError as e:
                reasons = cancel_reasons(e)[:len(puts)]
                if "ConditionalCheckFailed" not in reasons or len(reasons) != len(puts):
                    raise
                puts = [p for p, reason in zip(puts, reasons) if reason != "ConditionalCheckFailed"]
        return 0

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
            if wanted is None or authority in wanted:
                out[authority] = {k[2:]: int(v["N"]) for k, v in counters.items()
                                  if k.startswith("n:") and v["N"] != "0"}
        return out
