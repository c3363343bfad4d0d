"""Entities other than the filing: the unit, accounts, uploads, messages, audit events."""
from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from .unit_life import Closure, ClosureRequest


class Unit(BaseModel):
    uscc: str
    name: str
    unit_type: str
    economic_type: str
    industry: str
    affiliation: str
    foreign_invested: bool
    labor_dispatch: bool
    registration_division: str
    registered_address: str
    legal_representative: str
    filer_name: str
    filer_mobile: str
    filer_email: str
    authority_code: str
    registered_at: dt.datetime
    version: int = 1  # conditional writes (a unit's life: services/units.py)
    # its life (docs/rules.md §11, domain/unit_life.py): None for units registered before it was asked
    founded_on: dt.date | None = None
    closures: list[Closure] = Field(default_factory=list)  # the last one, not reopened: the unit is closed
    closure_request: ClosureRequest | None = None  # the unit's own request, pending or answered


class Role(StrEnum):
    """备案填报员 on the employer side; the five reviewer-side roles of docs/rules.md §7."""
    FILER = "filer"
    OPERATOR = "operator"  # 业务操作员 (审核员)
    SYSTEM_ADMIN = "system_admin"
    BUSINESS_ADMIN = "business_admin"
    SECURITY = "security"
    AUDITOR = "auditor"
    DATA_SHARING = "data_sharing"  # another department's read-only account over one division (docs/rules.md §16)


ROLE_LABEL = {Role.FILER: "备案填报员", Role.OPERATOR: "审核员（业务操作员）", Role.SYSTEM_ADMIN: "系统管理员",
              Role.BUSINESS_ADMIN: "业务管理员", Role.SECURITY: "系统安全员", Role.AUDITOR: "业务审计员",
              Role.DATA_SHARING: "数据共享账号"}


class Account(BaseModel):
    """A sign-in. `scope` is the division code for reviewer-side roles, the USCC for a filer."""
    username: str
    password_hash: str
    role: Role
    scope: str
    display_name: str
    email: str | None = None
    mobile: str | None = None
    status: str = "active"  # active / locked / frozen / deregistered
    created_at: dt.datetime
    # reviewer-side accounts: the person behind it (附件2), permissions, sign-in security
    id_number: str | None = None
    unit: str | None = None
    position: str | None = None
    permissions: list[str] | None = None  # None: the role's full set (domain/roles.py)
    version: int = 1  # conditional writes
    token_epoch: int = 0  # bumped to revoke every token/session of the account
    closed_sessions: dict[str, int] = Field(default_factory=dict)  # signed-out session id → its token's expiry
    failed_logins: list[dt.datetime] = Field(default_factory=list)  # within the lockout window
    locked_at: dt.datetime | None = None
    must_change_password: bool = False  # initial passwords are one-time
    # the second factor (services/second_factor.py): the TOTP secret once enrolled, the last time step used (a
    # code is accepted once), the recovery codes' hashes
    totp_secret: str | None = None
    totp_last_step: int = 0
    recovery_codes: list[str] = Field(default_factory=list)
    department: str | None = None  # data-sharing accounts: the department it serves (roles.DEPARTMENTS)
    unit_role: str = "admin"  # filers: "admin" (单位管理员, the unit's first account) or "clerk" (经办人)
    last_signed_in_at: dt.datetime | None = None  # the last whole sign-in (shown on the staff's unit page)


ACTING = ("active", "locked")  # the statuses of a unit's accounts that act for it and hear from the system


LEASE = dt.timedelta(seconds=60)  # a job's worker renews its lease every few seconds (services/jobs.py)
STALLED_MESSAGE = "导入中断（服务可能已重启），原有数据未受影响，请重新上传"


class JobKind(StrEnum):
    IMPORT = "import"  # target: the upload being imported
    PERSON_INDEX = "person_index"  # target: the approved filing whose rows are indexed
    EXPORT = "export"  # target: the export being built (services/exports.py)
    REMINDERS = "reminders"  # target: a batch of the daily job's reminders (services/reminders.py JobQueue)


