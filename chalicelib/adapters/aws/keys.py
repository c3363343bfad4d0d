"""Every DynamoDB key of the single table, built here and nowhere else.

Access patterns (→ how they are served; no Scan anywhere):

  get unit by USCC                    GetItem  PK=UNIT#<uscc>            SK=UNIT
  get account by username             GetItem  PK=ACCOUNT#<username>     SK=ACCOUNT
  accounts of one division (notify)   Query GSI3 GSI3PK=SCOPE#<division>, GSI3SK=ACCOUNT#<username>
  accounts of one person (duties)     Query GSI1 GSI1PK=PERSON#<id number>, GSI1SK=ACCOUNT#<username> (sparse:
                                      reviewer-side accounts with an ID number)
  account change (conditional)        Put    PK=ACCOUNT#<username> with version = :expected (a `version` attr)
  application by id                   GetItem  PK=APPLICATION#<id>       SK=APPLICATION (`version` attr)
  applications a division handles     Query GSI1 GSI1PK=APPS#<managing division>, GSI1SK=<applied at>#<id>,
                                      newest first
  applications one account submitted  Query GSI3 GSI3PK=APPLICANT#<username>, GSI3SK=<applied at>#<id>
  transfer by id (变更审核机关)         GetItem  PK=TRANSFER#<id>          SK=TRANSFER (`version` attr)
  transfers to / from an authority    Query GSI1 GSI1PK=TRANSFERS_TO#<code> / GSI2 GSI2PK=TRANSFERS_FROM#<code>,
                                      SK=<asked at>#<id>, newest first
  a unit's transfers                  Query GSI3 GSI3PK=TRANSFERS#<uscc>, SK=<asked at>#<id>
  one open transfer per unit          marker   PK=UNIT#<uscc>            SK=TRANSFER_OPEN, put with
                                      attribute_not_exists with the request, deleted when it is decided
  get filing by id                    GetItem  PK=FILING#<id>            SK=FILING
  annual filing uniqueness (uscc,y)   marker   PK=UNIT#<uscc>            SK=ANNUAL#<year>, put with
                                      attribute_not_exists in the filing's create transaction
  filing by 回执号 (verification)      GetItem  PK=RECEIPT#<回执号>        SK=RECEIPT → filing_id, put in the
                                      submit's transaction; the filing is then read and must still hold
                                      that 回执号 (a withdrawn or resubmitted one does not)
  unit's filings                      Query GSI3 GSI3PK=UNIT#<uscc> (a handful per unit; the store sorts)
  queue of authority X by status      Query GSI1 GSI1PK=AUTH#<code>#<status>, GSI1SK=<queue order>;
                                      no status: the four status partitions merged; year: filter
  all filings (province view)         Query GSI2 GSI2PK=FILING#<status>, GSI2SK=<queue order>; same merge.
                                      Four constant partitions: fine for a province's write rate (filings
                                      change a few times a year each); shard the key if that ever changes.
  counters                            UpdateItem ADD  PK=COUNTER#<name>  SK=COUNTER (receipt numbers, submits
                                      per filing and hour, messages per channel, recipient and day)
  all units (once a year: open year Y) Query GSI2 GSI2PK=UNIT, GSI2SK=<uscc> (every unit item carries it)
  units asking to be closed           Query GSI1 GSI1PK=CLOSURE_REQUESTS, GSI1SK=<requested at>#<uscc> (sparse:
                                      only while the request is pending; the store filters by authority)
  a unit's years (its life changes)   Query PK=UNIT#<uscc>, SK begins_with OWES# (consistent), then one
                                      transaction with the unit at its `version` and the OWES items it changes
  units owing year Y, per authority   Query GSI1 GSI1PK=OWES#<year>#<authority>, GSI1SK=<authority>#<uscc>
  units owing year Y, province-wide   Query GSI2 GSI2PK=OWES#<year>, GSI2SK=<authority>#<uscc>
                                      Both on the item PK=UNIT#<uscc> SK=OWES#<year>, sparse: it carries the
                                      four listing keys only while the unit has not filed Y (create_unit and
                                      the yearly opening put it; save_filing of an annual filing removes or
                                      restores them in the filing's transaction). It also holds the history
                                      of reminders sent (list `reminders`), and `excused` while the unit's
                                      life excuses the year (founded later, closed: domain/unit_life.py),
                                      then without listing keys whatever its filings. The daily job reads these
                                      partitions, so its cost follows the units that still owe, not all units.
  enforcement record (unit, year)      GetItem PK=UNIT#<uscc> SK=ENFORCE#<year> (`version` attr; conditional Put
                                      in one transaction with its audit event and outbox messages); a page's
                                      records: BatchGetItem of those keys
  enforcement records of year Y at a stage, per authority
                                      Query GSI1 GSI1PK=ENFORCE#<year>#<stage>#<authority>, GSI1SK=<authority>#<uscc>
  the same province-wide              Query GSI2 GSI2PK=ENFORCE#<year>#<stage>, GSI2SK=<authority>#<uscc>
                                      (the OWES listing's layout: one sort key format, so a page token is
                                      "after <authority>#<uscc>" in either; the keys move with the stage)
  review desk of a filing              GetItem PK=DESK#<filing id> SK=DESK (`version` attr; conditional Put in one
                                      transaction with its audit event); a queue page's: BatchGetItem
  填报助手 conversation by id         GetItem  PK=CHAT#<id>              SK=CHAT (`version` attr; conditional Put,
                                      the first with its audit event; `expires` holds the epoch second it
                                      expires, for a table TTL on that attribute; the service ignores an
                                      expired one either way)
  filing year opened (once)           GetItem  PK=YEAR#<year>            SK=OPENED
  person records by ID number        Query    PK=IDNO#<id number>  SK=<filing id>#<table>#<row>: one item per
                                      表二/表三 row of an approved filing (BatchWriteItem after approval)
  statistics counters of year Y       Query    PK=STATS#<year> (one item per authority, SK=AUTH#<code>, an
                                      attribute per metric, moved by ADD in the writes' transactions;
                                      year 0: all-time `registered`). ~130 items per year: one Query.
  one reminder per unit, year, step   conditional Put PK=UNIT#<uscc> SK=REMINDER#<year>#<step>, in one
                                      transaction with the OWES item's history and the outbox messages
  once-only notices (reviewer digest) conditional Put PK=NOTICE#<key>    SK=NOTICE, with its messages
  single-use markers (action links)   conditional Put PK=CLAIM#<key>     SK=CLAIM (also the first review
                                      request of a filing per recipient and window)
  rows of an upload, by row number    packed ROWS_PER_ITEM rows to an item, the items dealt round-robin over
                                      ROW_SHARDS partitions (see "Rows of an upload" below):
                                      item c (rows c*K … c*K+K-1) is PK=UPLOAD#<id>#ROWS#<c mod N>
                                      SK=ITEM#<c> (zero-padded); a page of rows: BatchGetItem of the
                                      items it covers (keys computed, no Query); all rows in order: one
                                      Query per shard, merged by SK; delete: the same Queries (keys only)
  upload by id                        GetItem  PK=UPLOAD#<id>            SK=UPLOAD
  uploads of a filing (draft deleted) Query GSI3 GSI3PK=UPLOADS#<filing id>, GSI3SK=UPLOAD#<id>
  jobs idle since T (recovery sweep)  Query GSI1 GSI1PK=JOBS, GSI1SK < <T>, longest idle first. The item
                                      PK=JOB#<kind>:<target> SK=JOB exists only while the job is unfinished;
                                      GSI1SK=<heartbeat>#<job id>, moved by each renewal of its lease (an
                                      UpdateItem conditional on the holder), so the sweep reads idle jobs only
  WeChat binding by openid            GetItem  PK=WECHAT#<openid>        SK=WECHAT (`version` attr; conditional
                                      Put or Delete in one transaction with its audit event)
  an account's WeChat bindings        Query GSI3 GSI3PK=WECHAT_OF#<username>, GSI3SK=<openid>
  WeChat bindings of a mobile         Query GSI1 GSI1PK=WECHAT_MOBILE#<digest of the mobile>, GSI1SK=<openid>
                                      (the outbox: may an SMS go as a subscribe message; then read by openid)
  pending outbox messages             Query GSI1 GSI1PK=OUTBOX#PENDING (sparse: only pending messages
                                      carry it), oldest first
  recent messages                     Query GSI2 GSI2PK=MESSAGE, newest first
  audit log newest first              Query GSI2 GSI2PK=AUDIT, newest first (PK=AUDIT#<id>, append-only)
  audit log of some divisions         Query GSI1 GSI1PK=AUDIT#<division> per division, merged newest first

Three GSIs because a filing is listed three ways at once (its authority's queue, the province, its
unit) and an item has one partition key per index. Roles: GSI1 = work queues (an authority's
filings, the outbox), GSI2 = province-wide listings (filings, messages, audit), GSI3 = a unit's own
items. All are sparse: an item carries only the keys it is listed by. MESSAGE and AUDIT are single
partitions, like FILING#<status>: ample for a province's write rate; shard by month if it grows.
The queue order is the embedded store's: oldest submission first, never-submitted filings after by
creation, ties by id — one sort-key format on GSI1 and GSI2, so a page token is just "after this key".

Rows of an upload. A roster has up to 500,000 rows, and one partition takes about 1,000 write units a
second: one item per row under one key (the first layout) needed 100 s for 100,000 rows and 500 s for
500,000, past the import function's 300 s. Two measures, each enough on its own for the largest roster:
  - packing: ROWS_PER_ITEM consecutive rows are one item, their JSON ([[n, row], …]) zlib-compressed in
    the binary attribute `rows`. A row is ~0.5 KB of JSON, so one item per row costs a whole write unit
    (1 KB) per row; 100 rows packed and compressed cost a few units (the field names and code values
    repeat). Fewer items also means fewer requests and fewer units read by a page, a search or a diff.
  - sharding: item c lives in partition c mod ROW_SHARDS. Each item is a contiguous run of rows, so a
    page (offset, limit) knows exactly which items, and so which keys, it needs (a BatchGetItem, no
    merge), and every import batch of 1,000 rows (ten items) lands on ten different partitions, so
    the import's one-batch-at-a-time writer spreads its load without keeping batches in flight.
    Reading everything in order is one Query per shard merged by item number (each shard's items come
    back in order); a whole-roster read touches few items, so the merge is cheap.
Rejected: shard = row // (a large run) keeps each import batch on one partition (the writer would have to
write several batches at once to spread it); shard = row mod N makes every page a merge of N Queries, and
one item per row keeps the 1-unit-per-row cost. bench/dynamo_partitions.py prints the model (requests,
items and write units per partition key, the minimum time) for 100,000 and 500,000 rows.
ROWS_PER_ITEM divides the import's batch of 1,000, so an import writes whole items only, except the
roster's last one (read first and merged: put_rows keeps the rows already stored in an item it only
partly covers; one writer per upload, the import, so the read-merge-write does not race). Both numbers
are fixed for stored data: changing them needs the stored rows rewritten. Rows stored under the first
layout (one item per row under PK=UPLOAD#<id>) are not read: the system had not been deployed, so no
such rows exist.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import time

from ...domain import notifications
from ...domain.filing import Filing, Status
from ...domain.model import AuditEvent, Message

PK, SK = "PK", "SK"
ROW_DIGITS = 10
ROW_MAX = 10 ** ROW_DIGITS - 1
ROWS_PER_ITEM = 100  # rows packed into one item (divides the import's batch of 1,000)
ROW_SHARDS = 10  # partitions the items of one upload are dealt over

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
ALL_UNITS = "UNIT"
CLOSURE_REQUESTS = "CLOSURE_REQUESTS"
JOBS = "JOBS"
OWING_FLAG = "GSI2PK"  # an OWES item has it exactly while the unit still owes the year


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


def unit_item(u) -> dict[str, str]:
    """A unit, also listed in the all-units partition (read once a year to open a filing year), and while its
    closure request waits for its authority, in the closure-request partition (few at any time)."""
    item = {**unit(u.uscc), "GSI2PK": ALL_UNITS, "GSI2SK": u.uscc}
    request = getattr(u, "closure_request", None)
    if request is not None and request.status == "pending":
        item.update(GSI1PK=CLOSURE_REQUESTS, GSI1SK=f"{stamp(request.requested_at)}#{u.uscc}")
    return item


def account(username: str) -> dict[str, str]:
    return _key(f"ACCOUNT#{username}", "ACCOUNT")


def account_item(a) -> dict[str, str]:
    """An account, listed under its division so an authority's reviewers can be notified, and under its
    holder's ID number (reviewer-side accounts) for the separation-of-duties check."""
    item = {**account(a.username), "GSI3PK": f"SCOPE#{a.scope}", "GSI3SK": f"ACCOUNT#{a.username}"}
    if getattr(a, "id_number", None):
        item.update(GSI1PK=person_accounts(a.id_number), GSI1SK=f"ACCOUNT#{a.username}")
    return item


