"""The ports: what services need from the outside world. Adapters implement them.

Both backends (adapters/embedded: SQLite + files; adapters/aws: DynamoDB + S3 + SES) pass the
same contract tests (tests/contract). Entities cross the ports as domain models; rows as dicts.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, Generic, NamedTuple, Protocol, TypeVar, runtime_checkable

from .domain.assistant import Conversation
from .domain.audit import AuditFilter
from .domain.applications import Application
from .domain.desk import Desk
from .domain.enforcement import Enforcement, Stage
from .domain.filing import Filing
from .domain.model import Account, AuditEvent, Job, Message, Unit, Upload
from .domain.reminders import Obligation
from .domain.sign_in import SignInGuard
from .domain.transfers import Transfer
from .domain.verification import VerificationCode
from .domain.wechat import WechatBinding

T = TypeVar("T")


class StaleVersion(Exception):
    """A conditional write lost: the stored version is no longer the expected one."""


class AlreadyExists(Exception):
    """A create-if-absent found the key taken."""


class Page(NamedTuple, Generic[T]):
    """(items, next_page_token); next_page_token is None on the last page."""

    items: list[T]
    next_page_token: str | None


def all_pages(read: Callable[[str | None], Page[T]]) -> Iterator[list[T]]:
    """The items of every page of a paged read, page by page: `read(token)` returns one page."""
    token = None
    while True:
        page = read(token)
        yield page.items
        if (token := page.next_page_token) is None:
            return


class AccountStore(Protocol):
    """Units, accounts and the applications for reviewer-side accounts (附件2)."""

    def create_unit(self, unit: Unit, filer: Account) -> None:
        """Both or neither; AlreadyExists if the USCC (or the filer username) is taken.
        Also records the years the new unit owes and moves the statistics counters, in the same transaction."""

    def get_unit(self, uscc: str) -> Unit | None: ...

    def get_units(self, usccs: Iterable[str]) -> dict[str, Unit]:
        """The units found among `usccs`, by USCC (one batch read)."""

    def put_account(self, account: Account) -> None:
        """Create or replace a reviewer-side account (seeding, admin)."""

    def get_account(self, username: str) -> Account | None: ...

    def list_accounts(self, scope: str) -> list[Account]:
        """Reviewer-side accounts scoped to one division code (who to notify about its queue)."""

    def create_account(self, account: Account, *, audit: AuditEvent) -> None:
        """Create-if-absent, with its audit event; AlreadyExists if the username is taken."""

    def save_account(self, account: Account, *, expected_version: int, audit: AuditEvent | None = None) -> None:
        """Write only if the stored version is `expected_version` (else StaleVersion), with the audit event."""

    def accounts_of_person(self, id_number: str) -> list[Account]:
        """The accounts one person holds, by ID number (separation of duties)."""

    def create_application(self, application: Application, *, audit: AuditEvent) -> None:
        """AlreadyExists if the id is taken."""

    def get_application(self, application_id: str) -> Application | None: ...

    def save_application(self, application: Application, *, expected_version: int, audit: AuditEvent,
                         account: Account | None = None, account_version: int | None = None) -> None:
        """Write the application only at `expected_version` (else StaleVersion), with the audit event and, when
        it is carried out, the account in the same transaction: `account_version` None creates the account
        (AlreadyExists if the username is taken), otherwise the account is written only at that version."""

    def list_applications(self, managing_division: str, *, limit: int = 200) -> list[Application]:
        """Applications handled by one division's administrators, newest first."""

    def list_own_applications(self, applicant: str, *, limit: int = 200) -> list[Application]:
        """Applications one account submitted, newest first."""


class UnitLifeStore(Protocol):
    """A unit's life (docs/rules.md §11, domain/unit_life.py): founding date, closure, reopening."""

    def save_unit(self, unit: Unit, *, expected_version: int, audit: AuditEvent,
                  messages: Iterable[Message] = ()) -> None:
        """Write the unit only if the stored version is `expected_version` (else StaleVersion), with the audit
        event and the outbox messages, and bring its years in the owing index in line with its life
        (unit_life.reconcile, as of the audit event's day): a year it no longer owes leaves the lists and
        `expected`, a year it owes again rejoins them, the counters move — all in one transaction."""

    def units_asking_closure(self, authority_codes: list[str] | None) -> list[Unit]:
        """Units whose closure request waits for their authority (any of `authority_codes`; None: all),
        oldest request first."""


