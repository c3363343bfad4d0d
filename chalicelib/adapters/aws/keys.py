"""Every DynamoDB key of the single table, built here and nowhere else.

Access patterns (→ how they are served; no Scan anywhere):

  get unit by USCC                    GetItem  PK=UNIT#<uscc>            SK=UNIT
  get account by username             GetItem  PK=ACCOUNT#<username>     SK=ACCOUNT
  accounts of one division (notify)   Query GSI3 GSI3PK=SCOPE#<division>, GSI3SK=ACCOUNT#<username>
  get filing by id                    GetItem  PK=FILING#<id>            SK=FILING
  annual filing uniqueness (uscc,y)   marker   PK=UNIT#<uscc>            SK=ANNUAL#<year>, put with
                                      attribute_not_exists in the filing's create transaction
  unit's filings                      Query GSI3 GSI3PK=UNIT#<uscc> (a handful per unit; the store sorts)
  queue of authority X by status      Query GSI1 GSI1PK=AUTH#<code>#<status>, GSI1SK=<queue order>;
                                      no status: the four status partitions merged; year: filter
  all filings (province view)         Query GSI2 GSI2PK=FILING#<status>, GSI2SK=<queue order>; same merge.
                                      Four constant partitions: fine for a province's write rate (filings
                                      change a few times a year each); shard the key if that ever changes.
  counters                            UpdateItem ADD  PK=COUNTER#<name>  SK=COUNTER
  rows of an upload, by row number    Query    PK=UPLOAD#<id>  SK BETWEEN ROW#<start> AND ROW#<max>
                                      (row numbers zero-padded, so string order is number order)
  upload by id                        GetItem  PK=UPLOAD#<id>            SK=UPLOAD
  pending outbox messages             Query GSI1 GSI1PK=OUTBOX#PENDING (sparse: only pending messages
                                      carry it), oldest first
  recent messages                     Query GSI2 GSI2PK=MESSAGE, newest first
  audit log newest first              Query GSI2 GSI2PK=AUDIT, newest first (PK=AUDIT#<id>, append-only)

Three GSIs because a filing is listed three ways at once (its authority's queue, the province, its
unit) and an item has one partition key per index. Roles: GSI1 = work queues (an authority's
filings, the outbox), GSI2 = province-wide listings (filings, messages, audit), GSI3 = a unit's own
items. All are sparse: an item carries only the keys it is listed by. MESSAGE and AUDIT are single
partitions, like FILING#<status>: ample for a province's write rate; shard by month if it grows.
The queue order is the embedded store's: oldest submission first, never-submitted filings after by
creation, ties by id — one sort-key format on GSI1 and GSI2, so a page token is just "after this key".
"""
from __future__ import annotations

import datetime as dt
import time

from ...domain.filing import Filing, Status
from ...domain.model import AuditEvent, Message

PK, SK = "PK", "SK"
ROW_DIGITS = 10
ROW_MAX = 10 ** ROW_DIGITS - 1

# Index name → (partition attribute, sort attribute). Shared by create_table and the CDK stack.
INDEXES: dict[str, tuple[str, str]] = {
    "GSI1": ("GSI1PK", "GSI1SK"),
    "GSI2": ("GSI2PK", "GSI2SK"),
    "GSI3": ("GSI3PK", "GSI3SK"),
}
STATUSES = tuple(s.value for s in Status)
OUTBOX_PENDING = "OUTBOX#PENDING"
MESSAGES = "MESSAGE"
AUDIT = "AUDIT"


def stamp(t: dt.datetime) -> str:
    """A fixed-width UTC time string, so string order is time order (naive means UTC)."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _key(pk: str, sk: str) -> dict[str, str]:
    return {PK: pk, SK: sk}


# units, accounts, counters
def unit(uscc: str) -> dict[str, str]:
    return _key(f"UNIT#{uscc}", "UNIT")


def account(username: str) -> dict[str, str]:
    return _key(f"ACCOUNT#{username}", "ACCOUNT")


def account_item(a) -> dict[str, str]:
    """An account, listed under its division so an authority's reviewers can be notified."""
    return {**account(a.username), "GSI3PK": f"SCOPE#{a.scope}", "GSI3SK": f"ACCOUNT#{a.username}"}


def accounts_in_scope(scope: str) -> str:
    return f"SCOPE#{scope}"


def counter(name: str) -> dict[str, str]:
    return _key(f"COUNTER#{name}", "COUNTER")


# filings
def filing(filing_id: str) -> dict[str, str]:
    return _key(f"FILING#{filing_id}", "FILING")


def annual_marker(uscc: str, year: int) -> dict[str, str]:
    return _key(f"UNIT#{uscc}", f"ANNUAL#{year:04d}")


def queue_order(f: Filing) -> str:
    """Oldest submission first; filings never submitted after, by creation; ties by id."""
    if f.submitted_at:
        return f"0#{stamp(f.submitted_at)}#{f.id}"
    return f"1#{stamp(f.created_at)}#{f.id}"


def authority_queue(authority_code: str, status: str) -> str:
    return f"AUTH#{authority_code}#{status}"


def all_filings(status: str) -> str:
    return f"FILING#{status}"


def unit_filings(uscc: str) -> str:
    return f"UNIT#{uscc}"


def filing_item(f: Filing) -> dict[str, str]:
    """The filing's key plus its three listing keys (they move with status and submission)."""
    order = queue_order(f)
    return {**filing(f.id),
            "GSI1PK": authority_queue(f.authority_code, f.status.value), "GSI1SK": order,
            "GSI2PK": all_filings(f.status.value), "GSI2SK": order,
            "GSI3PK": unit_filings(f.uscc), "GSI3SK": f"FILING#{f.year:04d}#{f.id}"}


# uploads and their rows
def upload(upload_id: str) -> dict[str, str]:
    return _key(f"UPLOAD#{upload_id}", "UPLOAD")


def rows_partition(upload_id: str) -> str:
    return f"UPLOAD#{upload_id}"


def row_sk(n: int) -> str:
    if not 0 <= n <= ROW_MAX:
        raise ValueError(f"row number out of range: {n}")
    return f"ROW#{n:0{ROW_DIGITS}d}"


def row(upload_id: str, n: int) -> dict[str, str]:
    return _key(rows_partition(upload_id), row_sk(n))


# outbox and audit
def message(message_id: str) -> dict[str, str]:
    return _key(f"MESSAGE#{message_id}", "MESSAGE")


def message_item(m: Message) -> dict[str, str]:
    """Listed under MESSAGE always, under the outbox only while pending (sparse GSI1)."""
    order = f"{stamp(m.created_at)}#{m.id}"
    item = {**message(m.id), "GSI2PK": MESSAGES, "GSI2SK": order}
    if m.status == "pending":
        item.update(GSI1PK=OUTBOX_PENDING, GSI1SK=order)
    return item


_last_tick = 0


def _tick() -> int:
    """Strictly increasing within the process (wall-clock ns, never repeating or going back)."""
    global _last_tick
    _last_tick = max(_last_tick + 1, time.time_ns())
    return _last_tick


def audit_item(e: AuditEvent) -> dict[str, str]:
    """Newest first by time; events stamped the same instant keep their write order (the tick)."""
    return {**_key(f"AUDIT#{e.id}", "AUDIT"),
            "GSI2PK": AUDIT, "GSI2SK": f"{stamp(e.at)}#{_tick():020d}#{e.id}"}