def person_accounts(id_number: str) -> str:
    return f"PERSON#{id_number}"


# account applications (附件2)
def application(application_id: str) -> dict[str, str]:
    return _key(f"APPLICATION#{application_id}", "APPLICATION")


def division_applications(managing_division: str) -> str:
    return f"APPS#{managing_division}"


def applicant_applications(username: str) -> str:
    return f"APPLICANT#{username}"


def application_item(a) -> dict[str, str]:
    order = f"{stamp(a.applied_at)}#{a.id}"
    return {**application(a.id), "GSI1PK": division_applications(a.managing_division), "GSI1SK": order,
            "GSI3PK": applicant_applications(a.applicant), "GSI3SK": order}


def accounts_in_scope(scope: str) -> str:
    return f"SCOPE#{scope}"


def claim(key: str) -> dict[str, str]:
    return _key(f"CLAIM#{key}", "CLAIM")


def wechat_binding(openid: str) -> dict[str, str]:
    return _key(f"WECHAT#{openid}", "WECHAT")


def wechat_of(username: str) -> str:
    return f"WECHAT_OF#{username}"


def wechat_mobile(mobile: str) -> str:
    """A digest, as the outbox's counter keys: keys do not spell out mobile numbers."""
    return f"WECHAT_MOBILE#{hashlib.sha256(mobile.encode()).hexdigest()[:24]}"