class FilingStore(Protocol):
    """Filings, the uploads whose rows they count, and the named sequences that number them."""

    def create_filing(self, filing: Filing, *, audit: AuditEvent, together: Iterable[tuple[Filing, int]] = ()) -> None:
        """AlreadyExists if the unit already has an annual filing for that year. `together`: other filings
        written in the same transaction, each only at its expected version (else StaleVersion), as save_filing
        writes them (a correction marks the version it corrects, docs/rules.md §11)."""

    def get_filing(self, filing_id: str) -> Filing | None: ...

    def filing_of_receipt(self, receipt_no: str) -> Filing | None:
        """The filing whose 回执号 is now `receipt_no` (the public verification, docs/rules.md §14); None if no
        filing holds it (never given, or given to a submission since withdrawn or submitted again)."""

    def save_filing(self, filing: Filing, *, expected_version: int, audit: AuditEvent | None = None,
                    messages: Iterable[Message] = (), jobs: Iterable[Job] = (),
                    together: Iterable[tuple[Filing, int]] = ()) -> None:
        """Write `filing` only if the stored version is `expected_version` (else StaleVersion), with the
        audit event, the outbox messages and the jobs it sets off (put as given, see JobStore) in the same
        transaction. An annual filing also moves the unit out of (submitted/approved) or back into
        (draft/rejected) the year's list of units owing it, and the statistics counters, in that transaction.
        `together`: (filing, expected version) pairs written in the same transaction on the same terms (a
        correction's approval supersedes the version it corrects, docs/rules.md §11)."""

    def delete_filing(self, filing: Filing, *, expected_version: int, audit: AuditEvent,
                      together: Iterable[tuple[Filing, int]] = ()) -> None:
        """Remove a filing only if the stored version is `expected_version` (else StaleVersion), with the audit
        event and the `together` writes, in one transaction. An annual filing frees its year (another can be
        created) and leaves the unit owing it with no filing status. Its rows and uploads are the caller's."""

    def list_unit_filings(self, uscc: str) -> list[Filing]:
        """A unit's filings, newest year first."""

    def list_authority_filings(self, authority_codes: list[str] | None, *, status: str | None = None,
                               year: int | None = None, unit_type: str | None = None, search: str | None = None,
                               kind: str | None = None, limit: int = 50, page_token: str | None = None) -> Page[Filing]:
        """Filings routed to any of `authority_codes` (None: all authorities), oldest submission first
        (drafts after, by creation). `search` matches a USCC prefix or part of the unit name; `kind` annual/interim.
        Stable paging by an opaque token."""

    def count_authority_filings(self, authority_codes: list[str] | None, *, year: int | None = None) -> dict[str, int]:
        """How many filings per status (all four statuses present, zeros included)."""

    def next_sequence(self, name: str, by: int = 1) -> int:
        """Atomically add `by` to the counter `name` and return it (1, 2, 3, …; a negative `by` gives back)."""

    def put_upload(self, upload: Upload) -> None: ...

    def get_upload(self, upload_id: str) -> Upload | None: ...

    def list_uploads(self, filing_id: str) -> list[Upload]:
        """The uploads started for one filing (a handful)."""

    def delete_upload(self, upload_id: str) -> None: ...


