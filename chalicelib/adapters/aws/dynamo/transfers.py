"""Transfers of units between authorities (变更审核机关), on DynamoDB.

The open request of a unit is a marker item put with the request (attribute_not_exists) and deleted when it is
decided, so a unit has one open request at most. Accepting (or the province's direct transfer) moves the unit in
the transfer's transaction: the unit item (conditional on the document as read), its drafts (at their versions),
the OWES items of the years that follow it (conditional on still owing, at the old authority, with no filing a
reviewer holds) and the counters. Any of those conditions failing cancels the whole transaction.
"""
from __future__ import annotations

from collections.abc import Iterable

from botocore.exceptions import ClientError

from ....domain import transfers
from ....domain.filing import Filing, Status as FilingStatus
from ....domain.model import AuditEvent, Message, Unit
from ....domain.transfers import Transfer
from ....ports import AlreadyExists, StaleVersion, TransferStore
from .. import keys
from .base import TRANSACTION_LIMIT, DynamoBase, Op, absent, at_version, av, cancel_reasons, doc_of, item
from .filings import filing_item
from .outbox import audit_put, message_put
from .owing import count_updates
from .units import unit_item


def transfer_item(t: Transfer) -> dict[str, dict[str, str]]:
    return item(keys.transfer_item(t), t.model_dump_json(), version=t.version)


class DynamoTransfers(DynamoBase, TransferStore):
    def create_transfer(self, transfer: Transfer, *, audit: AuditEvent, messages: Iterable[Message] = ()) -> None:
        marker = av({**keys.open_transfer(transfer.uscc), "transfer_id": transfer.id})
        first: Op = ({"ConditionCheck": {"TableName": self.table, "Key": av(keys.open_transfer(transfer.uscc)),
                                         "ConditionExpression": "attribute_not_exists(PK)"}}
                     if transfer.status == transfers.Status.ACCEPTED else absent(marker))
        self._write_transfer([first, absent(transfer_item(transfer))], transfer, audit, messages,
                             taken=AlreadyExists(transfer.uscc))

    def get_transfer(self, transfer_id: str) -> Transfer | None:
        return self._load(Transfer, keys.transfer(transfer_id))

    def save_transfer(self, transfer: Transfer, *, expected_version: int, audit: AuditEvent,
                      messages: Iterable[Message] = ()) -> None:
        ops = [at_version(transfer_item(transfer), expected_version)]
        if not transfer.open:
            ops.append({"Delete": {"TableName": self.table, "Key": av(keys.open_transfer(transfer.uscc))}})
        self._write_transfer(ops, transfer, audit, messages, taken=StaleVersion(transfer.id))

    def _write_transfer(self, ops: list[Op], transfer: Transfer, audit: AuditEvent, messages: Iterable[Message], *,
                        taken: Exception) -> None:
        """`ops` first (their first condition failing raises `taken`), then the move, the audit event and the
        messages (those that do not fit in the transaction right after it, as save_filing does)."""
        if transfer.status == transfers.Status.ACCEPTED:
            ops += self._move_unit(transfer)
        ops.append(audit_put(audit))
        message_puts = [message_put(m) for m in messages]
        room = max(TRANSACTION_LIMIT - len(ops), 0)
        try:
            self._transact(ops + message_puts[:room])
        except ClientError as e:
            reasons = cancel_reasons(e)
            if reasons[:1] == ["ConditionalCheckFailed"]:
                raise taken from None
            if "ConditionalCheckFailed" in reasons:  # the unit moved or changed meanwhile
                raise StaleVersion(transfer.uscc) from None
            raise
        if message_puts[room:]:
            self._batch_write([{"PutRequest": put} for put in message_puts[room:]])

    def _move_unit(self, transfer: Transfer) -> list[Op]:
        found = self.client.get_item(TableName=self.table, Key=av(keys.unit(transfer.uscc)),
                                     ConsistentRead=True).get("Item")
        unit = Unit.model_validate_json(doc_of(found)) if found else None
        if found is None or unit is None or unit.authority_code != transfer.from_code:
            raise StaleVersion(transfer.uscc)
        ops: list[Op] = [{"Item": unit_item(transfers.moved_unit(unit, transfer)),
                          "ConditionExpression": "doc = :read", "ExpressionAttributeValues": {":read": found["doc"]}}]
        for listed in self._query(keys.unit_filings(transfer.uscc), index="GSI3"):
            filing = Filing.model_validate_json(doc_of(listed))
            if filing.status == FilingStatus.DRAFT and filing.authority_code == transfer.from_code:
                ops.append(at_version(filing_item(transfers.moved_filing(filing, transfer)), filing.version))
        years = []
        for owed in self._query(keys.unit(transfer.uscc)[keys.PK], sk_condition="begins_with(#sk, :owes)",
                                values={":owes": keys.OWES_PREFIX}, consistent=True):
            status = owed.get("filing_status", {}).get("S")
            if (keys.OWING_FLAG in owed and owed["authority_code"]["S"] == transfer.from_code
                    and transfers.moves_with_unit(status)):
                years.append(int(owed["year"]["N"]))
                ops.append(self._owes_move(transfer, int(owed["year"]["N"])))
        return ops + count_updates(self.table, transfers.counter_moves(transfer, years))

    def _owes_move(self, transfer: Transfer, year: int) -> Op:
        listing = keys.owing_listing(year, transfer.to_code, transfer.uscc)
        return {"Update": {
            "TableName": self.table, "Key": av(keys.owes(transfer.uscc, year)),
            "UpdateExpression": "SET authority_code = :to, GSI1PK = :pk, GSI1SK = :sk, GSI2SK = :sk",
            "ConditionExpression": f"authority_code = :from AND attribute_exists({keys.OWING_FLAG}) AND "
                                   "(attribute_not_exists(filing_status) OR filing_status = :draft)",
            "ExpressionAttributeValues": av({":to": transfer.to_code, ":from": transfer.from_code,
                                             ":pk": listing["GSI1PK"], ":sk": listing["GSI1SK"],
                                             ":draft": FilingStatus.DRAFT.value})}}

    def list_transfers(self, authority_code: str, *, incoming: bool, limit: int = 100) -> list[Transfer]:
        index, pk = ("GSI1", keys.transfers_to(authority_code)) if incoming else ("GSI2",
                                                                                  keys.transfers_from(authority_code))
        return [Transfer.model_validate_json(d) for d in self._listing(index, pk, limit, newest_first=True)]

    def list_unit_transfers(self, uscc: str) -> list[Transfer]:
        return [Transfer.model_validate_json(d)
                for d in self._listing("GSI3", keys.unit_transfers(uscc), 100, newest_first=True)]
