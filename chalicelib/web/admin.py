"""Accounts and account applications (附件2): admin pages under /admin, their JSON API under /api/v1/admin,
one's own password and sign-out. Who may call each route is declared in access.py (RULES)."""
from __future__ import annotations

from collections import defaultdict
from urllib.parse import parse_qs

from chalice import Blueprint

from ..bootstrap import container as _c
from .http import api_errors, json_body, json_response, set_cookie
from .pages import FORM, SESSION, Page, page

admin_pages = Blueprint(__name__)
admin_api = Blueprint(__name__ + ".api")


# ---------- JSON shapes ----------

def account_json(a) -> dict:
    from ..domain.identifiers import mask_id
    from ..domain.jurisdiction import authority
    from ..domain.model import ROLE_LABEL
    from ..domain.roles import effective_permissions
    return {"username": a.username, "display_name": a.display_name, "role": a.role.value,
            "role_label": ROLE_LABEL[a.role], "division": authority(a.scope).as_dict(), "status": a.status,
            "status_label": _status_text(a.status), "permissions": sorted(effective_permissions(a.role, a.permissions)),
            "id_number": mask_id(a.id_number) if a.id_number else None, "unit": a.unit, "position": a.position,
            "mobile": a.mobile, "email": a.email, "created_at": a.created_at, "locked_at": a.locked_at,
            "must_change_password": a.must_change_password}


def application_json(a) -> dict:
    from ..domain.identifiers import mask_id
    body = a.model_dump(mode="json")
    body.update(kind_label=a.kind_label, status_label=a.status_label,
                person_id_number=mask_id(a.person_id_number) if a.person_id_number else None)
    return body


def _status_text(status: str) -> str:
    from ..services.applications import STATUS_TEXT
    return STATUS_TEXT.get(status, status)


def _decision(value) -> bool:
    from ..domain.errors import ValidationFailed, problem
    if value not in ("approve", "reject"):
        message = "请选择同意或不同意"
        raise ValidationFailed(message, [problem(message, column="意见", field="decision")])
    return value == "approve"


def _version(value) -> int:
    from .api import _int
    return _int(value, "version", "版本号", 1)


# ---------- pages: applications ----------

def _form_lists(p: Page) -> dict:
    """The POSTed form with repeated fields (the permission checkboxes) kept as lists."""
    raw = p.request.raw_body or b""
    return {k: (v if k == "permissions" else v[-1])
            for k, v in parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True).items()}


@admin_pages.route("/admin/applications", methods=["GET"])
@page("any")
def applications(p: Page):
    from ..domain.applications import STATUS_LABEL
    status = (p.request.query_params or {}).get("status", "")
    c = _c()
    items = c.applications.list(p.who, status=status or None)
    mine = {a.id for a in items if c.applications.next_step_for(p.who, a)}
    return p.render("admin_applications.html", items=items, status_filter=status, statuses=STATUS_LABEL, mine=mine)


@admin_pages.route("/admin/applications/new", methods=["GET", "POST"], content_types=FORM)
@page("any")
def application_new(p: Page):
    from ..domain.errors import ValidationFailed
    values, errors, message = defaultdict(str, p.request.query_params or {}), [], None
    if p.request.method == "POST":
        values = defaultdict(str, _form_lists(p))
        try:
            created = _c().applications.apply(p.who, values)
        except ValidationFailed as e:
            errors, message = e.details, e.message
        else:
            return p.go(f"/admin/applications/{created.id}?created=1")
    return p.render("admin_application_new.html", 422 if message else 200, values=values, errors=errors,
                    message=message, **_form_options(p.who))


def _form_options(who) -> dict:
    from ..domain.applications import KIND_LABEL
    from ..domain.jurisdiction import authority
    from ..domain.reference import divisions
    from ..domain.roles import PERMISSION_LABEL, ROLE_ACCOUNT_LABEL, covers
    from ..services.applications import TITLES
    return {"titles": TITLES, "kinds": [(k.value, label) for k, label in KIND_LABEL.items()],
            "roles": [(r.value, label) for r, label in ROLE_ACCOUNT_LABEL.items()],
            "divisions": [(d.code, f"{authority(d.code).name}（{d.code}）") for d in divisions().values()
                          if covers(who.scope, d.code)],
            "permission_labels": [(perm.value, label) for perm, label in PERMISSION_LABEL.items()]}


