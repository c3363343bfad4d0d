"""The outbox of messages to send and the append-only audit log, on DynamoDB.

Other aggregates put audit events and messages in their own transactions with audit_put and
message_put."""
from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterator, Mapping

from botocore.exceptions import ClientError

from ....domain.audit import AuditFilter
from ....domain.model import AuditEvent, Message
from ....ports import OutboxStore
from .. import keys
from .base import DynamoBase, Op, absent, av, doc_of, error_code, item, token, untoken

AUDIT_READ_BUDGET = 5000  # events one page may read before it ends short


def audit_put(event: AuditEvent) -> Op:
    return absent(item(keys.audit_item(event), event.model_dump_json()))  # append-only


def message_put(message: Message) -> Op:
    return {"Item": item(keys.message_item(message), message.model_dump_json())}


class DynamoOutbox(DynamoBase, OutboxStore):
    def pending_messages(self, limit: int = 100) -> list[Message]:
        return [Message.model_validate_json(d)
                for d in self._listing("GSI1", keys.OUTBOX_PENDING, limit, newest_first=False)]

    def mark_message(self, message: Message) -> None:
        """Rewrites the message; leaving `pending` drops it from the sparse outbox index."""
        try:
            self._put(message_put(message)["Item"], condition="attribute_exists(PK)")
        except ClientError as e:
            if error_code(e) != "ConditionalCheckFailedException":  # unknown message: nothing to mark
                raise

    def count_deliveries(self, day: dt.date, deltas: Mapping[tuple[str, str, str], int]) -> None:
        """An ADD update per channel and authority (a batch touches a few)."""
        by_item: dict[tuple[str, str], dict[str, int]] = {}
        for (channel, authority, outcome), n in deltas.items():
            by_item.setdefault((channel, authority), {})[outcome] = n
        for (channel, authority), outcomes in by_item.items():
            names = {f"#o{i}": f"n:{o}" for i, o in enumerate(outcomes)}
            self.client.update_item(
                TableName=self.table, Key=av(keys.delivery_counts(day, channel, authority)),
                UpdateExpression="SET channel = :c, authority_code = :a ADD "
                                 + ", ".join(f"#o{i} :v{i}" for i in range(len(outcomes))),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=av({":c": channel, ":a": authority,
                                              **{f":v{i}": n for i, n in enumerate(outcomes.values())}}))

    def delivery_counts(self, day: dt.date) -> dict[tuple[str, str, str], int]:
        return {(i["channel"]["S"], i["authority_code"]["S"], k[2:]): int(v["N"])
                for i in self._query(keys.delivery_day(day)) for k, v in i.items() if k.startswith("n:")}

    def list_messages(self, limit: int = 100) -> list[Message]:
        return [Message.model_validate_json(d) for d in self._listing("GSI2", keys.MESSAGES, limit, newest_first=True)]

    def append_audit(self, event: AuditEvent) -> None:
        put = audit_put(event)
        self._put(put["Item"], condition=put["ConditionExpression"])

    def list_audit(self, limit: int = 100, scopes: list[str] | None = None) -> list[AuditEvent]:
        if scopes is None:
            docs = self._listing("GSI2", keys.AUDIT, limit, newest_first=True)
        else:
            found = []
            for scope in scopes:
                for n, listed in enumerate(self._query(keys.audit_of(scope), index="GSI1", forward=False,
                                                       page_size=limit), 1):
                    found.append((listed["GSI1SK"]["S"], doc_of(listed)))
                    if n == limit:
                        break
            docs = [doc for _, doc in sorted(found, reverse=True)[:limit]]
        return [AuditEvent.model_validate_json(d) for d in docs]

    def audit_page(self, query: AuditFilter, *, size: int, page_token: str | None = None
                   ) -> tuple[list[AuditEvent], str | None]:
        """Access pattern: each event is listed by time (sort key "<UTC stamp>#<tick>#<id>") in the whole log's
        partition (GSI2 AUDIT) and in its division's (GSI1 AUDIT#<division>). A page reads the partitions of the
        divisions asked for (the whole log for the province) newest first between the dates (a key condition),
        merges them by sort key and keeps what the account/action/target filters match; the token is the last
        sort key shown. A page reads at most AUDIT_READ_BUDGET events: past it, it ends short (even empty) with a
        token to go on from the last event read, so no request runs for long however selective the filters."""
        partitions = ([("GSI2", keys.AUDIT)] if query.scopes is None
                      else [("GSI1", keys.audit_of(scope)) for scope in query.scopes])
        upper = untoken(page_token) if page_token else keys.stamp(query.until) if query.until else "\uffff"
        lower = keys.stamp(query.since) if query.since else "0"  # every stamp is above it
        if upper <= lower:  # nothing between (DynamoDB refuses a BETWEEN whose ends are the wrong way round)
            return [], None
        merged = heapq.merge(*(self._audit_between(index, pk, lower, upper) for index, pk in partitions),
                             reverse=True)
        found: list[tuple[str, AuditEvent]] = []
        for read, (order, event) in enumerate(merged, 1):
            if query.matches(event):
                found.append((order, event))
                if len(found) > size:
                    return [e for _, e in found[:size]], token(found[size - 1][0])
            if read == AUDIT_READ_BUDGET:  # a rare action over years: a short page, the next one goes on from here
                return [e for _, e in found], token(order)
        return [e for _, e in found], None

    def _audit_between(self, index: str, pk: str, lower: str, upper: str) -> Iterator[tuple[str, AuditEvent]]:
        """One partition's events with lower <= sort key < upper, newest first."""
        for listed in self._query(pk, index=index, sk_condition="#sk BETWEEN :lower AND :upper", forward=False,
                                  values={":lower": lower, ":upper": upper}, page_size=200):
            order = listed[keys.INDEXES[index][1]]["S"]
            if order < upper:  # BETWEEN includes its upper end
                yield order, AuditEvent.model_validate_json(doc_of(listed))