class Job(BaseModel):
    """Work that must be finished or cleaned up even if its process dies (docs/architecture.md, "Crash
    recovery"). Its worker holds a lease: it renews `heartbeat_at` while it runs and ends the job when done. A
    job whose heartbeat is older than LEASE is presumed dead, and the recovery sweep takes it over; `checkpoint`
    says how far it got (the person index resumes from there)."""
    kind: JobKind
    target: str
    holder: str  # the worker holding the lease: only it may renew or end the job
    heartbeat_at: dt.datetime
    checkpoint: dict[str, Any] = Field(default_factory=dict)
    created_at: dt.datetime

    @property
    def id(self) -> str:
        return f"{self.kind.value}:{self.target}"

    def expired(self, now: dt.datetime) -> bool:
        return now - self.heartbeat_at > LEASE


class Upload(BaseModel):
    id: str
    filing_id: str
    table: str
    filename: str
    blob_key: str
    status: str = "waiting"  # waiting / processing / done / failed
    rows_total: int = 0
    rows_done: int = 0
    errors: list[dict[str, Any]] = Field(default_factory=list)
    message: str | None = None
    error_report_key: str | None = None  # exports/…: the user's rows with 错误说明, when rows had errors
    masked_report_key: str | None = None  # the same for reviewers, ID numbers masked (docs/rules.md §10)
    created_at: dt.datetime
    updated_at: dt.datetime

    def stalled(self, now: dt.datetime, job: Job | None) -> bool:
        """An import whose worker stopped renewing its lease (`job`: its import job; its process died): it
        will not finish. Without a job (an import from before leases), its last progress write stands in."""
        if self.status != "processing":
            return False
        return job.expired(now) if job is not None else now - self.updated_at > LEASE

    def as_seen_at(self, now: dt.datetime, job: Job | None) -> "Upload":
        """The upload as users are shown it: a stalled import as failed (the filing's rows are untouched)."""
        if self.stalled(now, job):
            return self.model_copy(update={"status": "failed", "message": STALLED_MESSAGE})
        return self


class MessageKind(StrEnum):
    """What caused a message: the limits on notifications depend on it (domain/notifications.py)."""
    REVIEW_REQUEST = "review_request"  # a submission, to each reviewer of the authority
    DECISION = "decision"  # an approval or rejection, to the unit's filer
    REMINDER = "reminder"  # the daily job: a deadline reminder, to the unit's filer
    DIGEST = "digest"  # the daily job: filings waiting too long, to the authority's reviewers
    ENFORCEMENT = "enforcement"  # a 责令限期改正 recorded by the authority, to the unit's filer (docs/rules.md §15)
    TRANSFER = "transfer"  # a transfer between authorities asked or decided, to the unit and both authorities
    VERIFICATION = "verification"  # an SMS verification code (docs/rules.md §12)
    ACCOUNT_NOTICE = "account_notice"  # a password reset, contact change or rebinding, told to the unit's contacts


class Message(BaseModel):
    """An outbox entry: written with the action that caused it, sent afterwards."""
    id: str
    channel: str  # email / sms; wechat once an SMS went as a WeChat subscribe message instead (docs/wechat.md)
    to: str
    subject: str
    body: str
    created_at: dt.datetime
    kind: MessageKind | None = None  # None: written before kinds were kept (limited like a decision)
    topic: str | None = None  # one per recipient and window reaches them (a review request: filing and round)
    # SMS through a provider that sends only approved templates (docs/sms.md): which of our templates the
    # message is (None: its kind's) and the values of the template's variables, by name, in the order a
    # positional template (Tencent's {1}, {2}) takes them. The body stays the full text (SNS, the mailbox).
    template: str | None = None
    params: dict[str, str] | None = None
    status: str = "pending"  # pending / sent / failed / skipped / coalesced / dropped (the last three: see `reason`)
    reason: str | None = None  # why it was not sent, in words for the mailbox and operators
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None  # backoff after a failed attempt
    authority_code: str | None = None  # a reminder: its unit's authority, for the per-day counts
    expires_at: dt.datetime | None = None  # not sent by then: dropped, not sent late (a reminder: domain/reminders.py)
    sent_at: dt.datetime | None = None


class AuditEvent(BaseModel):
    id: str
    at: dt.datetime
    actor: str
    action: str
    target: str
    scope: str | None = None  # the division whose auditors may read it (None: province only)
    outcome: str = "ok"
    detail: dict[str, Any] = Field(default_factory=dict)