def _application_page(p: Page, application_id: str, *, status: int = 200, message: str | None = None,
                      password: str | None = None):
    from ..domain.jurisdiction import authority
    from ..domain.roles import PERMISSION_LABEL, ROLE_ACCOUNT_LABEL
    c = _c()
    application = c.applications.get(p.who, application_id)
    return p.render("admin_application.html", status, a=application, step=c.applications.next_step_for(p.who, application),
                    message=message, password=password, created="created" in (p.request.query_params or {}),
                    division_name=authority(application.division).name if application.division else "",
                    managing_name=authority(application.managing_division).name,
                    role_label=ROLE_ACCOUNT_LABEL.get(application.role, application.role),
                    permission_labels=PERMISSION_LABEL)


@admin_pages.route("/admin/applications/{application_id}", methods=["GET"])
@page("any")
def application_detail(p: Page, application_id):
    return _application_page(p, application_id)


def _opinion(p: Page, application_id: str, step: str):
    from ..domain.errors import Conflict, ValidationFailed
    service = _c().applications
    act = service.business_review if step == "business" else service.it_review
    try:
        act(p.who, application_id, approve=_decision(p.form.get("decision")), comment=p.form.get("comment", ""),
            version=_version(p.form.get("version")))
    except (Conflict, ValidationFailed) as e:
        return _application_page(p, application_id, status=e.status, message=e.message)
    return p.go(f"/admin/applications/{application_id}")


@admin_pages.route("/admin/applications/{application_id}/business-review", methods=["POST"], content_types=FORM)
@page("any")
def application_business_review(p: Page, application_id):
    return _opinion(p, application_id, "business")


@admin_pages.route("/admin/applications/{application_id}/it-review", methods=["POST"], content_types=FORM)
@page("any")
def application_it_review(p: Page, application_id):
    return _opinion(p, application_id, "it")


@admin_pages.route("/admin/applications/{application_id}/execute", methods=["POST"], content_types=FORM)
@page("any")
def application_execute(p: Page, application_id):
    """Carries the application out. A new account's initial password is in this one response only
    (pages are served with Cache-Control: no-store)."""
    from ..domain.errors import Conflict, ValidationFailed
    try:
        _, password = _c().applications.execute(p.who, application_id, version=_version(p.form.get("version")))
    except (Conflict, ValidationFailed) as e:
        return _application_page(p, application_id, status=e.status, message=e.message)
    if password is None:
        return p.go(f"/admin/applications/{application_id}")
    return _application_page(p, application_id, password=password)


# ---------- pages: accounts ----------

@admin_pages.route("/admin/accounts", methods=["GET"])
@page("any")
def accounts(p: Page):
    from ..domain.jurisdiction import authority
    from ..domain.model import ROLE_LABEL
    division = (p.request.query_params or {}).get("division", "")
    c = _c()
    items = c.accounts.list_staff(p.who, division or None)
    choices = [(code, authority(code).name) for code in c.accounts.visible_divisions(p.who)]
    return p.render("admin_accounts.html", items=items, division=division, choices=choices, role_label=ROLE_LABEL,
                    status_text=_status_text, authority_of=authority)


def _account_page(p: Page, username: str, *, status: int = 200, message: str | None = None):
    from ..domain.jurisdiction import authority
    from ..domain.model import ROLE_LABEL
    from ..domain.roles import (
        PERMISSION_LABEL,
        Permission,
        effective_permissions,
        managing_division,
    )
    account = _c().accounts.get_staff(p.who, username)
    can_unlock = (account.status == "locked" and p.who.can(Permission.UNLOCK)
                  and managing_division(account.role, account.scope) == p.who.scope)
    return p.render("admin_account.html", status, a=account, message=message, role_label=ROLE_LABEL[account.role],
                    status_text=_status_text(account.status), division_name=authority(account.scope).name,
                    permissions=[PERMISSION_LABEL[Permission(x)] for x in
                                 sorted(effective_permissions(account.role, account.permissions))],
                    can_unlock=can_unlock, can_apply=p.who.can(Permission.APPLY),
                    unlocked="unlocked" in (p.request.query_params or {}))


@admin_pages.route("/admin/accounts/{username}", methods=["GET"])
@page("any")
def account_detail(p: Page, username):
    return _account_page(p, username)


