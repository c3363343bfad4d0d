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

from ...domain.applications import Application
from ...domain.filing import Filing
from ...domain.model import Account, AuditEvent, Message, Unit, Upload
from ...domain import reminders, stats
from ...ports import AlreadyExists, Page, StaleVersion
from . import keys

BATCH_SIZE = 25  # BatchWriteItem's limit
BATCH_ATTEMPTS = 8
TRANSACTION_LIMIT = 100  # items in one TransactWriteItems
WRITERS = 8  # concurrent BatchWriteItem calls per put (boto3 clients are thread-safe)
TRANSACT_ATTEMPTS = 4
TRANSACT_MAX = 100  # TransactWriteItems' limit


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
        # a dict with "Item" is a Put; anything else is already a whole operation (an Update)
        items = [{"Put": {"TableName": self.table, **p}} if "Item" in p else p for p in puts]
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
        """BatchWriteItem in chunks of 25, several chunks in flight at once (a roster is tens of thousands of
        items; one round trip per 25 would dominate an import), each retrying UnprocessedItems with backoff."""
        chunks = [requests[i:i + BATCH_SIZE] for i in range(0, len(requests), BATCH_SIZE)]
        if len(chunks) <= 1:
            for chunk in chunks:
                self._write_chunk(chunk)
            return
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=min(WRITERS, len(chunks))) as pool:
            for _ in pool.map(self._write_chunk, chunks):  # re-raises the first failure
                pass

    def _write_chunk(self, pending: list[dict]) -> None:
        for attempt in range(BATCH_ATTEMPTS):
            resp = self.client.batch_write_item(RequestItems={self.table: pending})
            pending = resp.get("UnprocessedItems", {}).get(self.table, [])
            if not pending:
                return
            time.sleep(min(self.backoff_seconds * 2 ** attempt, 2.0))
        raise RuntimeError(f"DynamoDB left {len(pending)} writes unprocessed after {BATCH_ATTEMPTS} tries")

    # units and accounts
    def create_unit(self, unit: Unit, filer: Account) -> None:
        try:
            self._transact([
                {"Item": _item(keys.unit_item(unit), unit.model_dump_json()),
                 "ConditionExpression": "attribute_not_exists(PK)"},
                {"Item": self._account_item(filer), "ConditionExpression": "attribute_not_exists(PK)"},
                *(self._owes_put(unit.uscc, y, unit.authority_code)
                  for y in reminders.years_owed_at_registration(unit.registered_at)),
                *self._count(stats.unit_deltas(unit.authority_code,
                                               reminders.years_owed_at_registration(unit.registered_at))),
            ])
        except ClientError as e:
            if "ConditionalCheckFailed" in _cancel_reasons(e):
                raise AlreadyExists(unit.uscc) from None
            raise

    def get_unit(self, uscc: str) -> Unit | None:
        doc = self._get(keys.unit(uscc))
        return Unit.model_validate_json(doc) if doc else None

    @staticmethod
    def _account_item(a: Account) -> dict:
        return _item(keys.account_item(a), a.model_dump_json(), version=a.version)

    def put_account(self, account: Account) -> None:
        self._put(self._account_item(account))

    def get_account(self, username: str) -> Account | None:
        doc = self._get(keys.account(username))
        return Account.model_validate_json(doc) if doc else None

    def list_accounts(self, scope: str) -> list[Account]:
        return [Account.model_validate_json(_doc(i))
                for i in self._query(keys.accounts_in_scope(scope), index="GSI3")]

    # reviewer-side accounts and their applications
    def _account_put(self, account: Account, expected_version: int | None) -> dict:
        """Create-if-absent (expected_version None) or write only at the expected version."""
        if expected_version is None:
            return {"Item": self._account_item(account), "ConditionExpression": "attribute_not_exists(PK)"}
        return {"Item": self._account_item(account), "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": _av({":expected": expected_version})}

    def create_account(self, account: Account, *, audit: AuditEvent) -> None:
        try:
            self._transact([self._account_put(account, None), self._audit_put(audit)])
        except ClientError as e:
            if _cancel_reasons(e)[:1] == ["ConditionalCheckFailed"]:
                raise AlreadyExists(account.username) from None
            raise

    def save_account(self, account: Account, *, expected_version: int, audit: AuditEvent | None = None) -> None:
        try:
            self._transact([self._account_put(account, expected_version), *([self._audit_put(audit)] if audit else [])])
        except ClientError as e:
            if _cancel_reasons(e)[:1] == ["ConditionalCheckFailed"]:
                raise StaleVersion(account.username) from None
            raise

    def accounts_of_person(self, id_number: str) -> list[Account]:
        return [Account.model_validate_json(_doc(i))
                for i in self._query(keys.person_accounts(id_number), index="GSI1")]

    @staticmethod
    def _application_item(a: Application) -> dict:
        return _item(keys.application_item(a), a.model_dump_json(), version=a.version)

    def create_application(self, application: Application, *, audit: AuditEvent) -> None:
        try:
            self._transact([{"Item": self._application_item(application),
                             "ConditionExpression": "attribute_not_exists(PK)"}, self._audit_put(audit)])
        except ClientError as e:
            if _cancel_reasons(e)[:1] == ["ConditionalCheckFailed"]:
                raise AlreadyExists(application.id) from None
            raise

    def get_application(self, application_id: str) -> Application | None:
        doc = self._get(keys.application(application_id))
        return Application.model_validate_json(doc) if doc else None

    def save_application(self, application: Application, *, expected_version: int, audit: AuditEvent,
                         account: Account | None = None, account_version: int | None = None) -> None:
        puts = [{"Item": self._application_item(application), "ConditionExpression": "version = :expected",
                 "ExpressionAttributeValues": _av({":expected": expected_version})}]
        if account is not None:
            puts.append(self._account_put(account, account_version))
        puts.append(self._audit_put(audit))
        try:
            self._transact(puts)
        except ClientError as e:
            reasons = _cancel_reasons(e)
            if reasons[:1] == ["ConditionalCheckFailed"]:
                raise StaleVersion(application.id) from None
            if account is not None and reasons[1:2] == ["ConditionalCheckFailed"]:
                if account_version is None:
                    raise AlreadyExists(account.username) from None
                raise StaleVersion(account.username) from None
            raise

    def list_applications(self, managing_division: str, *, limit: int = 200) -> list[Application]:
        return [Application.model_validate_json(d) for d in
                self._listing("GSI1", keys.division_applications(managing_division), limit, newest_first=True)]

    def list_own_applications(self, applicant: str, *, limit: int = 200) -> list[Application]:
        return [Application.model_validate_json(d) for d in
                self._listing("GSI3", keys.applicant_applications(applicant), limit, newest_first=True)]

    # filings
    @staticmethod
    def _filing_item(f: Filing) -> dict:
        return _item(keys.filing_item(f), f.model_dump_json(), version=f.version, year=f.year, uscc=f.uscc,
                     unit_name=f.unit_name, unit_type=f.unit_type)

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
        message_puts = [{"Item": _item(keys.message_item(m), m.model_dump_json())} for m in messages]
        if filing.kind == "annual":  # the unit leaves / rejoins the year's list of units owing it
            puts.append(self._owes_update(filing))
            # the counters move by the status the stored version had; the version condition above
            # makes this read the one the transaction overwrites
            stored = self.client.get_item(TableName=self.table, Key=_av(keys.filing(filing.id)),
                                          ConsistentRead=True, ProjectionExpression="version, GSI2PK").get("Item")
            if stored and int(stored["version"]["N"]) == expected_version:  # GSI2PK = FILING#<status>
                puts += self._count(stats.filing_deltas(filing, stored["GSI2PK"]["S"].rsplit("#", 1)[1]))
        # A transaction holds at most 100 items: the messages that do not fit (an authority with very many
        # reviewers) are written right after it, only if it succeeded.
        room = max(TRANSACTION_LIMIT - len(puts), 0)
        puts, overflow = puts + message_puts[:room], message_puts[room:]
        try:
            self._transact(puts)
        except ClientError as e:
            reasons = _cancel_reasons(e)
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise StaleVersion(filing.id) from None
            raise
        if overflow:
            self._batch_write([{"PutRequest": put} for put in overflow])

    def list_unit_filings(self, uscc: str) -> list[Filing]:
        filings = [Filing.model_validate_json(_doc(i)) for i in self._query(keys.unit_filings(uscc), index="GSI3")]
        return sorted(filings, key=lambda f: (-f.year, f.kind, keys.queue_order(f)))

    @staticmethod
    def _partitions(authority_codes: list[str] | None, statuses: list[str]) -> list[tuple[str, str]]:
        if authority_codes is None:
            return [("GSI2", keys.all_filings(s)) for s in statuses]
        return [("GSI1", keys.authority_queue(a, s)) for a in authority_codes for s in statuses]

    @staticmethod
    def _filing_filter(year, unit_type, search) -> tuple[str, dict, dict]:
        """A FilterExpression over the filing item's plain attributes (applied within the key's partition)."""
        parts, values, names = [], {}, {}
        if year:
            parts.append("#year = :year")
            values[":year"], names["#year"] = year, "year"
        if unit_type:
            parts.append("unit_type = :unit_type")
            values[":unit_type"] = unit_type
        if search:
            parts.append("(begins_with(uscc, :q) OR contains(unit_name, :q))")
            values[":q"] = search
        return " AND ".join(parts), values, names

    def count_authority_filings(self, authority_codes: list[str] | None, *, year: int | None = None) -> dict[str, int]:
        filter_, values, names = self._filing_filter(year, None, None)
        counts = dict.fromkeys(keys.STATUSES, 0)
        for index, pk in self._partitions(authority_codes, list(keys.STATUSES)):
            status = pk.rsplit("#", 1)[-1]
            counts[status] += sum(1 for _ in self._query(pk, index=index, values=values, filter_=filter_,
                                                         names=names or None, projection="PK"))
        return counts

    def list_authority_filings(self, authority_codes: list[str] | None, *, status: str | None = None,
                               year: int | None = None, unit_type: str | None = None, search: str | None = None,
                               limit: int = 50, page_token: str | None = None) -> Page:
        """Merges the sorted partitions involved (authority × status, or the province-wide status
        partitions); the token is the last returned sort key, valid in every partition alike."""
        partitions = self._partitions(authority_codes, [status] if status else list(keys.STATUSES))
        after = _untoken(page_token) if page_token else None
        want = limit + 1  # one extra tells whether another page exists
        found: list[tuple[str, str]] = []
        filter_, values, names = self._filing_filter(year, unit_type, search)
        for index, pk in partitions:
            sk_attr = keys.INDEXES[index][1]
            items = self._query(
                pk, index=index, sk_condition="#sk > :after" if after else "",
                values={**({":after": after} if after else {}), **values},
                filter_=filter_, names=names or None, page_size=want)
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

    def search_rows(self, upload_id: str, text: str, *, limit: int = 50) -> list[dict]:
        """Filtered within the upload's own partition (a roster is read by one reviewer at a time)."""
        out = []
        for item in self._query(keys.rows_partition(upload_id), sk_condition="begins_with(#sk, :row)",
                                values={":row": "ROW#", ":q": text}, filter_="contains(doc, :q)"):
            row = json.loads(_doc(item))
            if text in (row.get("name") or "") or text in (row.get("id_number") or ""):
                out.append(row)
                if len(out) == limit:
                    break
        return out

    def claim(self, key: str, at) -> None:
        try:
            self._put(_item(keys.claim(key), "{}", at=keys.stamp(at)), condition="attribute_not_exists(PK)")
        except ClientError as e:
            if _error_code(e) == "ConditionalCheckFailedException":
                raise AlreadyExists(key) from None
            raise

    def claimed(self, key: str) -> bool:
        return self._get(keys.claim(key)) is not None

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

    def list_audit(self, limit: int = 100, scopes: list[str] | None = None) -> list[AuditEvent]:
        if scopes is None:
            docs = self._listing("GSI2", keys.AUDIT, limit, newest_first=True)
        else:
            found = []
            for scope in scopes:
                for n, item in enumerate(self._query(keys.audit_of(scope), index="GSI1", forward=False,
                                                     page_size=limit), 1):
                    found.append((item["GSI1SK"]["S"], _doc(item)))
                    if n == limit:
                        break
            docs = [doc for _, doc in sorted(found, reverse=True)[:limit]]
        return [AuditEvent.model_validate_json(d) for d in docs]

    # who still owes an annual filing, and reminders
    def _owes_put(self, uscc: str, year: int, authority_code: str) -> dict:
        return {"Item": _av({**keys.owes(uscc, year), **keys.owing_listing(year, authority_code, uscc),
                             "uscc": uscc, "year": year, "authority_code": authority_code})}

    def _owes_update(self, f: Filing) -> dict:
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
        return {"Update": {"TableName": self.table, "Key": _av(keys.owes(f.uscc, f.year)),
                           "UpdateExpression": expression, "ExpressionAttributeNames": {"#year": "year"},
                           "ExpressionAttributeValues": _av(values)}}

    def units_owing(self, year: int, authority_codes: list[str] | None = None, *, limit: int = 500,
                    page_token: str | None = None) -> Page:
        """Authority partitions are read in code order and their sort keys start with the code, so
        reading them one after another yields the same order as the province-wide partition."""
        after = _untoken(page_token) if page_token else ""
        if authority_codes is None:
            partitions = [("GSI2", keys.owing_all(year))]
        else:
            partitions = [("GSI1", keys.owing_at(year, a)) for a in sorted(set(authority_codes))
                          if a >= after.partition("#")[0]]
        found: list[dict] = []
        for index, pk in partitions:
            for item in self._query(pk, index=index, sk_condition="#sk > :after" if after else "",
                                    values={":after": after} if after else None, page_size=min(limit + 1, 1000)):
                found.append(item)
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
        return Page(items, _token(page[-1][sort_attr]["S"]) if len(found) > limit else None)

    def get_units(self, usccs: Iterable[str]) -> dict[str, Unit]:
        """BatchGetItem, 100 keys a call, retrying UnprocessedKeys."""
        wanted, found = list(dict.fromkeys(usccs)), {}
        for i in range(0, len(wanted), 100):
            request = {self.table: {"Keys": [_av(keys.unit(u)) for u in wanted[i:i + 100]],
                                    "ProjectionExpression": "doc"}}
            for attempt in range(BATCH_ATTEMPTS):
                resp = self.client.batch_get_item(RequestItems=request)
                for item in resp.get("Responses", {}).get(self.table, []):
                    unit = Unit.model_validate_json(_doc(item))
                    found[unit.uscc] = unit
                request = resp.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(min(self.backoff_seconds * 2 ** attempt, 2.0))
            else:
                raise RuntimeError(f"DynamoDB left keys unread after {BATCH_ATTEMPTS} tries")
        return found

    def open_filing_year(self, year: int, at) -> int:
        """Reads the all-units partition once and puts the missing OWES items, 100 conditional puts per
        transaction."""
        marker = _av(keys.year_opened(year))
        if self.client.get_item(TableName=self.table, Key=marker, ConsistentRead=True).get("Item"):
            return 0
        added, chunk = 0, []
        counted = lambda puts: self._count([(year, p["Item"]["authority_code"]["S"], "expected", 1) for p in puts])
        for item in self._query(keys.ALL_UNITS, index="GSI2", projection="doc"):
            unit = json.loads(_doc(item))
            chunk.append({**self._owes_put(unit["uscc"], year, unit["authority_code"]),
                          "ConditionExpression": "attribute_not_exists(PK)"})
            if len(chunk) == TRANSACT_MAX // 2:  # room for the counter updates of the chunk
                added, chunk = added + self._put_absent(chunk, counted), []
        if chunk:
            added += self._put_absent(chunk, counted)
        self._put({**marker, "at": {"S": keys.stamp(at)}})
        return added

    # statistics
    def _count(self, deltas: list[tuple[int, str, str, int]]) -> list[dict]:
        """ADD updates for the counters: one per (year, authority) item, for a transaction."""
        by_item: dict[tuple[int, str], dict[str, int]] = {}
        for year, authority, metric, delta in deltas:
            item = by_item.setdefault((year, authority), {})
            item[metric] = item.get(metric, 0) + delta
        updates = []
        for (year, authority), metrics in by_item.items():
            names = {f"#m{i}": f"n:{m}" for i, m in enumerate(metrics)}
            values = {f":v{i}": d for i, d in enumerate(metrics.values())}
            updates.append({"Update": {
                "TableName": self.table, "Key": _av(keys.stats(year, authority)),
                "UpdateExpression": "SET authority_code = :a ADD " + ", ".join(f"#m{i} :v{i}" for i in range(len(names))),
                "ExpressionAttributeNames": names, "ExpressionAttributeValues": _av({":a": authority, **values})}})
        return updates

    def put_person_records(self, records: list[dict]) -> None:
        self._batch_write([{"PutRequest": {"Item": _item(
            keys.person_record(r["id_number"], r["filing_id"], r["table"], r["n"]), json.dumps(r, ensure_ascii=False))}}
            for r in records])

    def person_records(self, id_number: str, *, limit: int = 200) -> list[dict]:
        out = []
        for item in self._query(keys.person_partition(id_number), page_size=min(limit, 1000)):
            out.append(json.loads(_doc(item)))
            if len(out) == limit:
                break
        return out

    def stats(self, year: int, authority_codes: list[str] | None = None) -> dict[str, dict[str, int]]:
        wanted = None if authority_codes is None else set(authority_codes)
        out = {}
        for item in self._query(keys.stats_partition(year)):
            authority = item["authority_code"]["S"]
            if wanted is None or authority in wanted:
                out[authority] = {k[2:]: int(v["N"]) for k, v in item.items()
                                  if k.startswith("n:") and v["N"] != "0"}
        return out

    def _put_absent(self, puts: list[dict], extra=lambda puts: []) -> int:
        """The conditional puts as one transaction, with the operations extra(puts); where some item
        already exists, the transaction is cancelled with a reason per item, and it is retried without those."""
        while puts:
            try:
                self._transact(puts + extra(puts))
                return len(puts)
            except ClientError as e:
                reasons = _cancel_reasons(e)[:len(puts)]
                if "ConditionalCheckFailed" not in reasons or len(reasons) != len(puts):
                    raise
                puts = [p for p, reason in zip(puts, reasons) if reason != "ConditionalCheckFailed"]
        return 0

    def _claim(self, claim_put: dict, messages: Iterable[Message], *extra: dict) -> bool:
        ops = [claim_put, *extra, *({"Item": _item(keys.message_item(m), m.model_dump_json())} for m in messages)]
        try:
            self._transact(ops)
            return True
        except ClientError as e:
            if "ConditionalCheckFailed" in _cancel_reasons(e):
                return False
            raise

    def claim_reminder(self, uscc: str, year: int, step: str, at, messages: Iterable[Message]) -> bool:
        stamp = keys.stamp(at)
        history = {"Update": {
            "TableName": self.table, "Key": _av(keys.owes(uscc, year)),
            "UpdateExpression": "SET reminders = list_append(if_not_exists(reminders, :none), :sent)",
            "ConditionExpression": f"attribute_exists({keys.OWING_FLAG})",  # filed meanwhile: no reminder
            "ExpressionAttributeValues": {":none": {"L": []}, ":sent": {"L": [{"S": f"{step}|{stamp}"}]}}}}
        return self._claim({"Item": _av({**keys.reminder_claim(uscc, year, step), "at": stamp}),
                            "ConditionExpression": "attribute_not_exists(PK)"}, messages, history)

    def claim_notice(self, key: str, at, messages: Iterable[Message]) -> bool:
        return self._claim({"Item": _av({**keys.notice(key), "at": keys.stamp(at)}),
                            "ConditionExpression": "attribute_not_exists(PK)"}, messages)


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
