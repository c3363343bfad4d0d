"""The outbox of messages to send and the append-only audit log, on DynamoDB.

Other aggregates put audit events and messages in their own transactions with audit_put and
message_put."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from botocore.exceptions import ClientError

from ....domain.model import AuditEvent, Message
from ....ports import OutboxStore
from .. import keys
from .base import DynamoBase, Op, absent, av, doc_of, error_code, item


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