def wechat_binding_item(b) -> dict[str, str]:
    item = {**wechat_binding(b.openid), "GSI3PK": wechat_of(b.username), "GSI3SK": b.openid}
    if b.mobile:
        item.update(GSI1PK=wechat_mobile(b.mobile), GSI1SK=b.openid)
    return item


def verification_code(key: str) -> dict[str, str]:
    """The latest SMS code of one purpose and mobile (domain/verification.py)."""
    return _key(f"CODE#{key}", "CODE")


def sign_in_guard(key: str) -> dict[str, str]:
    return _key(f"SIGNIN#{key}", "SIGNIN")


def counter(name: str) -> dict[str, str]:
    return _key(f"COUNTER#{name}", "COUNTER")


# filings
def filing(filing_id: str) -> dict[str, str]:
    return _key(f"FILING#{filing_id}", "FILING")


def receipt(receipt_no: str) -> dict[str, str]:
    return _key(f"RECEIPT#{receipt_no}", "RECEIPT")


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


# transfers between authorities
def transfer(transfer_id: str) -> dict[str, str]:
    return _key(f"TRANSFER#{transfer_id}", "TRANSFER")


def transfers_to(authority_code: str) -> str:
    return f"TRANSFERS_TO#{authority_code}"


def transfers_from(authority_code: str) -> str:
    return f"TRANSFERS_FROM#{authority_code}"


