"""Store on one DynamoDB table: the AWS backend's records, outbox and audit log.

Each entity is its JSON document in one string attribute (`doc`: no float/Decimal surprises) plus the
key and index attributes built in keys.py. Every state change is a conditional write; a filing, its
audit event and its outbox messages go in one TransactWriteItems. Reads by key are strongly
consistent; listings come from GSIs (eventually consistent on AWS). The low-level client is passed
in, never created here (no client at import time).
"""
from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from ...domain.filing import Filing
from ...domain.model import Account, AuditEvent, Message, Unit, Upload
from ...ports import AlreadyExists, Page, StaleVersion
from . import keys

BATCH_SIZE = 25  # BatchWriteItem's limit
BATCH_ATTEMPTS = 8
TRANSACT_ATTEMPTS = 4


def _av(values: dict[str, str | int]) -> dict[str, dict[str, str]]:
    """Plain values → DynamoDB attribute values (strings and integers only, by design)."""
    return {k: {"N": str(v)} if isinstance(v, int) else {"S": v} for k, v in values.items()}


def _item(key_attrs: dict[str, str], doc: str, **extra: str | int) -> dict[str, dict[str, str]]:
    return _av({**key_attrs, "doc": doc, **extra})


def _doc(item: dict[str, Any]) -> str:
    return item["doc"]["S"]


