"""What every DynamoDB aggregate shares: attribute values, conditional puts, transactions, batches,
queries, page tokens, and the table itself.

Each entity is its JSON document in one string attribute (`doc`: no float/Decimal surprises) plus the
key and index attributes built in keys.py. The low-level client is passed in, never created here (no
client at import time).
"""
from __future__ import annotations

import base64
import json
import random
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from botocore.exceptions import ClientError
from pydantic import BaseModel

from .. import keys

BATCH_SIZE = 25  # BatchWriteItem's limit
GET_BATCH_SIZE = 100  # BatchGetItem's limit
BATCH_ATTEMPTS = 10  # ~20 s of backoff in all before a batch gives up (the import's lease is renewed meanwhile)
BACKOFF_CAP = 5.0  # seconds, the longest single wait
# Throttling answered as an error (every item of a batch refused) rather than as unprocessed items
THROTTLED = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"})
TRANSACTION_LIMIT = 100  # items in one TransactWriteItems
WRITERS = 8  # concurrent BatchWriteItem calls per put (boto3 clients are thread-safe)
TRANSACT_ATTEMPTS = 4

M = TypeVar("M", bound=BaseModel)
Op = dict[str, Any]  # one TransactWriteItems operation: a Put ({"Item": …}) or a whole {"Update": …}


def av(values: Mapping[str, str | int]) -> dict[str, dict[str, str]]:
    """Plain values → DynamoDB attribute values (strings and integers only, by design)."""
    return {k: {"N": str(v)} if isinstance(v, int) else {"S": v} for k, v in values.items()}


def item(key_attrs: dict[str, str], doc: str, **extra: str | int) -> dict[str, dict[str, str]]:
    return av({**key_attrs, "doc": doc, **extra})


def doc_of(found: dict[str, Any]) -> str:
    doc: str = found["doc"]["S"]
    return doc


def absent(put_item: dict[str, Any]) -> Op:
    """A put that fails (ConditionalCheckFailed) if the key is taken."""
    return {"Item": put_item, "ConditionExpression": "attribute_not_exists(PK)"}


def at_version(put_item: dict[str, Any], expected_version: int) -> Op:
    """A put that fails (ConditionalCheckFailed) unless the stored `version` is `expected_version`."""
    return {"Item": put_item, "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": av({":expected": expected_version})}


