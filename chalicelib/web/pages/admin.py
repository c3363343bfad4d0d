"""Reviewer-side accounts and account applications (附件2): the administrators' pages under /admin. Who may
open each page is declared in access.RULES."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import Conflict, DomainError, ValidationFailed
from ..http import approval_param, form_lists, version_param
from ..page import FORM, Page, page

routes = Blueprint(__name__)


# ---------- applications ----------

@routes.route("/admin/applications", methods=["GET"])
@page("any")
def applications(p: Page) -> Response:
    from ...domain.applications import STATUS_LABEL  # cold start: domain data and models load on first use

    status = p.query.get("status", "")
    service = container().applications
    items = service.list(p.user, status=status or None)
    mine = {a.id for a in items if service.next_step_for(p.user, a)}
    return p.render("admin_applications.html", items=items, status_filter=status, statuses=STATUS_LABEL, mine=mine)


@routes.route("/admin/applications/new", methods=["GET", "POST"], content_types=FORM)
@page("any")
def application_new(p: Page) -> Response:
    values: defaultdict[str, Any] = defaultdict(str, p.query)
    errors, message = [], None
    if p.request.method == "POST":  # the permission checkboxes arrive as a list, every other field once
        values = defaultdict(str, {k: v if k == "permissions" else v[-1] for k, v in form_lists(p.request).items()})
        try:
            created = container().applications.apply(p.user, values)
        except ValidationFailed as e:
            errors, message = e.details, e.message
        else:
            return p.go(f"/admin/applications/{created.id}?created=1")
    return p.render("admin_application_new.html", 422 if message else 200, values=values, errors=errors,
                    message=message, **_form_options(p))


def _form_options(p: Page) -> dict[str, Any]:
    from ...domain.applications import KIND_LABEL  # cold start: domain data and models load on first use
    from ...domain.jurisdiction import authority
    from ...domain.reference import divisions
    from ...domain.roles import DEPARTMENTS, PERMISSION_LABEL, ROLE_ACCOUNT_LABEL, covers
    from ...services.applications import TITLES
    return {"titles": TITLES, "kinds": [(k.value, label) for k, label in KIND_LABEL.items()],
            "departments": [(d, d) for d in DEPARTMENTS],
            "roles": [(r.value, label) for r, label in ROLE_ACCOUNT_LABEL.items()],
            "divisions": [(d.code, f"{authority(d.code).name}（{d.code}）") for d in divisions().values()
                          if covers(p.user.scope, d.code)],
            "permission_labels": [(str(perm), label) for perm, label in PERMISSION_LABEL.items()]}


def _application_page(p: Page, application_id: str, *, status: int = 200, message: str | None = None,
                      password: str | None = None) -> Response:
    from ...domain.jurisdiction import authority  # cold start: domain data and models load on first use
    from ...domain.roles import PERMISSION_LABEL, ROLE_ACCOUNT_LABEL

    service = container().applications
    application = service.get(p.user, application_id)
    return p.render("admin_application.html", status, a=application, step=service.next_step_for(p.user, application),
                    message=message, password=password, created="created" in p.query,
                    division_name=authority(application.division).name if application.division else "",
                    managing_name=authority(application.managing_division).name,
                    role_label=ROLE_ACCOUNT_LABEL.get(application.role, application.role),
                    permission_labels=PERMISSION_LABEL)


@routes.route("/admin/applications/{application_id}", methods=["GET"])
@page("any")
def application_detail(p: Page, application_id: str) -> Response:
    return _application_page(p, application_id)


def _opinion(p: Page, application_id: str, step: str) -> Response:
    service = container().applications
    act = service.business_review if step == "business" else service.it_review
    try:
        act(p.user, application_id, approve=approval_param(p.form.get("decision")), comment=p.form.get("comment", ""),
            version=version_param(p.form.get("version")))
    except (Conflict, ValidationFailed) as e:
        return _application_page(p, application_id, status=e.status, message=e.message)
    return p.go(f"/admin/applications/{application_id}")


@routes.route("/admin/applications/{application_id}/business-review", methods=["POST"], content_types=FORM)
@page("any")
def application_business_review(p: Page, application_id: str) -> Response:
    return _opinion(p, application_id, "business")


@routes.route("/admin/applications/{application_id}/it-review", methods=["POST"], content_types=FORM)
@page("any")
def application_it_review(p: Page, application_id: str) -> Response:
    return _opinion(p, application_id, "it")


@routes.route("/admin/applications/{application_id}/execute", methods=["POST"], content_types=FORM)
@page("any")
def application_execute(p: Page, application_id: str) -> Response:
    """Carries the application out. A new account's initial password is in this one response only
    (pages are served with Cache-Control: no-store)."""
    try:
        _, password = container().applications.execute(p.user, application_id, version=version_param(p.form.get("version")))
    except (Conflict, ValidationFailed) as e:
        return _application_page(p, application_id, status=e.status, message=e.message)
    if password is None:
        return p.go(f"/admin/applications/{application_id}")
    return _application_page(p, application_id, password=password)


# ---------- accounts ----------

@routes.route("/admin/accounts", methods=["GET"])
@page("any")
def accounts(p: Page) -> Response:
    from ...domain.jurisdiction import authority  # cold start: domain data and models load on first use
    from ...domain.model import ROLE_LABEL
    from ...services.applications import status_text

    division = p.query.get("division", "")
    service = container().accounts
    items = service.list_staff(p.user, division or None)
    choices = [(code, authority(code).name) for code in service.visible_divisions(p.user)]
    return p.render("admin_accounts.html", items=items, division=division, choices=choices, role_label=ROLE_LABEL,
                    status_text=status_text, authority_of=authority, **_unit_accounts(p, p.query.get("uscc", "")))


def _unit_accounts(p: Page, uscc: str) -> dict[str, Any]:
    """The search by USCC: a unit's filer accounts (单位管理员, 经办人) if it is within the caller's area."""
    from .people import staff_people_rows
    if not uscc.strip():
        return {"uscc": "", "unit": None, "unit_people": [], "unit_message": None}
    try:
        unit, people = container().people.unit_people(p.user, uscc)
    except DomainError as e:
        return {"uscc": uscc, "unit": None, "unit_people": [], "unit_message": e.message}
    return {"uscc": uscc, "unit": unit, "unit_people": staff_people_rows(people), "unit_message": None}


def _account_page(p: Page, username: str, *, status: int = 200, message: str | None = None) -> Response:
    from ...domain.jurisdiction import authority  # cold start: domain data and models load on first use
    from ...domain.model import ROLE_LABEL
    from ...domain.roles import PERMISSION_LABEL, Permission, effective_permissions, managing_division
    from ...services.applications import status_text

    from ...domain.sign_in import wait_text

    account = container().accounts.get_staff(p.user, username)
    wait = container().accounts.sign_in_wait(username)
    can_unlock = ((account.status == "locked" or bool(wait)) and p.user.can(Permission.UNLOCK)
                  and managing_division(account.role, account.scope) == p.user.scope)
    return p.render("admin_account.html", status, a=account, message=message, role_label=ROLE_LABEL[account.role],
                    status_text=status_text(account.status), wait=wait_text(wait) if wait else None,
                    division_name=authority(account.scope).name,
                    permissions=[PERMISSION_LABEL[Permission(x)] for x in
                                 sorted(effective_permissions(account.role, account.permissions))],
                    can_unlock=can_unlock, can_apply=p.user.can(Permission.APPLY), unlocked="unlocked" in p.query)


@routes.route("/admin/accounts/{username}", methods=["GET"])
@page("any")
def account_detail(p: Page, username: str) -> Response:
    return _account_page(p, username)


@routes.route("/admin/accounts/{username}/unlock", methods=["POST"], content_types=FORM)
@page("any")
def account_unlock(p: Page, username: str) -> Response:
    try:
        container().accounts.unlock(p.user, username)
    except Conflict as e:
        return _account_page(p, username, status=409, message=e.message)
    return p.go(f"/admin/accounts/{username}?unlocked=1")