def _token(after: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode()


def _untoken(token: str) -> str:
    try:
        after = json.loads(base64.urlsafe_b64decode(token.encode()))["after"]
    except (ValueError, TypeError, KeyError):
        raise ValueError("page_token 无效") from None
    if not isinstance(after, str):
        raise ValueError("page_token 无效")
    return after


def _error_code(e: ClientError) -> str:
    return e.response.get("Error", {}).get("Code", "")


def _cancel_reasons(e: ClientError) -> list[str]:
    return [r.get("Code", "None") for r in e.response.get("CancellationReasons", [])]


class DynamoStore:
    backoff_seconds = 0.05  # first retry delay (doubles); tests set 0

    def __init__(self, table_name: str, client: Any):
        self.table = table_name
        self.client = client

    # plumbing
    def _get(self, key: dict[str, str]) -> str | None:
        item = self.client.get_item(TableName=self.table, Key=_av(key), ConsistentRead=True).get("Item")
        return _doc(item) if item else None

    def _put(self, item: dict, condition: str | None = None) -> None:
        kwargs: dict[str, Any] = {"TableName": self.table, "Item": item}
        if condition:
            kwargs["ConditionExpression"] = condition
        self.client.put_item(**kwargs)

    def _transact(self, puts: list[dict]) -> None:
        """All or nothing. Retries only TransactionConflict (another transaction touching the same
        items); a failed condition raises ClientError with the per-item CancellationReasons."""
        items = [{"Put": {"TableName": self.table, **p}} for p in puts]
        for attempt in range(TRANSACT_ATTEMPTS):
            try:
                self.client.transact_write_items(TransactItems=items)
                return
            except ClientError as e:
                reasons = _cancel_reasons(e)
                conflict = (_error_code(e) == "TransactionCanceledException" and "TransactionConflict" in reasons
                            and "ConditionalCheckFailed" not in reasons)
                if not conflict or attempt == TRANSACT_ATTEMPTS - 1:
                    raise
                time.sleep(self.backoff_seconds * 2 ** attempt)

    def _query(self, pk: str, *, index: str | None = None, sk_condition: str = "",
               values: dict[str, str | int] | None = None, forward: bool = True, filter_: str = "",
               names: dict[str, str] | None = None, page_size: int | None = None,
               projection: str = "") -> Iterator[dict]:
        """Items of one partition (of the table or a GSI), following pages lazily."""
        pk_attr, sk_attr = keys.INDEXES[index] if index else (keys.PK, keys.SK)
        kwargs: dict[str, Any] = {
            "TableName": self.table, "ScanIndexForward": forward,
            "KeyConditionExpression": "#pk = :pk" + (f" AND {sk_condition}" if sk_condition else ""),
            "ExpressionAttributeNames": {"#pk": pk_attr, "#sk": sk_attr, **(names or {})},
            "ExpressionAttributeValues": _av({":pk": pk, **(values or {})}),
        }
        if not sk_condition:
            del kwargs["ExpressionAttributeNames"]["#sk"]
        if index:
            kwargs["IndexName"] = index
        if filter_:
            kwargs["FilterExpression"] = filter_
        if page_size:
            kwargs["Limit"] = page_size
        if projection:
            kwargs["ProjectionExpression"] = projection
        while True:
            resp = self.client.query(**kwargs)
            yield from resp.get("Items", [])
            if "LastEvaluatedKey" not in resp:
                return
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def _batch_write(self, requests: list[dict]) -> None:
        """BatchWriteItem in chunks of 25, retrying UnprocessedItems with backoff."""
        for i in range(0, len(requests), BATCH_SIZE):
            pending = requests[i:i + BATCH_SIZE]
            for attempt in range(BATCH_ATTEMPTS):
                resp = self.client.batch_write_item(RequestItems={self.table: pending})
                pending = resp.get("UnprocessedItems", {}).get(self.table, [])
                if not pending:
                    break
                time.sleep(min(self.backoff_seconds * 2 ** attempt, 2.0))
            else:
                raise RuntimeError(f"DynamoDB left {len(pending)} writes unprocessed after {BATCH_ATTEMPTS} tries")

    # units and accounts
    def create_unit(self, unit: Unit, filer: Account) -> None:
        try:
            self._transact([
                {"Item": _item(keys.unit(unit.uscc), unit.model_dump_json()),
                 "ConditionExpression": "attribute_not_exists(PK)"},
                {"Item": _item(keys.account_item(filer), filer.model_dump_json()),
                 "ConditionExpression": "attribute_not_exists(PK)"},
            ])
        except ClientError as e:
            if "ConditionalCheckFailed" in _cancel_reasons(e):
                raise AlreadyExists(unit.uscc) from None
            raise

    def get_unit(self, uscc: str) -> Unit | None:
        doc = self._get(keys.unit(uscc))
        return Unit.model_validate_json(doc) if doc else None

    def put_account(self, account: Account) -> None:
        self._put(_item(keys.account_item(account), account.model_dump_json()))

    def get_account(self, username: str) -> Account | None:
        doc = self._get(keys.account(username))
        return Account.model_validate_json(doc) if doc else None

    def list_accounts(self, scope: str) -> list[Account]:
        return [Account.model_validate_json(_doc(i))
                for i in self._query(keys.accounts_in_scope(scope), index="GSI3")]

    # filings
    @staticmethod
    def _filing_item(f: Filing) -> dict:
        return _item(keys.filing_item(f), f.model_dump_json(), version=f.version, year=f.year)

    @staticmethod
    def _audit_put(event: AuditEvent) -> dict:
        return {"Item": _item(keys.audit_item(event), event.model_dump_json()),
                "ConditionExpression": "attribute_not_exists(PK)"}  # append-only

    def create_filing(self, filing: Filing, *, audit: AuditEvent) -> None:
        puts = [{"Item": self._filing_item(filing), "ConditionExpression": "attribute_not_exists(PK)"}]
        if filing.kind == "annual":
            puts.append({"Item": _av({**keys.annual_marker(filing.uscc, filing.year), "filing_id": filing.id}),
                         "ConditionExpression": "attribute_not_exists(PK)"})
        puts.append(self._audit_put(audit))
        try:
            self._transact(puts)
        except ClientError as e:
            if "ConditionalCheckFailed" in _cancel_reasons(e):
                raise AlreadyExists(f"{filing.uscc}/{filing.year}") from None
            raise

    def get_filing(self, filing_id: str) -> Filing | None:
        doc = self._get(keys.filing(filing_id))
        return Filing.model_validate_json(doc) if doc else None

    def save_filing(self, filing: Filing, *, expected_version: int, audit: AuditEvent | None = None,
                    messages: Iterable[Message] = ()) -> None:
        puts = [{"Item": self._filing_item(filing), "ConditionExpression": "version = :expected",
                 "ExpressionAttributeValues": _av({":expected": expected_version})}]
        if audit:
            puts.append(self._audit_put(audit))
        puts += [{"Item": _item(keys.message_item(m), m.model_dump_json())} for m in messages]
        try:
            self._transact(puts)
        except ClientError as e:
            reasons = _cancel_reasons(e)
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise StaleVersion(filing.id) from None
            raise

    def list_unit_filings(self, uscc: str) -> list[Filing]:
        filings = [Filing.model_validate_json(_doc(i)) for i in self._query(keys.unit_filings(uscc), index="GSI3")]
        return sorted(filings, key=lambda f: (-f.year, f.kind, keys.queue_order(f)))

    def list_authority_filings(self, authority_codes: list[str] | None, *, status: str | None = None,
                               year: int | None = None, limit: int = 50, page_token: str | None = None) -> Page:
        """Merges the sorted partitions involved (authority × status, or the province-wide status
        partitions); the token is the last returned sort key, valid in every partition alike."""
        statuses = [status] if status else list(keys.STATUSES)
        if authority_codes is None:
            partitions = [("GSI2", keys.all_filings(s)) for s in statuses]
        else:
            partitions = [("GSI1", keys.authority_queue(a, s)) for a in authority_codes for s in statuses]
        after = _untoken(page_token) if page_token else None
        want = limit + 1  # one extra tells whether another page exists
        found: list[tuple[str, str]] = []
        for index, pk in partitions:
            sk_attr = keys.INDEXES[index][1]
            items = self._query(
                pk, index=index, sk_condition="#sk > :after" if after else "",
                values={**({":after": after} if after else {}), **({":year": year} if year else {})},
                filter_="#year = :year" if year else "", names={"#year": "year"} if year else None,
                page_size=want)
            for n, item in enumerate(items, 1):
                found.append((item[sk_attr]["S"], _doc(item)))
                if n == want:
                    break
        found.sort()
        page = found[:limit]
        token = _token(page[-1][0]) if len(found) > limit and page else None
        return Page([Filing.model_validate_json(doc) for _, doc in page], token)

    def next_sequence(self, name: str) -> int:
        resp = self.client.update_item(
            TableName=self.table, Key=_av(keys.counter(name)), UpdateExpression="ADD #value :one",
            ExpressionAttributeNames={"#value": "value"}, ExpressionAttributeValues=_av({":one": 1}),
            ReturnValues="UPDATED_NEW")
        return int(resp["Attributes"]["value"]["N"])

    # rows
    def put_rows(self, upload_id: str, start: int, rows: list[dict]) -> None:
        self._batch_write([{"PutRequest": {"Item": _item(keys.row(upload_id, start + i),
                                                          json.dumps(r, ensure_ascii=False))}}
                           for i, r in enumerate(rows)])

    def _row_items(self, upload_id: str, offset: int = 0, page_size: int | None = None,
                   projection: str = "") -> Iterator[dict]:
        return self._query(keys.rows_partition(upload_id), sk_condition="#sk BETWEEN :first AND :last",
                           values={":first": keys.row_sk(max(offset, 0)), ":last": keys.row_sk(keys.ROW_MAX)},
                           page_size=page_size, projection=projection)

    def get_rows(self, upload_id: str, *, offset: int = 0, limit: int = 50) -> list[dict]:
        if limit <= 0:
            return []
        out = []
        for item in self._row_items(upload_id, offset, page_size=limit):
            out.append(json.loads(_doc(item)))
            if len(out) == limit:
                break
        return out

    def iter_rows(self, upload_id: str) -> Iterator[dict]:
        for item in self._row_items(upload_id):
            yield json.loads(_doc(item))

    def delete_rows(self, upload_id: str) -> None:
        found = list(self._row_items(upload_id, projection="PK, SK"))
        self._batch_write([{"DeleteRequest": {"Key": {"PK": i["PK"], "SK": i["SK"]}}} for i in found])

    # uploads
    def put_upload(self, upload: Upload) -> None:
        self._put(_item(keys.upload(upload.id), upload.model_dump_json()))

    def get_upload(self, upload_id: str) -> Upload | None:
        doc = self._get(keys.upload(upload_id))
        return Upload.model_validate_json(doc) if doc else None

    # outbox and audit
    def _listing(self, index: str, pk: str, limit: int, *, newest_first: bool) -> list[str]:
        if limit <= 0:
            return []
        docs = []
        for item in self._query(pk, index=index, forward=not newest_first, page_size=limit):
            docs.append(_doc(item))
            if len(docs) == limit:
                break
        return docs

    def pending_messages(self, limit: int = 100) -> list[Message]:
        return [Message.model_validate_json(d)
                for d in self._listing("GSI1", keys.OUTBOX_PENDING, limit, newest_first=False)]

    def mark_message(self, message: Message) -> None:
        """Rewrites the message; leaving `pending` drops it from the sparse outbox index."""
        try:
            self._put(_item(keys.message_item(message), message.model_dump_json()),
                      condition="attribute_exists(PK)")
        except ClientError as e:
            if _error_code(e) != "ConditionalCheckFailedException":  # unknown message: nothing to mark
                raise

    def list_messages(self, limit: int = 100) -> list[Message]:
        return [Message.model_validate_json(d) for d in self._listing("GSI2", keys.MESSAGES, limit, newest_first=True)]

    def append_audit(self, event: AuditEvent) -> None:
        item = self._audit_put(event)
        self._put(item["Item"], condition=item["ConditionExpression"])

    def list_audit(self, limit: int = 100) -> list[AuditEvent]:
        return [AuditEvent.model_validate_json(d) for d in self._listing("GSI2", keys.AUDIT, limit, newest_first=True)]


def create_table(client: Any, table_name: str) -> None:
    """The table with its three GSIs, on-demand (tests and local use; production: the CDK stack).
    Does nothing if the table already exists."""
    attrs = [keys.PK, keys.SK] + [a for pair in keys.INDEXES.values() for a in pair]
    try:
        client.create_table(
            TableName=table_name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in attrs],
            KeySchema=[{"AttributeName": keys.PK, "KeyType": "HASH"}, {"AttributeName": keys.SK, "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[
                {"IndexName": name, "Projection": {"ProjectionType": "ALL"},
                 "KeySchema": [{"AttributeName": pk, "KeyType": "HASH"}, {"AttributeName": sk, "KeyType": "RANGE"}]}
                for name, (pk, sk) in keys.INDEXES.items()])
    except ClientError as e:
        if _error_code(e) != "ResourceInUseException":
            raise
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