@admin_pages.route("/admin/accounts/{username}/unlock", methods=["POST"], content_types=FORM)
@page("any")
def account_unlock(p: Page, username):
    from ..domain.errors import Conflict
    try:
        _c().accounts.unlock(p.who, username)
    except Conflict as e:
        return _account_page(p, username, status=409, message=e.message)
    return p.go(f"/admin/accounts/{username}?unlocked=1")


# ---------- pages: one's own password ----------

@admin_pages.route("/account/password", methods=["GET", "POST"], content_types=FORM)
@page("any")
def password(p: Page):
    from ..domain.errors import ValidationFailed
    errors, message = [], None
    if p.request.method == "POST":
        try:
            token, who = _c().accounts.change_password(p.who, p.form.get("old_password", ""),
                                                        p.form.get("new_password", ""))
        except ValidationFailed as e:
            errors, message = e.details, e.message
        else:
            p.set_cookies.append(set_cookie(SESSION, token, secure=p._secure))
            return p.go(who.home)
    return p.render("account_password.html", 422 if message else 200, errors=errors, message=message)


# ---------- JSON API (/api/v1) ----------

def _who():
    from .api import _who as who
    return who()


def _query() -> dict:
    return admin_api.current_request.query_params or {}


@admin_api.route("/auth/logout", methods=["POST"])
@api_errors
def api_logout():
    _c().accounts.logout(_who())
    return json_response({"signed_out": True})


@admin_api.route("/auth/password", methods=["POST"])
@api_errors
def api_password():
    import datetime as dt

    from ..domain.reference import policy
    body = json_body(admin_api.current_request)
    c = _c()
    token, who = c.accounts.change_password(_who(), str(body.get("old_password") or ""),
                                            str(body.get("new_password") or ""))
    expires = c.clock.now() + dt.timedelta(hours=policy().session_hours)
    return json_response({"token": token, "expires_at": expires.isoformat(), "role": who.role.value,
                          "scope": who.scope})


@admin_api.route("/admin/accounts", methods=["GET"])
@api_errors
def api_accounts():
    items = _c().accounts.list_staff(_who(), _query().get("division") or None)
    return json_response({"items": [account_json(a) for a in items]})


@admin_api.route("/admin/accounts/{username}", methods=["GET"])
@api_errors
def api_account(username):
    return json_response(account_json(_c().accounts.get_staff(_who(), username)))


@admin_api.route("/admin/accounts/{username}/unlock", methods=["POST"])
@api_errors
def api_unlock(username):
    return json_response(account_json(_c().accounts.unlock(_who(), username)))


@admin_api.route("/admin/applications", methods=["GET"])
@api_errors
def api_applications():
    items = _c().applications.list(_who(), status=_query().get("status") or None)
    return json_response({"items": [application_json(a) for a in items]})


@admin_api.route("/admin/applications", methods=["POST"])
@api_errors
def api_apply():
    who = _who()
    created = _c().applications.apply(who, json_body(admin_api.current_request))
    return json_response(application_json(created), 201)


@admin_api.route("/admin/applications/{application_id}", methods=["GET"])
@api_errors
def api_application(application_id):
    return json_response(application_json(_c().applications.get(_who(), application_id)))


def _api_opinion(application_id: str, step: str):
    who = _who()
    body = json_body(admin_api.current_request)
    service = _c().applications
    act = service.business_review if step == "business" else service.it_review
    comment = body.get("comment") if isinstance(body.get("comment"), str) else ""
    done = act(who, application_id, approve=_decision(body.get("decision")), comment=comment,
               version=_version(body.get("version")))
    return json_response(application_json(done))


@admin_api.route("/admin/applications/{application_id}/business-review", methods=["POST"])
@api_errors
def api_business_review(application_id):
    return _api_opinion(application_id, "business")


@admin_api.route("/admin/applications/{application_id}/it-review", methods=["POST"])
@api_errors
def api_it_review(application_id):
    return _api_opinion(application_id, "it")


@admin_api.route("/admin/applications/{application_id}/execute", methods=["POST"])
@api_errors
def api_execute(application_id):
    who = _who()
    body = json_body(admin_api.current_request)
    done, password = _c().applications.execute(who, application_id, version=_version(body.get("version")))
    return json_response({"application": application_json(done), "initial_password": password},
                         headers={"Cache-Control": "no-store"})