def unit_transfers(uscc: str) -> str:
    return f"TRANSFERS#{uscc}"


def transfer_item(t) -> dict[str, str]:
    """A transfer, listed under the receiving authority, the authority it leaves and the unit."""
    order = f"{stamp(t.asked_at)}#{t.id}"
    return {**transfer(t.id), "GSI1PK": transfers_to(t.to_code), "GSI1SK": order,
            "GSI2PK": transfers_from(t.from_code), "GSI2SK": order, "GSI3PK": unit_transfers(t.uscc), "GSI3SK": order}


def open_transfer(uscc: str) -> dict[str, str]:
    return _key(f"UNIT#{uscc}", "TRANSFER_OPEN")


# uploads and their rows
def upload(upload_id: str) -> dict[str, str]:
    return _key(f"UPLOAD#{upload_id}", "UPLOAD")


def upload_item(u) -> dict[str, str]:
    """The upload's key plus its filing's listing key (a deleted draft takes its uploads along)."""
    return {**upload(u.id), "GSI3PK": filing_uploads(u.filing_id), "GSI3SK": f"UPLOAD#{u.id}"}


def filing_uploads(filing_id: str) -> str:
    return f"UPLOADS#{filing_id}"


def row_item_of(n: int, per_item: int = ROWS_PER_ITEM) -> int:
    """The number of the item that holds row `n`."""
    if not 0 <= n <= ROW_MAX:
        raise ValueError(f"row number out of range: {n}")
    return n // per_item


