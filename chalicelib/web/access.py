"""Who may call what: the one declaration of access for every route, enforced by `guard` (Chalice HTTP
middleware, registered in app.py) before any handler runs, and read by tests/web/test_authorization_matrix.py,
which calls every route as every role on an in-scope and an out-of-scope target.

A rule is keyed by (method, route path as in `app.routes`) and is one of
  PUBLIC                      anyone, signed in or not
  SIGNED_IN                   any signed-in account
  allow(role=grant, …)        only these roles; a grant names the permission the account must hold (roles.py)
                              and the scope rule its target must meet (SCOPES below; "none": no target)
Services check jurisdiction again (defence in depth, and for callers that are not HTTP).

Adding a route? Add its rule here; the matrix test names any route that has none, and until it has one the
guard refuses every call to it (403, logged), so nothing is reachable by accident.

Light at import time (Lambda cold start): plain data here; the roles and services, which load pydantic,
are imported inside the functions that need them.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple
from urllib.parse import quote

from chalice import Response
from chalice.app import Request

from ..bootstrap import container
from .http import error_body, json_response, own_path
from .page import Page
from .session import caller, is_api

log = logging.getLogger(__name__)
ROLES = ("filer", "operator", "system_admin", "business_admin", "security", "auditor", "data_sharing")


class Grant(NamedTuple):
    permission: str | None = None  # domain.roles.Permission value; None: the role is enough
    scope: str = "none"  # a key of SCOPES


class Rule(NamedTuple):
    public: bool = False
    grants: Mapping[str, Grant] = MappingProxyType({})  # role value → grant

    def grant_for(self, role: str | None) -> Grant | None:
        return self.grants.get(role) if role else None


PUBLIC = Rule(public=True)
SIGNED_IN = Rule(grants={role: Grant() for role in ROLES})


def allow(**grants: str | tuple[str | None, str] | None) -> Rule:
    """allow(filer="own_filing", operator=("filing.read", "filing_read"), auditor=("audit.read", "none"))
    A plain string is a scope rule with no permission; a pair is (permission, scope rule)."""
    built = {}
    for role, g in grants.items():
        assert role in ROLES, role
        permission, scope = g if isinstance(g, tuple) else (None, g or "none")
        assert scope in SCOPES, scope
        built[role] = Grant(permission, scope)
    return Rule(grants=built)


READ, REVIEW = "filing.read", "filing.review"
APPLY, ACCOUNTS = "application.create", "account.read"
LOOKUP = "person.lookup"
AUDIT = "audit.read"  # the 业务审计员: the audit log of its area, and its export
OVERDUE = "overdue.read"  # another department's account: the overdue list of its division, read-only

# Scope rules: (path parameter or "?query", what it names, deny status when out of scope).
# A filer asking for another unit's filing gets 404, as if it did not exist.
SCOPES: dict[str, tuple[str, str, int] | None] = {
    "none": None,
    "own_filing": ("filing_id", "filing", 404),
    "filing_read": ("filing_id", "filing", 403),
    "filing_review": ("filing_id", "filing", 403),
    "division": ("?division", "division", 403),
    "account": ("username", "account", 403),
    "account_manage": ("username", "account", 403),
    "application_read": ("application_id", "application", 403),
    "application_handle": ("application_id", "application", 403),
    "unit_review": ("uscc", "unit", 403),
    "own_unit": ("uscc", "unit", 404),
    "unit_authority": ("uscc", "unit", 403),
    "transfer": ("transfer_id", "transfer", 404),
    "unit": ("uscc", "unit", 403),  # the unit's authority or above it (a city, the province)
    "unit_person": ("person", "account", 404),
}

FILER_OWN = "own_filing"
ADMINS = ("system_admin", "business_admin", "security")
STAFF = Rule(grants={role: Grant() for role in ROLES if role != "filer"})  # any reviewer-side account

# exports built by a job: whoever may ask for one of its kinds (services/exports.py checks the kind)
EXPORTERS = allow(filer="none", operator=(READ, "none"), data_sharing=(OVERDUE, "none"), auditor=(AUDIT, "none"))

RULES: dict[tuple[str, str], Rule] = {
    # public
    ("GET", "/"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,  # signs out whoever is signed in; harmless otherwise
    ("GET", "/register"): PUBLIC,
    ("POST", "/register"): PUBLIC,
    ("GET", "/dev/mailbox"): PUBLIC,  # embedded only, and only with DEV_MAILBOX=1 (the local demo run)
    ("POST", "/api/v1/employers/register"): PUBLIC,
    ("POST", "/api/v1/employers/register/preview"): PUBLIC,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    # the WeChat mini-program (docs/wechat.md): sign-in and binding are public, the rest the filer's own
    ("POST", "/api/v1/auth/wechat"): PUBLIC,
    ("POST", "/api/v1/auth/wechat/bind"): PUBLIC,
    ("POST", "/api/v1/auth/wechat/unbind"): allow(filer="none"),
    ("POST", "/api/v1/auth/wechat/web-ticket"): allow(filer="none"),
    ("GET", "/wechat/web"): PUBLIC,
    ("GET", "/api/v1/wechat/subscriptions"): allow(filer="none"),
    ("POST", "/api/v1/wechat/subscriptions"): allow(filer="none"),
    ("GET", "/employer/wechat"): allow(filer="none"),
    ("POST", "/employer/wechat/unbind"): allow(filer="none"),
    ("POST", "/api/v1/auth/second-factor"): PUBLIC,
    ("POST", "/login/code"): PUBLIC,  # the sign-in's second step; the signed challenge is the credential
    ("GET", "/api/v1/templates/{table}"): PUBLIC,
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/assets/{name}"): PUBLIC,  # the pages' script
    ("POST", "/api/v1/local-uploads"): PUBLIC,  # embedded only; the signed upload policy is the credential
    ("GET", "/api/v1/local-downloads"): PUBLIC,  # embedded only; the signed link (presigned_get) is the credential
    # 回执查验 (docs/rules.md §14): a 回执号 and its check code; rate-limited per client address
    ("GET", "/verify"): PUBLIC,
    # 填报助手 (docs/rules.md §19): anyone may start a registration; a filer's conversation is its account's;
    # anonymous messages are rate-limited per client address (services/assistant.py)
    ("GET", "/assistant"): PUBLIC,
    ("POST", "/assistant"): PUBLIC,
    ("POST", "/api/v1/assistant/conversations"): PUBLIC,
    ("GET", "/api/v1/assistant/conversations/{conversation_id}"): PUBLIC,
    ("POST", "/api/v1/assistant/conversations/{conversation_id}/messages"): PUBLIC,
    ("GET", "/help"): PUBLIC,
    ("GET", "/help/faq"): PUBLIC,
    ("GET", "/progress"): PUBLIC,
    ("POST", "/verify"): PUBLIC,
    # any account
    ("GET", "/api/v1/me"): SIGNED_IN,
    ("POST", "/api/v1/auth/logout"): SIGNED_IN,
    ("POST", "/api/v1/auth/password"): SIGNED_IN,
    ("GET", "/account/password"): SIGNED_IN,
    ("POST", "/account/password"): SIGNED_IN,
    # the second factor's enrolment: reviewer-side accounts (a unit has no 系统安全员 to reset it)
    ("GET", "/api/v1/auth/second-factor/enrolment"): STAFF,
    ("POST", "/api/v1/auth/second-factor/enrolment"): STAFF,
    ("GET", "/account/second-factor"): STAFF,
    ("POST", "/account/second-factor"): STAFF,
    # employer filer: its own unit's filings
    ("GET", "/employer"): allow(filer="none"),
    ("POST", "/employer/filings"): allow(filer="none"),
    ("GET", "/employer/filings/{filing_id}"): allow(filer=FILER_OWN),
    ("GET", "/employer/filings/{filing_id}/table1"): allow(filer=FILER_OWN),
    ("POST", "/employer/filings/{filing_id}/table1"): allow(filer=FILER_OWN),
    ("POST", "/employer/filings/{filing_id}/uploads"): allow(filer=FILER_OWN),
    ("GET", "/employer/filings/{filing_id}/uploads/{upload_id}"): allow(filer=FILER_OWN),
    ("GET", "/employer/filings/{filing_id}/uploads/{upload_id}/send"): allow(filer=FILER_OWN),
    ("GET", "/employer/filings/{filing_id}/uploads/{upload_id}/progress"): allow(filer=FILER_OWN),
    ("GET", "/employer/filings/{filing_id}/check"): allow(filer=FILER_OWN),
    ("POST", "/employer/filings/{filing_id}/submit"): allow(filer=FILER_OWN),
    ("GET", "/employer/filings/{filing_id}/submitted"): allow(filer=FILER_OWN),
    ("POST", "/employer/filings/{filing_id}/withdraw"): allow(filer=FILER_OWN),
    ("POST", "/api/v1/filings"): allow(filer="none"),
    ("PUT", "/api/v1/filings/{filing_id}/table1"): allow(filer=FILER_OWN),
    ("POST", "/api/v1/filings/{filing_id}/uploads"): allow(filer=FILER_OWN),
    ("POST", "/api/v1/filings/{filing_id}/submit"): allow(filer=FILER_OWN),
    ("POST", "/api/v1/filings/{filing_id}/withdraw"): allow(filer=FILER_OWN),
    # both sides read filings: the filer its own, the 业务操作员 those in its jurisdiction
    ("GET", "/api/v1/filings"): allow(filer="none", operator=(READ, "division")),
    ("GET", "/api/v1/filings/{filing_id}"): allow(filer=FILER_OWN, operator=(READ, "filing_read")),
    ("GET", "/api/v1/filings/{filing_id}/uploads/{upload_id}"): allow(filer=FILER_OWN, operator=(READ, "filing_read")),
    ("GET", "/api/v1/filings/{filing_id}/rows/{table}"): allow(filer=FILER_OWN, operator=(READ, "filing_read")),
    ("DELETE", "/api/v1/filings/{filing_id}/rows/{table}"): allow(filer=FILER_OWN),
    # online rows, one at a time (docs/rules.md §5)
    ("POST", "/api/v1/filings/{filing_id}/rows/{table}"): allow(filer=FILER_OWN),
    ("GET", "/api/v1/filings/{filing_id}/rows/{table}/{index}"): allow(filer=FILER_OWN),
    ("PUT", "/api/v1/filings/{filing_id}/rows/{table}/{index}"): allow(filer=FILER_OWN),
    ("DELETE", "/api/v1/filings/{filing_id}/rows/{table}/{index}"): allow(filer=FILER_OWN),
    ("GET", "/employer/filings/{filing_id}/rows/{table}"): allow(filer=FILER_OWN),
    ("GET", "/employer/filings/{filing_id}/rows/{table}/new"): allow(filer=FILER_OWN),
    ("POST", "/employer/filings/{filing_id}/rows/{table}/new"): allow(filer=FILER_OWN),
    ("GET", "/employer/filings/{filing_id}/rows/{table}/{index}"): allow(filer=FILER_OWN),
    ("POST", "/employer/filings/{filing_id}/rows/{table}/{index}"): allow(filer=FILER_OWN),
    ("POST", "/employer/filings/{filing_id}/rows/{table}/{index}/delete"): allow(filer=FILER_OWN),
    ("POST", "/employer/filings/{filing_id}/rows/{table}/remove"): allow(filer=FILER_OWN),
    # rosters: error reports and the roster diff for both sides; leavers' 表三 for the filer
    ("GET", "/api/v1/filings/{filing_id}/uploads/{upload_id}/error-report"):
        allow(filer=FILER_OWN, operator=(READ, "filing_read")),
    ("GET", "/api/v1/filings/{filing_id}/roster-diff"): allow(filer=FILER_OWN, operator=(READ, "filing_read")),
    ("GET", "/api/v1/filings/{filing_id}/leavers"): allow(filer=FILER_OWN),
    ("GET", "/employer/filings/{filing_id}/uploads/{upload_id}/error-report"): allow(filer=FILER_OWN),
    # 回执 / 备案证明 (docs/rules.md §14): the filer its own, the 业务操作员 those it reads
    ("GET", "/api/v1/filings/{filing_id}/receipt"): allow(filer=FILER_OWN, operator=(READ, "filing_read")),
    ("GET", "/employer/filings/{filing_id}/receipt.pdf"): allow(filer=FILER_OWN),
    ("GET", "/review/filings/{filing_id}/receipt.pdf"): allow(operator=(READ, "filing_read")),
    ("POST", "/employer/filings/{filing_id}/leavers"): allow(filer=FILER_OWN),
    # 业务操作员 (审核员)
    ("GET", "/review"): allow(operator=(READ, "division")),
    ("GET", "/review/filings/{filing_id}"): allow(operator=(READ, "filing_read")),
    ("POST", "/review/filings/{filing_id}"): allow(operator=(REVIEW, "filing_review")),
    ("POST", "/review/filings/{filing_id}/reveal"): allow(operator=(READ, "filing_read")),
    ("POST", "/api/v1/filings/{filing_id}/rows/{table}/{index}/reveal"): allow(operator=(READ, "filing_read")),
    ("POST", "/api/v1/filings/{filing_id}/review"): allow(operator=(REVIEW, "filing_review")),
    # batch approval: the service checks each named filing's scope and cleanliness (docs/rules.md §9)
    ("POST", "/review/batch"): allow(operator=(REVIEW, "none")),
    ("POST", "/api/v1/review/batch"): allow(operator=(REVIEW, "none")),
    # the review desk: claims and assignments by the filing's own authority; notes by whoever reads the filing
    ("GET", "/api/v1/filings/{filing_id}/desk"): allow(operator=(READ, "filing_read")),
    ("PUT", "/api/v1/filings/{filing_id}/holder"): allow(operator=(REVIEW, "filing_review")),
    ("POST", "/review/filings/{filing_id}/hold"): allow(operator=(REVIEW, "filing_review")),
    ("POST", "/api/v1/filings/{filing_id}/notes"): allow(operator=(READ, "filing_read")),
    ("POST", "/review/filings/{filing_id}/notes"): allow(operator=(READ, "filing_read")),
    # a filing's 表二/表三 as .xlsx (an export job; full ID numbers need filing.export_full_ids, checked by the service)
    ("POST", "/review/filings/{filing_id}/export"): allow(operator=(READ, "filing_read")),
    # versions (docs/rules.md §11): corrections, revoking an approval, deleting a draft
    ("POST", "/api/v1/filings/{filing_id}/corrections"): allow(filer=FILER_OWN),
    ("POST", "/employer/filings/{filing_id}/correct"): allow(filer=FILER_OWN),
    ("DELETE", "/api/v1/filings/{filing_id}"): allow(filer=FILER_OWN),
    ("POST", "/employer/filings/{filing_id}/delete"): allow(filer=FILER_OWN),
    ("GET", "/api/v1/filings/{filing_id}/changes"): allow(filer=FILER_OWN, operator=(READ, "filing_read")),
    ("POST", "/api/v1/filings/{filing_id}/revoke"): allow(operator=(REVIEW, "filing_review")),
    ("POST", "/review/filings/{filing_id}/revoke"): allow(operator=(REVIEW, "filing_review")),
    ("GET", "/act/{token}"): allow(operator=(READ, "none")),  # the signed link names the filing
    ("POST", "/act/{token}"): allow(operator=(REVIEW, "none")),
    # the overdue list (未依法备案单位名单): the operator's jurisdiction, optionally narrowed by ?division; the
    # other departments read the list of their division (docs/rules.md §16); only the unit's own authority
    # records enforcement steps (§15)
    ("GET", "/review/overdue"): allow(operator=(READ, "division"), data_sharing=(OVERDUE, "division")),
    ("POST", "/review/overdue/export"): allow(operator=(READ, "division"), data_sharing=(OVERDUE, "division")),
    ("GET", "/api/v1/overdue"): allow(operator=(READ, "division"), data_sharing=(OVERDUE, "division")),
    ("POST", "/review/overdue/{uscc}/enforcement"): allow(operator=(REVIEW, "unit_review")),
    ("POST", "/api/v1/overdue/{uscc}/enforcement"): allow(operator=(REVIEW, "unit_review")),
    # statistics: 业务操作员 at any level (a county sees itself), administrators at province/city
    # (StatsService refuses a county administrator)
    ("GET", "/stats"): allow(operator=(READ, "none"), data_sharing=(LOOKUP, "none"), **{r: "none" for r in ADMINS}),
    # the filings and rows of its jurisdiction; a department's of its division (§16)
    ("POST", "/stats/export"): allow(operator=(READ, "none"), data_sharing=(LOOKUP, "none")),
    # exports built by a job (services/exports.py): the service checks the kind's rights when asked, and that
    # an export is followed and downloaded only by whoever asked for it
    ("POST", "/api/v1/exports"): EXPORTERS,
    ("GET", "/api/v1/exports/{export_id}"): EXPORTERS,
    ("GET", "/api/v1/exports/{export_id}/file"): EXPORTERS,
    ("GET", "/api/v1/exports"): EXPORTERS,  # 我的导出: the caller's own
    ("GET", "/exports"): EXPORTERS,
    ("GET", "/exports/{export_id}"): EXPORTERS,
    ("GET", "/exports/{export_id}/progress"): EXPORTERS,  # the export page's script
    ("GET", "/exports/{export_id}/file"): EXPORTERS,
    # data sharing: look-up by ID number — the sharing account province-wide with full IDs, an
    # operator within its jurisdiction, masked (services/persons.py); statistics read-only
    ("GET", "/share/persons"): allow(data_sharing=(LOOKUP, "none"), operator=(READ, "none")),
    ("POST", "/share/persons"): allow(data_sharing=(LOOKUP, "none"), operator=(READ, "none")),
    ("POST", "/api/v1/share/persons"): allow(data_sharing=(LOOKUP, "none"), operator=(READ, "none")),
    # a unit by its USCC: the departments' accounts, within their division (services/unit_lookup.py)
    ("GET", "/share/units"): allow(data_sharing=(LOOKUP, "none")),
    ("POST", "/share/units"): allow(data_sharing=(LOOKUP, "none")),
    ("POST", "/api/v1/share/units"): allow(data_sharing=(LOOKUP, "none")),
    ("GET", "/api/v1/share/stats"): allow(data_sharing=(LOOKUP, "none"), operator=(READ, "none"),
                                          **{r: "none" for r in ADMINS}),
    # a unit's life (docs/rules.md §11): the filer its own unit (founding date once, a closure request); the
    # 业务操作员 of the unit's authority or above it reads the unit and records closures, refusals, reopenings
    ("GET", "/api/v1/units/{uscc}"): allow(filer="own_unit", operator=(READ, "unit")),
    ("PUT", "/api/v1/units/{uscc}/founding"): allow(filer="own_unit", operator=(REVIEW, "unit")),
    ("POST", "/api/v1/units/{uscc}/closure-request"): allow(filer="own_unit"),
    ("POST", "/api/v1/units/{uscc}/closure-request/refuse"): allow(operator=(REVIEW, "unit")),
    ("POST", "/api/v1/units/{uscc}/closure"): allow(operator=(REVIEW, "unit")),
    ("POST", "/api/v1/units/{uscc}/reopen"): allow(operator=(REVIEW, "unit")),
    ("GET", "/api/v1/closure-requests"): allow(operator=(READ, "none")),
    ("GET", "/units/{uscc}"): allow(operator=(READ, "unit")),
    ("POST", "/units/{uscc}/founding"): allow(operator=(REVIEW, "unit")),
    ("POST", "/units/{uscc}/closure"): allow(operator=(REVIEW, "unit")),
    ("POST", "/units/{uscc}/refuse"): allow(operator=(REVIEW, "unit")),
    ("POST", "/units/{uscc}/reopen"): allow(operator=(REVIEW, "unit")),
    ("GET", "/review/closures"): allow(operator=(READ, "none")),
    ("POST", "/employer/founding"): allow(filer="none"),
    ("POST", "/employer/closure-request"): allow(filer="none"),
    # 业务审计员: the audit log and nothing else
    ("GET", "/audit"): allow(auditor=(AUDIT, "none")),
    ("GET", "/api/v1/audit"): allow(auditor=(AUDIT, "none")),
    ("POST", "/audit/export"): allow(auditor=(AUDIT, "none")),  # the filtered events, built by the export job
    # accounts and account applications (附件2)
    # the day's reminder counts (pages/notifications.py): system administrators, within their jurisdiction
    ("GET", "/admin/notifications"): allow(system_admin="none"),
    ("GET", "/admin/accounts"): allow(**{r: (ACCOUNTS, "division") for r in ADMINS}),
    ("GET", "/admin/accounts/{username}"): allow(**{r: (ACCOUNTS, "account") for r in ADMINS}),
    ("POST", "/admin/accounts/{username}/unlock"): allow(security=("account.unlock", "account_manage")),
    ("GET", "/api/v1/admin/accounts"): allow(**{r: (ACCOUNTS, "division") for r in ADMINS}),
    ("GET", "/api/v1/admin/accounts/{username}"): allow(**{r: (ACCOUNTS, "account") for r in ADMINS}),
    ("POST", "/api/v1/admin/accounts/{username}/unlock"): allow(security=("account.unlock", "account_manage")),
    ("GET", "/admin/applications"): allow(**{r: (APPLY, "none") for r in ("operator", *ADMINS)}),
    ("GET", "/admin/applications/new"): allow(**{r: (APPLY, "none") for r in ("operator", *ADMINS)}),
    ("POST", "/admin/applications/new"): allow(**{r: (APPLY, "none") for r in ("operator", *ADMINS)}),
    ("GET", "/admin/applications/{application_id}"):
        allow(operator=(APPLY, "application_read"), **{r: (ACCOUNTS, "application_read") for r in ADMINS}),
    ("POST", "/admin/applications/{application_id}/business-review"):
        allow(business_admin=("application.business_review", "application_handle")),
    ("POST", "/admin/applications/{application_id}/it-review"):
        allow(security=("application.it_review", "application_handle")),
    ("POST", "/admin/applications/{application_id}/execute"):
        allow(system_admin=("application.execute", "application_handle")),
    ("GET", "/api/v1/admin/applications"): allow(**{r: (APPLY, "none") for r in ("operator", *ADMINS)}),
    ("POST", "/api/v1/admin/applications"): allow(**{r: (APPLY, "none") for r in ("operator", *ADMINS)}),
    ("GET", "/api/v1/admin/applications/{application_id}"):
        allow(operator=(APPLY, "application_read"), **{r: (ACCOUNTS, "application_read") for r in ADMINS}),
    ("POST", "/api/v1/admin/applications/{application_id}/business-review"):
        allow(business_admin=("application.business_review", "application_handle")),
    ("POST", "/api/v1/admin/applications/{application_id}/it-review"):
        allow(security=("application.it_review", "application_handle")),
    ("POST", "/api/v1/admin/applications/{application_id}/execute"):
        allow(system_admin=("application.execute", "application_handle")),
    # 变更审核机关 (docs/rules.md §11): the unit or its authority asks (the province directly, for any unit), the
    # receiving authority decides, the asker may withdraw; both authorities and the unit read it. The service
    # checks which side may do what (services/transfers.py, domain/transfers.py).
    ("POST", "/api/v1/units/{uscc}/transfers"): allow(filer="own_unit", operator=(REVIEW, "unit_authority")),
    ("GET", "/api/v1/units/{uscc}/transfers"): allow(filer="own_unit", operator=(READ, "none")),
    ("GET", "/api/v1/transfers"): allow(operator=(READ, "none")),
    ("GET", "/api/v1/transfers/{transfer_id}"): allow(filer="transfer", operator=(READ, "transfer")),
    ("POST", "/api/v1/transfers/{transfer_id}/accept"): allow(operator=(REVIEW, "transfer")),
    ("POST", "/api/v1/transfers/{transfer_id}/refuse"): allow(operator=(REVIEW, "transfer")),
    ("POST", "/api/v1/transfers/{transfer_id}/cancel"): allow(filer="transfer", operator=(REVIEW, "transfer")),
    ("GET", "/transfers"): allow(operator=(READ, "none")),
    ("GET", "/transfers/new"): allow(filer="none", operator=(REVIEW, "none")),  # ?uscc= for a reviewer
    ("POST", "/transfers/new"): allow(filer="none", operator=(REVIEW, "none")),
    ("GET", "/transfers/{transfer_id}"): allow(filer="transfer", operator=(READ, "transfer")),
    ("POST", "/transfers/{transfer_id}/accept"): allow(operator=(REVIEW, "transfer")),
    ("POST", "/transfers/{transfer_id}/refuse"): allow(operator=(REVIEW, "transfer")),
    ("POST", "/transfers/{transfer_id}/cancel"): allow(filer="transfer", operator=(REVIEW, "transfer")),
    # employer identity and account recovery (docs/rules.md §12): SMS codes for registration and 忘记密码 to anyone
    # (answers never tell whether an account exists); one's own contacts and, for the 单位管理员 (checked by
    # services/unit_people.py), the unit's 经办人 and the hand-over of the role; the unit's authority (or above)
    # reads its accounts; a reviewer of the unit's authority rebinds a lost unit
    ("POST", "/register/code"): PUBLIC,
    ("POST", "/api/v1/employers/register/code"): PUBLIC,
    ("GET", "/password-reset"): PUBLIC,
    ("POST", "/password-reset"): PUBLIC,
    ("POST", "/password-reset/code"): PUBLIC,
    ("POST", "/api/v1/auth/password-reset/code"): PUBLIC,
    ("POST", "/api/v1/auth/password-reset"): PUBLIC,
    ("POST", "/api/v1/me/contact/code"): allow(filer="none"),
    ("PUT", "/api/v1/me/contact"): allow(filer="none"),
    ("GET", "/api/v1/unit/people"): allow(filer="none"),
    ("POST", "/api/v1/unit/people"): allow(filer="none"),
    ("DELETE", "/api/v1/unit/people/{person}"): allow(filer="unit_person"),
    ("POST", "/api/v1/unit/people/code"): allow(filer="none"),
    ("POST", "/api/v1/unit/people/{person}/hand-over"): allow(filer="unit_person"),
    ("GET", "/api/v1/units/{uscc}/people"): allow(operator=(READ, "unit"), **{r: (ACCOUNTS, "unit") for r in ADMINS}),
    ("GET", "/employer/people"): allow(filer="none"),
    ("POST", "/employer/people"): allow(filer="none"),
    ("POST", "/employer/people/{person}/remove"): allow(filer="unit_person"),
    ("POST", "/employer/people/code"): allow(filer="none"),
    ("POST", "/employer/people/hand-over"): allow(filer="none"),
    ("POST", "/employer/contact/code"): allow(filer="none"),
    ("POST", "/employer/contact"): allow(filer="none"),
    ("POST", "/api/v1/units/{uscc}/rebind/code"): allow(operator=(REVIEW, "unit_review")),
    ("POST", "/api/v1/units/{uscc}/rebind"): allow(operator=(REVIEW, "unit_review")),
    ("GET", "/review/units/{uscc}/rebind"): allow(operator=(REVIEW, "unit_review")),
    ("POST", "/review/units/{uscc}/rebind"): allow(operator=(REVIEW, "unit_review")),
}

# What an account signed in with a one-time initial password may do before changing it.
WHILE_PASSWORD_TEMPORARY = {("GET", "/account/password"), ("POST", "/account/password"), ("POST", "/logout"),
                            ("POST", "/api/v1/auth/password"), ("POST", "/api/v1/auth/logout"), ("GET", "/api/v1/me")}
# what an account whose role signs in with TOTP may do before it has enrolled (docs/rules.md §13)
WHILE_ENROLLING = {("GET", "/account/second-factor"), ("POST", "/account/second-factor"), ("POST", "/logout"),
                   ("GET", "/api/v1/auth/second-factor/enrolment"), ("POST", "/api/v1/auth/second-factor/enrolment"),
                   ("POST", "/api/v1/auth/logout"), ("GET", "/api/v1/me")}


def in_scope(scope: str, who: Any, target: Any) -> bool:
    """Does `target` (a filing, division code, account or application) fall in `who`'s scope under `scope`?"""
    from ..domain import jurisdiction, transfers  # cold start: domain data and models load on first use
    from ..domain.model import Role
    from ..domain.roles import covers, managing_division
    if scope == "own_filing":
        return target.uscc == who.scope
    if scope == "filing_read":  # the new authority of a transferred unit reads its history too (rules.md §11)
        return transfers.reads_filing(who.scope, target, container().store.get_unit)
    if scope == "filing_review":
        return jurisdiction.Scope(who.scope).can_review(target.authority_code)
    if scope == "division":
        return covers(who.scope, target)
    if scope == "account":
        return target.role != Role.FILER and covers(who.scope, target.scope)
    if scope == "account_manage":
        return target.role != Role.FILER and managing_division(target.role, target.scope) == who.scope
    if scope == "application_read":
        from ..services.applications import may_read
        return may_read(who, target)
    if scope == "application_handle":
        return target.managing_division == who.scope
    if scope == "unit_review":
        return jurisdiction.Scope(who.scope).can_review(target.authority_code)
    if scope == "own_unit":
        return target.uscc == who.scope
    if scope == "unit_authority":  # its current authority asks; the province transfers any unit directly
        return jurisdiction.Scope(who.scope).can_review(target.authority_code) or transfers.may_transfer_directly(
            who.scope)
    if scope == "unit_person":  # another of the filer's own unit's accounts
        return target.role == Role.FILER and target.scope == who.scope
    if scope == "transfer":
        return target.readable_by(who.scope, filer=who.role == Role.FILER)
    if scope == "unit":
        return jurisdiction.Scope(who.scope).can_read(target.authority_code)
    raise KeyError(scope)