class RowStore(Protocol):
    """Rows of 表二/表三, stored per upload (a filing points at the upload whose rows count), and the
    person index (docs/rules.md §9 look-up by ID number): one record per 表二/表三 row of an approved
    filing, keyed by (id_number, filing_id, table, row number), written in batches after the approval."""

    def put_rows(self, upload_id: str, start: int, rows: list[dict[str, Any]]) -> None:
        """Store rows numbered start, start+1, …  (idempotent: the same numbers overwrite)."""

    def get_rows(self, upload_id: str, *, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]: ...

    def iter_rows(self, upload_id: str) -> Iterator[dict[str, Any]]: ...

    def search_rows(self, upload_id: str, text: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """Rows whose name or ID number contains `text`, in row order."""

    def delete_rows(self, upload_id: str) -> None: ...

    def put_person_records(self, records: list[dict[str, Any]]) -> None:
        """Idempotent (the same id_number/filing_id/table/n overwrite)."""

    def person_records(self, id_number: str, *, limit: int = 200) -> list[dict[str, Any]]:
        """The records filed for one ID number, by filing then table and row."""


class OutboxStore(Protocol):
    """The outbox of messages to send and the append-only audit log."""

    def pending_messages(self, limit: int = 100) -> list[Message]: ...

    def mark_message(self, message: Message) -> None:
        """Persist the message's new status/attempts/sent_at."""

    def list_messages(self, limit: int = 100) -> list[Message]:
        """Newest first (the embedded mailbox page)."""

    def count_deliveries(self, day: dt.date, deltas: Mapping[tuple[str, str, str], int]) -> None:
        """Add to the day's delivery counts: (channel, authority, outcome) → how many (domain/notifications.py
        OUTCOMES). Counted once per delivery batch, not per message."""

    def delivery_counts(self, day: dt.date) -> dict[tuple[str, str, str], int]:
        """The day's counts: (channel, authority, outcome) → how many."""

    def append_audit(self, event: AuditEvent) -> None: ...

    def list_audit(self, limit: int = 100, scopes: list[str] | None = None) -> list[AuditEvent]:
        """Newest first; with `scopes`, only events of those divisions (a city or county auditor's view)."""

    def audit_page(self, query: AuditFilter, *, size: int, page_token: str | None = None
                   ) -> tuple[list[AuditEvent], str | None]:
        """One page of the events `query` selects, newest first (by time, then write order), and the token of the
        next page (None: no more). Reads by division and time from an index, whatever the history's length; a
        store may end a page short, even empty, with a token when its filters matched little of what it read (the
        next page goes on from there). ValueError for a page token a client made up."""


class OwingStore(Protocol):
    """Who still owes an annual filing (sparse: only units that have not filed are listed), the reminders
    and once-only notices sent, and the statistics counters (domain/stats.py).

    create_unit records the years a new unit owes; save_filing of an annual filing moves the unit out of
    (submitted/approved) or back into (draft/rejected) the year's list, in the same transaction. The
    counters are moved by create_unit, save_filing and open_filing_year in their own transactions, so
    reading them never touches the filings."""

    def units_owing(self, year: int, authority_codes: list[str] | None = None, *, limit: int = 500,
                    page_token: str | None = None) -> Page[Obligation]:
        """Obligations (domain.reminders) of units that have not filed `year`, with the reminders sent,
        routed to any of `authority_codes` (None: all); ordered by authority then USCC."""

    def open_filing_year(self, year: int, at: dt.datetime) -> int:
        """Once per year: every registered unit that has no record for `year` starts owing it.
        Returns how many were added (0 when the year was already opened)."""

    def claim_reminder(self, uscc: str, year: int, step: str, at: dt.datetime, messages: Iterable[Message]) -> bool:
        """Record reminder `step` of `year` for the unit and write its outbox messages, all or nothing.
        False (nothing written) if that step was already claimed or the unit no longer owes the year."""

    def claim_reminders(self, year: int, step: str, at: dt.datetime,
                        messages: Mapping[str, Iterable[Message]]) -> set[str]:
        """claim_reminder for a batch of units (USCC → its messages); the USCCs claimed. One transaction where
        the backend can (SQLite); each unit alone otherwise, so one unit that filed meanwhile spoils nothing."""

    def claim_notice(self, key: str, at: dt.datetime, messages: Iterable[Message]) -> bool:
        """Write `messages` once per `key` (e.g. a reviewer digest per authority and day); False if done."""

    def stats(self, year: int, authority_codes: list[str] | None = None) -> dict[str, dict[str, int]]:
        """{authority code: {metric: value}} for `year` (0: all-time `registered`), authorities with counts only."""


class EnforcementStore(Protocol):
    """The enforcement follow-up of overdue units (docs/rules.md §15): one record per unit and filing year."""

    def get_enforcement(self, uscc: str, year: int) -> Enforcement | None: ...

    def enforcements_of(self, year: int, usccs: Iterable[str]) -> dict[str, Enforcement]:
        """The records of `year` found among `usccs`, by USCC (one batch read)."""

    def list_enforcements(self, year: int, stage: Stage, authority_codes: list[str] | None = None, *,
                          limit: int = 500, page_token: str | None = None) -> Page[Enforcement]:
        """Records of `year` at `stage` routed to any of `authority_codes` (None: all); ordered by authority
        then USCC."""

    def save_enforcement(self, record: Enforcement, *, expected_version: int | None, audit: AuditEvent,
                         messages: Iterable[Message] = ()) -> None:
        """Create (expected_version None; AlreadyExists if the unit has a record for the year) or write only at
        `expected_version` (else StaleVersion), with the audit event and the outbox messages, all or nothing."""


class DeskStore(Protocol):
    """Review desks (domain/desk.py): one record per filing, who holds it and the reviewers' internal notes."""

    def get_desk(self, filing_id: str) -> Desk | None: ...

    def desks_of(self, filing_ids: Iterable[str]) -> dict[str, Desk]:
        """The desks of those filings that have one, by filing id (one batch read)."""

    def save_desk(self, desk: Desk, *, expected_version: int, audit: AuditEvent) -> None:
        """Write `desk` only if the stored one is at `expected_version` (0: none stored yet), with its audit event,
        all or nothing; else StaleVersion."""


class ClaimStore(Protocol):
    """Single-use markers (action links; the first review request of a filing per recipient and window)."""

    def claim(self, key: str, at: dt.datetime) -> None:
        """Record that `key` was used; AlreadyExists if it already was."""

    def claimed(self, key: str) -> bool: ...


class JobStore(Protocol):
    """Jobs that must be finished or cleaned up even if their process dies (an import, an approval's person
    index), each held under a lease its worker renews (domain/model.py Job). A job is stored only while
    unfinished, so the recovery sweep reads just those."""

    def start_job(self, job: Job) -> None:
        """Create-if-absent; AlreadyExists if a job of that kind and target is unfinished."""

    def get_job(self, kind: str, target: str) -> Job | None: ...

    def renew_job(self, job: Job, at: dt.datetime, checkpoint: dict[str, Any] | None = None) -> bool:
        """Move the heartbeat to `at` (and the checkpoint, if given) only while `job.holder` holds the job:
        a narrow write that leaves the rest alone. False if it was taken over or has ended."""

    def take_over_job(self, job: Job, holder: str, at: dt.datetime) -> bool:
        """Hand the job to `holder` (heartbeat `at`) only if it is still as `job` was read: same holder,
        same heartbeat. False if its worker renewed it meanwhile or someone else took it."""

    def end_job(self, job: Job) -> None:
        """Remove the job if `job.holder` still holds it (a worker that lost it ends nothing)."""

    def jobs_idle_since(self, cutoff: dt.datetime, *, limit: int = 100) -> list[Job]:
        """Jobs whose heartbeat is older than `cutoff`, the longest idle first."""


class TransferStore(Protocol):
    """Transfers of units between authorities (变更审核机关, domain/transfers.py): at most one open per unit."""

    def create_transfer(self, transfer: Transfer, *, audit: AuditEvent, messages: Iterable[Message] = ()) -> None:
        """With its audit event and messages; AlreadyExists if the unit has an open transfer. A transfer created
        accepted (the province's direct transfer) moves the unit as save_transfer does, in the same transaction."""

    def get_transfer(self, transfer_id: str) -> Transfer | None: ...

    def save_transfer(self, transfer: Transfer, *, expected_version: int, audit: AuditEvent,
                      messages: Iterable[Message] = ()) -> None:
        """Write only at `expected_version` (else StaleVersion), with the audit event and messages. An accepted
        transfer moves the unit in the same transaction: its authority becomes `to_code` (StaleVersion if it is no
        longer `from_code`), its drafts and the open years no reviewer holds a filing of follow it (the owing
        index), and the counters move (domain/transfers.py `counter_moves`)."""

    def list_transfers(self, authority_code: str, *, incoming: bool, limit: int = 100) -> list[Transfer]:
        """Transfers to (`incoming`) or from an authority, newest first."""

    def list_unit_transfers(self, uscc: str) -> list[Transfer]:
        """A unit's transfers, newest first."""


class PeopleStore(Protocol):
    """The people of a unit and their verification codes (docs/rules.md §12, services/verification.py and
    services/unit_people.py)."""

    def get_code(self, key: str) -> VerificationCode | None: ...

    def save_code(self, code: VerificationCode, *, expected_version: int | None, messages: Iterable[Message] = ()) -> None:
        """Create (expected_version None; AlreadyExists if the key is taken) or write only at `expected_version`
        (else StaleVersion), with the messages carrying the code, all or nothing."""

    def save_people(self, accounts: Iterable[tuple[Account, int | None]], *, audit: AuditEvent,
                    messages: Iterable[Message] = (), unit_contact: tuple[str, dict[str, str]] | None = None) -> None:
        """In one transaction: each (account, expected version) created (None; AlreadyExists if the username is
        taken) or written only at that version (else StaleVersion), the audit event, the messages, and with
        `unit_contact` (uscc, {field: value}) the unit's contact fields (filer_name, filer_mobile, filer_email)
        changed on the document as read (StaleVersion if it changed meanwhile)."""


class SignInStore(Protocol):
    """The guard of each name tried at the sign-in (domain/sign_in.py)."""

    def get_sign_in_guard(self, key: str) -> SignInGuard | None: ...

    def save_sign_in_guard(self, guard: SignInGuard, *, expected_version: int) -> None:
        """Write the guard only if the stored one is at `expected_version` (0: none stored yet), else StaleVersion."""


class AssistantStore(Protocol):
    """The 填报助手's conversations (domain/assistant.py), one record each, gone 30 days after the last message."""

    def get_conversation(self, conversation_id: str) -> Conversation | None:
        """The conversation as stored, expired or not (the service decides)."""

    def save_conversation(self, conversation: Conversation, *, expected_version: int,
                          audit: AuditEvent | None = None) -> None:
        """Write only if the stored one is at `expected_version` (0: none stored yet),
        with the audit event if any, all or nothing; else StaleVersion."""


class WechatStore(Protocol):
    """WeChat users of the mini-program bound to filer accounts, with the subscriptions they accepted
    (domain/wechat.py). Read by openid (consistent), by account and by the account's mobile."""

    def get_wechat_binding(self, openid: str) -> WechatBinding | None: ...

    def wechat_bindings_of(self, username: str) -> list[WechatBinding]:
        """The account's bindings, oldest first."""

    def wechat_bindings_for_mobile(self, mobile: str) -> list[WechatBinding]:
        """The bindings made with this mobile as their account's (the SMS a subscribe message stands in for)."""

    def save_wechat_binding(self, binding: WechatBinding, *, expected_version: int,
                            audit: AuditEvent | None = None) -> None:
        """Write the binding only if the stored one is at `expected_version` (0: none stored yet), with its audit
        event, all or nothing; else StaleVersion."""

    def delete_wechat_binding(self, binding: WechatBinding, *, audit: AuditEvent) -> None:
        """Remove the binding if it is still at its version, with its audit event; else StaleVersion."""


class Store(AccountStore, UnitLifeStore, FilingStore, RowStore, OutboxStore, OwingStore, EnforcementStore, DeskStore,
            ClaimStore, JobStore, TransferStore, PeopleStore, SignInStore, AssistantStore, WechatStore, Protocol):
    """Everything the services keep: the role protocols above, implemented together by each backend."""


class TransferRefused(Exception):
    """Storage refused a posted file or a download link (as S3 answers a bad presigned POST or GET)."""

    def __init__(self, message: str, status: int = 403, *, key: str | None = None, redirect: str | None = None):
        super().__init__(message)
        self.status = status
        self.key, self.redirect = key, redirect  # known when the signed policy itself was genuine


@dataclass(frozen=True)
class Download:
    """A blob on its way to a browser: the bytes themselves, or a short-lived URL to fetch them from."""
    filename: str
    data: bytes | None = None
    url: str | None = None


class BlobStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None: ...

    def put_file(self, key: str, f: IO[bytes], content_type: str = "application/octet-stream") -> None:
        """Store what is left of the file `f`, read in pieces (an export of hundreds of MiB is never in memory)."""

    def keys(self, prefix: str) -> list[str]:
        """The keys of the blobs under `prefix`, in key order."""

    def open(self, key: str) -> IO[bytes]:
        """A readable binary file object (seekable) for the blob; FileNotFoundError if absent."""

    def size(self, key: str) -> int | None: ...

    def delete(self, key: str) -> None: ...

    def presigned_post(self, key: str, *, max_bytes: int, expires_seconds: int = 3600,
                       redirect: str | None = None) -> dict[str, Any]:
        """{url, fields}: a browser POSTs `fields` + `file` to `url` to upload straight to storage.
        With `redirect`, storage answers a successful plain-form POST with 303 to that URL
        (S3's success_action_redirect), so pages work without JavaScript."""

    def presigned_get(self, key: str, expires_seconds: int, filename: str) -> str:
        """A URL that downloads the blob, as `filename`, without further authentication until it expires
        (S3: a presigned GET; embedded: a signed link to the app's local download endpoint). Hand it out
        only after checking the caller may read the blob."""

    def download(self, key: str, filename: str, expires_seconds: int) -> Download:
        """How a caller already checked may download the blob: its bytes (small local files) or a
        presigned_get URL to send the browser to (S3: responses through API Gateway are capped at 6 MB)."""


class LocalTransfers(Protocol):
    """The embedded blob store's stand-ins for S3's presigned POST and GET endpoints (web/local.py)."""

    on_stored: Callable[[str], object]  # what a received upload sets off (S3: the ObjectCreated event)

    def receive(self, fields: dict[str, str], content: bytes) -> str | None:
        """Check a posted form against its signed policy exactly as S3 would, store the file and announce it
        (as S3's ObjectCreated event does). Returns the redirect the policy names, if any; TransferRefused
        otherwise."""

    def signed_download(self, token: str) -> tuple[bytes, str]:
        """(content, file name) of a presigned_get link; TransferRefused when forged or expired,
        FileNotFoundError when the blob is gone."""


class Undeliverable(Exception):
    """Raised by Sender.send when the message can never go out as it is (e.g. its kind has no approved SMS
    template configured, or a template parameter is missing): the outbox marks it failed with str(exc) as its
    reason instead of retrying. Any other exception is a failure of this attempt, retried with backoff."""


class Sender(Protocol):
    def send(self, message: Message) -> None:
        """Deliver one message; raise on failure (the outbox retries), Undeliverable when retrying is useless."""


@runtime_checkable
class BatchSender(Protocol):
    """A sender whose provider takes many messages in one call (SES bulk templated e-mail): the outbox sends the
    bulk lane through it, up to batch_size(channel) messages a call."""

    def send(self, message: Message) -> None: ...

    def batch_size(self, channel: str) -> int:
        """How many messages of the channel one call takes (1: no batches)."""

    def send_batch(self, messages: list[Message]) -> list[Exception | None]:
        """Deliver messages of one channel; per message, in order: None (sent) or what send would have raised."""


class WechatRefused(Exception):
    """WeChat answered an error code (errcode): 40029/40163 a sign-in code invalid or used, 43101 the user has no
    subscription left, 47003 a field's value refused, 40001/42001 the access token invalid or expired; -1 the
    server unreachable or its answer unreadable."""

    def __init__(self, errcode: int, errmsg: str):
        super().__init__(f"微信接口错误 {errcode}: {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


class WechatClient(Protocol):
    """The WeChat server API of our mini-program (docs/wechat.md); WechatRefused on any error code."""

    def session_openid(self, code: str) -> str:
        """The openid of the user whose wx.login gave `code` (jscode2session)."""

    def send_subscribe(self, openid: str, template_id: str, data: Mapping[str, str], page: str) -> None:
        """One subscribe message (订阅消息) to the user."""


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """An aware UTC datetime."""
