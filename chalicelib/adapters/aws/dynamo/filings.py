"""Filings, the uploads whose rows they count, and the named sequences, on DynamoDB.

A filing, its audit event and its outbox messages go in one TransactWriteItems. Reads by key are
strongly consistent; listings come from GSIs (eventually consistent on AWS).
"""
from __future__ import annotations

from collections.abc import Iterable

from botocore.exceptions import ClientError

from ....domain import stats
from ....domain.filing import Filing, Status
from ....domain.model import AuditEvent, Job, Message, Upload
from ....ports import AlreadyExists, FilingStore, Page, StaleVersion
from .. import keys
from .base import TRANSACTION_LIMIT, DynamoBase, Op, absent, at_version, av, cancel_reasons, doc_of, item, token, untoken
from .jobs import job_put
from .outbox import audit_put, message_put
from .owing import count_updates, owes_reopened, owes_update


def filing_item(f: Filing) -> dict[str, dict[str, str]]:
    return item(keys.filing_item(f), f.model_dump_json(), version=f.version, year=f.year, uscc=f.uscc,
                unit_name=f.unit_name, unit_type=f.unit_type, kind=f.kind)


def _partitions(authority_codes: list[str] | None, statuses: list[str]) -> list[tuple[str, str]]:
    if authority_codes is None:
        return [("GSI2", keys.all_filings(s)) for s in statuses]
    return [("GSI1", keys.authority_queue(a, s)) for a in authority_codes for s in statuses]


def _filing_filter(year: int | None, unit_type: str | None, search: str | None,
                   kind: str | None = None) -> tuple[str, dict[str, str | int], dict[str, str]]:
    """A FilterExpression over the filing item's plain attributes (applied within the key's partition)."""
    parts: list[str] = []
    values: dict[str, str | int] = {}
    names: dict[str, str] = {}
    if year:
        parts.append("#year = :year")
        values[":year"], names["#year"] = year, "year"
    if unit_type:
        parts.append("unit_type = :unit_type")
        values[":unit_type"] = unit_type
    if kind:
        parts.append("#kind = :kind")
        values[":kind"], names["#kind"] = kind, "kind"
    if search:
        parts.append("(begins_with(uscc, :q) OR contains(unit_name, :q))")
        values[":q"] = search
    return " AND ".join(parts), values, names