def _target(request: Request, kind: str, name: str) -> Any:
    """The object a request aims at, or None if there is none (the handler then answers 404 or 400).
    Read straight from the store: deciding access must not depend on the services' own checks."""
    if name.startswith("?"):
        return (request.query_params or {}).get(name[1:]) or None
    value = (request.uri_params or {}).get(name)
    if not value:
        return None
    store = container().store
    return {"filing": store.get_filing, "account": store.get_account, "application": store.get_application,
            "unit": store.get_unit, "transfer": store.get_transfer}[kind](value)


def decide(rule: Rule, who: Any, request: Request) -> tuple[int, str] | None:
    """None to let the request through, else (status, Chinese message)."""
    if rule.public:
        return None
    if who is None:
        return 401, "请先登录"
    grant = rule.grant_for(who.role.value)
    if grant is None or (grant.permission and not who.can(grant.permission)):
        return 403, "您的账号无权访问此功能"
    if SCOPES[grant.scope] is None:
        return None
    name, kind, status = SCOPES[grant.scope]
    target = _target(request, kind, name)
    if target is None or in_scope(grant.scope, who, target):
        return None
    return status, "备案不存在" if status == 404 else "不在您的管辖范围内"


def guard(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice 'http' middleware: enforce RULES before the handler runs; every answer of a site served over
    https tells browsers to keep to https (HSTS)."""
    response = _guarded(request, get_response)
    if container().settings.https:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def _guarded(request: Request, get_response: Callable[[Request], Response]) -> Response:
    key = (request.method, request.path)
    rule = RULES.get(key)
    if rule is None and (allowed := [m for m, path in RULES if path == request.path]):
        return _answer(request, 405, f"该地址不支持{request.method}请求（可用：{'、'.join(allowed)}）",
                       "method_not_allowed", headers={"Allow": ", ".join(allowed)})
    if rule is None:
        log.error("no access rule for %s %s: refused (add it to chalicelib/web/access.py RULES)", *key)
        return _refuse(request, 403, "该功能尚未声明访问规则（chalicelib/web/access.py），暂不可用", "forbidden")
    who = None if rule.public else caller(request)
    if who is not None and who.must_change_password and key not in WHILE_PASSWORD_TEMPORARY:
        return _refuse(request, 403, "请先修改初始密码", "password_change_required", to="/account/password")
    if who is not None and who.must_enrol_second_factor and key not in WHILE_ENROLLING:
        return _refuse(request, 403, "请先绑定身份验证器（动态口令）", "second_factor_enrolment_required",
                       to="/account/second-factor")
    denied = decide(rule, who, request)
    if denied is None:
        response = get_response(request)
        if response.status_code == 415:  # Chalice's own answer, in English
            return _answer(request, 415, f"不支持的内容类型：{request.headers.get('content-type', '（未注明）')}",
                           "unsupported_media_type")
        return response
    status, message = denied
    if status == 401:
        path = own_path(request)
        return _refuse(request, 401, message, "unauthenticated", to=f"/login?next={quote(path)}")
    return _refuse(request, status, message, "not_found" if status == 404 else "forbidden")


def _refuse(request: Request, status: int, message: str, code: str, to: str | None = None) -> Response:
    """The refusal, marked `X-Access: denied` (so a 404 from here is told apart from a missing record)."""
    response = _answer(request, status, message, code, to)
    response.headers["X-Access"] = "denied"
    return response


def _answer(request: Request, status: int, message: str, code: str, to: str | None = None,
            headers: dict[str, str] | None = None) -> Response:
    """An error as docs/api.md shapes it on the API, a Chinese page (or a redirect `to`) on the pages."""
    if is_api(request):
        response = json_response(error_body(code, message), status)
    else:
        page = Page(request)
        response = page.go(to) if to else page.render("error.html", status, message=message)
    response.headers.update(headers or {})
    return response