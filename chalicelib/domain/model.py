"""Entities other than the filing: the unit, accounts, uploads, messages, audit events."""
from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field


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


class Role(StrEnum):
    """备案填报员 on the employer side; the five reviewer-side roles of SPEC.md §7."""
    FILER = "filer"
    OPERATOR = "operator"  # 业务操作员 (审核员)
    SYSTEM_ADMIN = "system_admin"
    BUSINESS_ADMIN = "business_admin"
    SECURITY = "security"
    AUDITOR = "auditor"


ROLE_LABEL = {Role.FILER: "备案填报员", Role.OPERATOR: "审核员（业务操作员）", Role.SYSTEM_ADMIN: "系统管理员",
              Role.BUSINESS_ADMIN: "业务管理员", Role.SECURITY: "系统安全员", Role.AUDITOR: "业务审计员"}


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


class Upload(BaseModel):
    id: str
    filing_id: str
    table: str
    filename: str
    blob_key: str
    status: str = "waiting"  # waiting / processing / done / failed
    rows_total: int = 0
    rows_done: int = 0
    errors: list[dict] = Field(default_factory=list)
    message: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class Message(BaseModel):
    """An outbox entry: written with the action that caused it, sent afterwards."""
    id: str
    channel: str  # email / sms
    to: str
    subject: str
    body: str
    created_at: dt.datetime
    status: str = "pending"  # pending / sent / failed
    attempts: int = 0
    sent_at: dt.datetime | None = None


class AuditEvent(BaseModel):
    id: str
    at: dt.datetime
    actor: str
    action: str
    target: str
    outcome: str = "ok"
    detail: dict = Field(default_factory=dict)