def token(after: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode()


def untoken(page_token: str) -> str:
    try:
        after = json.loads(base64.urlsafe_b64decode(page_token.encode()))["after"]
    except (ValueError, TypeError, KeyError, RecursionError):
        raise ValueError("page_token 无效") from None
    if not isinstance(after, str):
        raise ValueError("page_token 无效")
    return after


def error_code(e: ClientError) -> str:
    code: str = e.response.get("Error", {}).get("Code", "")
    return code


def cancel_reasons(e: ClientError) -> list[str]:
    return [r.get("Code", "None") for r in e.response.get("CancellationReasons", [])]


class DynamoBase:
    backoff_seconds = 0.05  # first retry delay (doubles); tests set 0

    def __init__(self, table_name: str, client: Any):
        self.table = table_name
        self.client = client

    def _get(self, key: dict[str, str]) -> str | None:
        found = self.client.get_item(TableName=self.table, Key=av(key), ConsistentRead=True).get("Item")
        return doc_of(found) if found else None

    def _load(self, model: type[M], key: dict[str, str]) -> M | None:
        """The item at `key` (strongly consistent), as `model`; None if there is none."""
        found = self._get(key)
        return model.model_validate_json(found) if found else None

    def _put(self, put_item: dict[str, Any], condition: str | None = None) -> None:
        kwargs: dict[str, Any] = {"TableName": self.table, "Item": put_item}
        if condition:
            kwargs["ConditionExpression"] = condition
        self.client.put_item(**kwargs)

    def _transact(self, puts: list[Op]) -> None:
        """All or nothing. Retries only TransactionConflict (another transaction touching the same
        items); a failed condition raises ClientError with the per-item CancellationReasons."""
        # a dict with "Item" is a Put; anything else is already a whole operation (an Update)
        items = [{"Put": {"TableName": self.table, **p}} if "Item" in p else p for p in puts]
        for attempt in range(TRANSACT_ATTEMPTS):
            try:
                self.client.transact_write_items(TransactItems=items)
                return
            except ClientError as e:
                reasons = cancel_reasons(e)
                conflict = (error_code(e) == "TransactionCanceledException" and "TransactionConflict" in reasons
                            and "ConditionalCheckFailed" not in reasons)
                if not conflict or attempt == TRANSACT_ATTEMPTS - 1:
                    raise
                time.sleep(self.backoff_seconds * 2 ** attempt)

    def _query(self, pk: str, *, index: str | None = None, sk_condition: str = "",
               values: dict[str, str | int] | None = None, forward: bool = True, filter_: str = "",
               names: dict[str, str] | None = None, page_size: int | None = None,
               projection: str = "", consistent: bool = False) -> Iterator[dict[str, Any]]:
        """Items of one partition (of the table or a GSI), following pages lazily."""
        pk_attr, sk_attr = keys.INDEXES[index] if index else (keys.PK, keys.SK)
        kwargs: dict[str, Any] = {
            "TableName": self.table, "ScanIndexForward": forward,
            "KeyConditionExpression": "#pk = :pk" + (f" AND {sk_condition}" if sk_condition else ""),
            "ExpressionAttributeNames": {"#pk": pk_attr, "#sk": sk_attr, **(names or {})},
            "ExpressionAttributeValues": av({":pk": pk, **(values or {})}),
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
        if consistent:
            kwargs["ConsistentRead"] = True
        while True:
            resp = self.client.query(**kwargs)
            yield from resp.get("Items", [])
            if "LastEvaluatedKey" not in resp:
                return
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def _listed_after(self, partitions: list[tuple[str, str]], after: str, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` + 1 items of the (index, partition key) `partitions`, read one after another, each
        after the sort key `after` (listings whose partitions follow their sort-key order: "<authority>#<uscc>")."""
        found: list[dict[str, Any]] = []
        for index, pk in partitions:
            for listed in self._query(pk, index=index, sk_condition="#sk > :after" if after else "",
                                      values={":after": after} if after else None, page_size=min(limit + 1, 1000)):
                found.append(listed)
                if len(found) > limit:
                    return found
        return found

    def _listing(self, index: str, pk: str, limit: int, *, newest_first: bool) -> list[str]:
        """The documents of the first `limit` items of one GSI partition."""
        if limit <= 0:
            return []
        docs = []
        for found in self._query(pk, index=index, forward=not newest_first, page_size=limit):
            docs.append(doc_of(found))
            if len(docs) == limit:
                break
        return docs

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        """BatchWriteItem in chunks of 25, several chunks in flight at once (a roster is tens of thousands of
        items; one round trip per 25 would dominate an import), each retrying UnprocessedItems with backoff."""
        chunks = [requests[i:i + BATCH_SIZE] for i in range(0, len(requests), BATCH_SIZE)]
        if len(chunks) <= 1:
            for chunk in chunks:
                self._write_chunk(chunk)
            return
        with ThreadPoolExecutor(max_workers=min(WRITERS, len(chunks))) as pool:
            for _ in pool.map(self._write_chunk, chunks):  # re-raises the first failure
                pass

    def _write_chunk(self, pending: list[dict[str, Any]]) -> None:
        """One BatchWriteItem, sent again with what DynamoDB left unprocessed (a throttled partition) or
        refused whole (throttled as an error), with exponential backoff."""
        for attempt in range(BATCH_ATTEMPTS):
            try:
                resp = self.client.batch_write_item(RequestItems={self.table: pending})
                pending = resp.get("UnprocessedItems", {}).get(self.table, [])
            except ClientError as e:
                if error_code(e) not in THROTTLED:
                    raise
            if not pending:
                return
            self._back_off(attempt)
        raise RuntimeError(f"DynamoDB left {len(pending)} writes unprocessed after {BATCH_ATTEMPTS} tries")

    def _batch_get(self, key_list: list[dict[str, str]], *, consistent: bool = False) -> list[dict[str, Any]]:
        """The items at these keys (those that exist, in no particular order): BatchGetItem by 100, asking
        again for UnprocessedKeys with backoff."""
        found: list[dict[str, Any]] = []
        for i in range(0, len(key_list), GET_BATCH_SIZE):
            pending: dict[str, Any] = {"Keys": [av(k) for k in key_list[i:i + GET_BATCH_SIZE]]}
            if consistent:
                pending["ConsistentRead"] = True
            for attempt in range(BATCH_ATTEMPTS):
                try:
                    resp = self.client.batch_get_item(RequestItems={self.table: pending})
                    found.extend(resp.get("Responses", {}).get(self.table, []))
                    pending = resp.get("UnprocessedKeys", {}).get(self.table, {})
                except ClientError as e:
                    if error_code(e) not in THROTTLED:
                        raise
                if not pending.get("Keys"):
                    break
                self._back_off(attempt)
            else:
                raise RuntimeError(f"DynamoDB left {len(pending['Keys'])} reads unprocessed after "
                                   f"{BATCH_ATTEMPTS} tries")
        return found

    def _back_off(self, attempt: int) -> None:
        """Exponential, capped, with jitter (writers in parallel threads do not retry in step)."""
        time.sleep(min(self.backoff_seconds * 2 ** attempt, BACKOFF_CAP) * random.uniform(0.5, 1.0))


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
        if error_code(e) != "ResourceInUseException":
            raise
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
