"""The front door: the start page, signing in and out, a unit's registration, one's own password."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import DomainError, ValidationFailed
from ..http import client_address
from ..page import FORM, Page, is_local_path, page

routes = Blueprint(__name__)


@routes.route("/", methods=["GET"])
@page()
def index(p: Page) -> Response:
    if p.who:
        return p.go(p.who.home)
    return p.render("index.html")


@routes.route("/login", methods=["GET", "POST"], content_types=FORM)
@page()
def login(p: Page) -> Response:
    error, status = None, 200
    if p.request.method == "POST":
        try:
            token, _, who = container().accounts.login(p.form.get("username", ""), p.form.get("password", ""))
        except DomainError as e:
            error, status = e.message, e.status  # 401 wrong password, 423 locked, 403 frozen
        else:
            p.sign_in(token)
            if who.must_change_password:  # a one-time initial password: change it before anything else
                return p.go("/account/password")
            nxt = p.query.get("next", "")
            return p.go(nxt if is_local_path(nxt) else who.home)
    return p.render("login.html", status, error=error, username=p.form.get("username", ""))


@routes.route("/logout", methods=["POST"], content_types=FORM)
@page()
def logout(p: Page) -> Response:
    if p.who:  # ends every session of the account, not just this cookie
        container().accounts.logout(p.who)
    p.sign_out()
    return p.go("/login")


@routes.route("/register", methods=["GET", "POST"], content_types=FORM)
@page()
def register(p: Page) -> Response:
    from ...services.accounts import Registration  # cold start: domain data and models load on first use

    errors, message = [], None
    if p.request.method == "POST":
        try:
            unit, authority = container().people.register(Registration.from_form(p.form), p.form["verification_code"])
        except DomainError as e:
            errors, message = e.details, e.message
        else:
            return p.render("registered.html", unit=unit, authority=authority)
    return _register_page(p, errors, message)


@routes.route("/register/code", methods=["POST"], content_types=FORM)
@page()
def register_code(p: Page) -> Response:
    """The form's 获取验证码 button: a code to the filer's mobile (docs/rules.md §12), the form kept as typed."""
    try:
        container().people.request_registration_code(p.form["filer_mobile"], client_address(p.request))
    except DomainError as e:
        return _register_page(p, [{**d, "field": "filer_mobile"} for d in e.details], e.message, e.status)
    return _register_page(p, [], None, sent=True)


def _register_page(p: Page, errors: list[dict[str, Any]], message: str | None, status: int | None = None,
                   sent: bool = False) -> Response:
    from ...domain.reference import codes, divisions
    from ...services.accounts import REGISTER_TITLES
    c, d = codes(), divisions()
    options = {k: [(v, v) for v in c[k]] for k in ("unit_type", "economic_type", "affiliation")}
    options["industry"] = [(k, f"{k} {v}") for k, v in c["industry"].items()]
    options["registration_division"] = [(x.code, f"{d[x.parent_code].name} {x.name}（{x.code}）")
                                        for x in d.values() if x.level == "county"]
    return p.render("register.html", status or (422 if message else 200), form=p.form, errors=errors, message=message,
                    titles=REGISTER_TITLES, options=options, sent=sent)


@routes.route("/account/password", methods=["GET", "POST"], content_types=FORM)
@page("any")
def password(p: Page) -> Response:
    errors, message = [], None
    if p.request.method == "POST":
        try:
            token, _, who = container().accounts.change_password(p.user, p.form.get("old_password", ""),
                                                                 p.form.get("new_password", ""))
        except ValidationFailed as e:
            errors, message = e.details, e.message
        else:
            p.sign_in(token)
            return p.go(who.home)
    return p.render("account_password.html", 422 if message else 200, errors=errors, message=message)