def rows_partition(upload_id: str, shard: int) -> str:
    return f"UPLOAD#{upload_id}#ROWS#{shard:02d}"


def row_item_sk(c: int) -> str:
    return f"ITEM#{c:0{ROW_DIGITS}d}"  # zero-padded: string order is number order


def row_item(upload_id: str, c: int, shards: int = ROW_SHARDS) -> dict[str, str]:
    """The key of item `c` of an upload's rows: dealt round-robin over `shards` partitions."""
    return _key(rows_partition(upload_id, c % shards), row_item_sk(c))


# outbox and audit
def message(message_id: str) -> dict[str, str]:
    return _key(f"MESSAGE#{message_id}", "MESSAGE")


def message_item(m: Message) -> dict[str, str]:
    """Listed under MESSAGE always, under the outbox only while pending (sparse GSI1)."""
    order = f"{stamp(m.created_at)}#{m.id}"
    item = {**message(m.id), "GSI2PK": MESSAGES, "GSI2SK": order}
    if m.status == "pending":  # the bulk lane (domain/notifications.py) after the priority lane: "~" sorts last
        item.update(GSI1PK=OUTBOX_PENDING, GSI1SK=f"~{order}" if notifications.is_bulk(m) else order)
    return item


_last_tick = 0


def _tick() -> int:
    """Strictly increasing within the process (wall-clock ns, never repeating or going back)."""
    global _last_tick
    _last_tick = max(_last_tick + 1, time.time_ns())
    return _last_tick


def audit_item(e: AuditEvent) -> dict[str, str]:
    """Newest first by time; events stamped the same instant keep their write order (the tick)."""
    order = f"{stamp(e.at)}#{_tick():020d}#{e.id}"
    item = {**_key(f"AUDIT#{e.id}", "AUDIT"), "GSI2PK": AUDIT, "GSI2SK": order}
    if e.scope:  # also listed under its division, for that division's auditors
        item.update(GSI1PK=audit_of(e.scope), GSI1SK=order)
    return item


def audit_of(scope: str) -> str:
    return f"AUDIT#{scope}"


