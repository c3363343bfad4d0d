"""The front door: the start page, signing in and out, a unit's registration, one's own password."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import DomainError, ValidationFailed, retry_headers
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
    error, status, headers = None, 200, {}
    if p.request.method == "POST":
        try:
            token, _, who = container().accounts.login(p.form.get("username", ""), p.form.get("password", ""),
                                                       client_address(p.request))
        except DomainError as e:  # 401 wrong password, 429 wait (Retry-After), 403 frozen
            error, status, headers = e.message, e.status, retry_headers(e)
        else:
            p.sign_in(token)
            if who.must_change_password:  # a one-time initial password: change it before anything else
                return p.go("/account/password")
            nxt = p.query.get("next", "")
            return p.go(nxt if is_local_path(nxt) else who.home)
    return p.render("login.html", status, headers, error=error, username=p.form.get("username", ""))


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
    from ...domain.reference import codes, divisions  # cold start: domain data and models load on first use
    from ...services.accounts import REGISTER_TITLES, Registration

    errors, message = [], None
    if p.request.method == "POST":
        try:
            unit, authority = container().accounts.register(Registration.from_form(p.form))
        except DomainError as e:
            errors, message = e.details, e.message
        else:
            return p.render("registered.html", unit=unit, authority=authority)
    c, d = codes(), divisions()
    options = {k: [(v, v) for v in c[k]] for k in ("unit_type", "economic_type", "affiliation")}
    options["industry"] = [(k, f"{k} {v}") for k, v in c["industry"].items()]
    options["registration_division"] = [(x.code, f"{d[x.parent_code].name} {x.name}（{x.code}）")
                                        for x in d.values() if x.level == "county"]
    return p.render("register.html", 422 if message else 200, form=p.form, errors=errors, message=message,
                    titles=REGISTER_TITLES, options=options)


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