class DynamoFilings(DynamoBase, FilingStore):
    def create_filing(self, filing: Filing, *, audit: AuditEvent, together: Iterable[tuple[Filing, int]] = ()) -> None:
        puts = [absent(filing_item(filing))]
        if filing.kind == "annual":
            puts.append(absent(av({**keys.annual_marker(filing.uscc, filing.year), "filing_id": filing.id})))
        puts.append(audit_put(audit))
        try:
            self._transact(puts + self._filing_writes(together))
        except ClientError as e:
            reasons = cancel_reasons(e)
            if "ConditionalCheckFailed" in reasons[:len(puts)]:
                raise AlreadyExists(f"{filing.uscc}/{filing.year}") from None
            if "ConditionalCheckFailed" in reasons:
                raise StaleVersion(filing.id) from None
            raise

    def _filing_write(self, filing: Filing, expected_version: int) -> tuple[list[Op], list[tuple[int, str, str, int]]]:
        """The puts writing `filing` at `expected_version` (the owing index with an annual filing), and the
        counters it moves."""
        puts = [at_version(filing_item(filing), expected_version)]
        if filing.status == Status.SUBMITTED and filing.receipt_no:  # just given (submit): the public verification
            # finds the filing by it (docs/rules.md §14); later saves move the status on and leave the pointer be
            puts.append({"Item": av({**keys.receipt(filing.receipt_no), "filing_id": filing.id})})
        if filing.kind == "annual":  # the unit leaves / rejoins the year's list of units owing it
            year = self.client.get_item(TableName=self.table, Key=av(keys.owes(filing.uscc, filing.year)),
                                        ConsistentRead=True, ProjectionExpression="excused").get("Item") or {}
            puts.append(owes_update(self.table, filing, excused="excused" in year))
        if not filing.annual:  # interim filings move no counters
            return puts, []
        # the counters move by the stored version; the version condition makes this read the one the
        # transaction overwrites
        stored = self.client.get_item(TableName=self.table, Key=av(keys.filing(filing.id)),
                                      ConsistentRead=True, ProjectionExpression="version, doc").get("Item")
        deltas = []
        if stored and int(stored["version"]["N"]) == expected_version:
            deltas = stats.filing_deltas(filing, Filing.model_validate_json(doc_of(stored)))
        return puts, deltas

    def _filing_writes(self, writes: Iterable[tuple[Filing, int]]) -> list[Op]:
        """The puts of several filings written together, each at its expected version, and the counters."""
        puts: list[Op] = []
        deltas: list[tuple[int, str, str, int]] = []
        for filing, version in writes:
            filing_puts, filing_deltas = self._filing_write(filing, version)
            puts += filing_puts
            deltas += filing_deltas
        return puts + count_updates(self.table, deltas)

    def delete_filing(self, filing: Filing, *, expected_version: int, audit: AuditEvent,
                      together: Iterable[tuple[Filing, int]] = ()) -> None:
        ops: list[Op] = [{"Delete": {"TableName": self.table, "Key": av(keys.filing(filing.id)),
                                     "ConditionExpression": "version = :expected",
                                     "ExpressionAttributeValues": av({":expected": expected_version})}}]
        if filing.kind == "annual":
            ops.append({"Delete": {"TableName": self.table, "Key": av(keys.annual_marker(filing.uscc, filing.year))}})
            year = self.client.get_item(TableName=self.table, Key=av(keys.owes(filing.uscc, filing.year)),
                                        ConsistentRead=True, ProjectionExpression="PK, excused").get("Item")
            if year and "excused" not in year:  # an excused year (domain/unit_life.py) stays off the list
                ops.append(owes_reopened(self.table, filing))
        try:
            self._transact([*ops, audit_put(audit), *self._filing_writes(together)])
        except ClientError as e:
            if "ConditionalCheckFailed" in cancel_reasons(e):
                raise StaleVersion(filing.id) from None
            raise

    def get_filing(self, filing_id: str) -> Filing | None:
        return self._load(Filing, keys.filing(filing_id))

    def filing_of_receipt(self, receipt_no: str) -> Filing | None:
        pointer = self.client.get_item(TableName=self.table, Key=av(keys.receipt(receipt_no)),
                                       ConsistentRead=True).get("Item")
        filing = self.get_filing(pointer["filing_id"]["S"]) if pointer else None
        return filing if filing is not None and filing.receipt_no == receipt_no else None

    def save_filing(self, filing: Filing, *, expected_version: int, audit: AuditEvent | None = None,
                    messages: Iterable[Message] = (), jobs: Iterable[Job] = (),
                    together: Iterable[tuple[Filing, int]] = ()) -> None:
        puts = self._filing_writes([(filing, expected_version), *together])
        if audit:
            puts.append(audit_put(audit))
        puts += [job_put(j) for j in jobs]
        message_puts = [message_put(m) for m in messages]
        # A transaction holds at most 100 items: the messages that do not fit (an authority with very many
        # reviewers) are written right after it, only if it succeeded.
        room = max(TRANSACTION_LIMIT - len(puts), 0)
        puts, overflow = puts + message_puts[:room], message_puts[room:]
        try:
            self._transact(puts)
        except ClientError as e:
            if "ConditionalCheckFailed" in cancel_reasons(e):  # the filing's version, or its year's excuse
                raise StaleVersion(filing.id) from None
            raise
        if overflow:
            self._batch_write([{"PutRequest": put} for put in overflow])

    def list_unit_filings(self, uscc: str) -> list[Filing]:
        filings = [Filing.model_validate_json(doc_of(i)) for i in self._query(keys.unit_filings(uscc), index="GSI3")]
        return sorted(filings, key=lambda f: (-f.year, f.kind, keys.queue_order(f)))

    def count_authority_filings(self, authority_codes: list[str] | None, *, year: int | None = None) -> dict[str, int]:
        filter_, values, names = _filing_filter(year, None, None)
        counts = dict.fromkeys(keys.STATUSES, 0)
        for index, pk in _partitions(authority_codes, list(keys.STATUSES)):
            status = pk.rsplit("#", 1)[-1]
            counts[status] += sum(1 for _ in self._query(pk, index=index, values=values, filter_=filter_,
                                                         names=names or None, projection="PK"))
        return counts

    def list_authority_filings(self, authority_codes: list[str] | None, *, status: str | None = None,
                               year: int | None = None, unit_type: str | None = None, search: str | None = None,
                               kind: str | None = None, limit: int = 50, page_token: str | None = None) -> Page[Filing]:
        """Merges the sorted partitions involved (authority × status, or the province-wide status
        partitions); the token is the last returned sort key, valid in every partition alike."""
        partitions = _partitions(authority_codes, [status] if status else list(keys.STATUSES))
        after = untoken(page_token) if page_token else None
        want = limit + 1  # one extra tells whether another page exists
        found: list[tuple[str, str]] = []
        filter_, values, names = _filing_filter(year, unit_type, search, kind)
        for index, pk in partitions:
            sk_attr = keys.INDEXES[index][1]
            listed = self._query(
                pk, index=index, sk_condition="#sk > :after" if after else "",
                values={**({":after": after} if after else {}), **values},
                filter_=filter_, names=names or None, page_size=want)
            for n, i in enumerate(listed, 1):
                found.append((i[sk_attr]["S"], doc_of(i)))
                if n == want:
                    break
        found.sort()
        page = found[:limit]
        next_token = token(page[-1][0]) if len(found) > limit and page else None
        return Page([Filing.model_validate_json(doc) for _, doc in page], next_token)

    def next_sequence(self, name: str, by: int = 1) -> int:
        resp = self.client.update_item(
            TableName=self.table, Key=av(keys.counter(name)), UpdateExpression="ADD #value :by",
            ExpressionAttributeNames={"#value": "value"}, ExpressionAttributeValues=av({":by": by}),
            ReturnValues="UPDATED_NEW")
        return int(resp["Attributes"]["value"]["N"])

    # uploads
    def put_upload(self, upload: Upload) -> None:
        self._put(item(keys.upload_item(upload), upload.model_dump_json()))

    def get_upload(self, upload_id: str) -> Upload | None:
        return self._load(Upload, keys.upload(upload_id))

    def list_uploads(self, filing_id: str) -> list[Upload]:
        return [Upload.model_validate_json(doc_of(i)) for i in self._query(keys.filing_uploads(filing_id), index="GSI3")]

    def delete_upload(self, upload_id: str) -> None:
        self.client.delete_item(TableName=self.table, Key=av(keys.upload(upload_id)))