def unstamp(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)


# who still owes an annual filing (sparse listing), reminders, once-only notices
OWES_PREFIX = "OWES#"  # a unit's OWES items: its partition, sort keys beginning so


def owes(uscc: str, year: int) -> dict[str, str]:
    return _key(f"UNIT#{uscc}", f"{OWES_PREFIX}{year:04d}")


def owing_at(year: int, authority_code: str) -> str:
    return f"OWES#{year:04d}#{authority_code}"


def owing_all(year: int) -> str:
    return f"OWES#{year:04d}"


def owing_listing(year: int, authority_code: str, uscc: str) -> dict[str, str]:
    """The listing keys an OWES item carries while the unit owes the year (removed once it has filed).
    One sort key format in both indexes, so a page token is "after <authority>#<uscc>" in either."""
    order = f"{authority_code}#{uscc}"
    return {"GSI1PK": owing_at(year, authority_code), "GSI1SK": order, "GSI2PK": owing_all(year), "GSI2SK": order}


def conversation(conversation_id: str) -> dict[str, str]:
    return _key(f"CHAT#{conversation_id}", "CHAT")


def desk(filing_id: str) -> dict[str, str]:
    return _key(f"DESK#{filing_id}", "DESK")


def enforcement(uscc: str, year: int) -> dict[str, str]:
    return _key(f"UNIT#{uscc}", f"ENFORCE#{year:04d}")


def enforcement_at(year: int, stage: str, authority_code: str) -> str:
    return f"ENFORCE#{year:04d}#{stage}#{authority_code}"


def enforcement_all(year: int, stage: str) -> str:
    return f"ENFORCE#{year:04d}#{stage}"


def enforcement_item(e) -> dict[str, str]:
    """A unit's record for a year, listed under its year and stage (per authority and province-wide)."""
    order = f"{e.authority_code}#{e.uscc}"
    return {**enforcement(e.uscc, e.year), "GSI1PK": enforcement_at(e.year, e.stage.value, e.authority_code),
            "GSI1SK": order, "GSI2PK": enforcement_all(e.year, e.stage.value), "GSI2SK": order}


def person_record(id_number: str, filing_id: str, table: str, n: int) -> dict[str, str]:
    return _key(person_partition(id_number), f"{filing_id}#{table}#{n:0{ROW_DIGITS}d}")


def person_partition(id_number: str) -> str:
    return f"IDNO#{id_number}"


def stats(year: int, authority_code: str) -> dict[str, str]:
    return _key(stats_partition(year), f"AUTH#{authority_code}")


def stats_partition(year: int) -> str:
    return f"STATS#{year:04d}"


def delivery_counts(day: dt.date, channel: str, authority_code: str) -> dict[str, str]:
    """The day's delivery counts of a channel and authority (attributes n:<outcome>), in the day's partition."""
    return _key(delivery_day(day), f"{channel}#{authority_code}")


def delivery_day(day: dt.date) -> str:
    return f"DELIVERIES#{day.isoformat()}"


def year_opened(year: int) -> dict[str, str]:
    return _key(f"YEAR#{year:04d}", "OPENED")


def reminder_claim(uscc: str, year: int, step: str) -> dict[str, str]:
    return _key(f"UNIT#{uscc}", f"REMINDER#{year:04d}#{step}")


def notice(key: str) -> dict[str, str]:
    return _key(f"NOTICE#{key}", "NOTICE")


# jobs held under a lease (imports, the person index): listed by heartbeat while unfinished
def job(job_id: str) -> dict[str, str]:
    return _key(f"JOB#{job_id}", "JOB")


def job_order(job_id: str, heartbeat: dt.datetime) -> str:
    return f"{stamp(heartbeat)}#{job_id}"


def job_item(job_id: str, heartbeat: dt.datetime) -> dict[str, str]:
    return {**job(job_id), "GSI1PK": JOBS, "GSI1SK": job_order(job_id, heartbeat)}
