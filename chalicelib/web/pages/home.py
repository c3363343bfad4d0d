"""The front door: the start page, signing in and out, a unit's registration, one's own password."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import Conflict, DomainError, SecondFactorRequired, ValidationFailed, retry_headers
from ..http import client_address
from ..page import FORM, Page, is_local_path, page

if TYPE_CHECKING:
    from ...services.accounts import Principal

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
        except SecondFactorRequired as e:  # the password was right: ask for the authenticator's code
            return p.render("login_code.html", 200, challenge=e.challenge, next=p.query.get("next", ""), error=None)
        except DomainError as e:  # 401 wrong password, 429 wait (Retry-After), 403 frozen
            error, status, headers = e.message, e.status, retry_headers(e)
        else:
            return _signed_in(p, token, who)
    return p.render("login.html", status, headers, error=error, username=p.form.get("username", ""))


@routes.route("/login/code", methods=["POST"], content_types=FORM)
@page()
def login_code(p: Page) -> Response:
    """The sign-in's second step: the authenticator's code (or a recovery code)."""
    challenge = p.form.get("challenge", "")
    try:
        token, _, who = container().accounts.second_factor(challenge, p.form.get("code", ""),
                                                           client_address(p.request))
    except SecondFactorRequired as e:  # a wrong code: ask again
        return p.render("login_code.html", 401, challenge=e.challenge, next=p.form.get("next", ""), error=e.message)
    except DomainError as e:  # the challenge expired, or a wait
        return p.render("login.html", e.status, retry_headers(e), error=e.message, username="")
    return _signed_in(p, token, who, p.form.get("next", ""))


def _signed_in(p: Page, token: str, who: Principal, nxt: str | None = None) -> Response:
    p.sign_in(token)
    if who.must_change_password:  # a one-time initial password: change it before anything else
        return p.go("/account/password")
    if who.must_enrol_second_factor:  # its role signs in with TOTP: enrol before anything else
        return p.go("/account/second-factor")
    nxt = p.query.get("next", "") if nxt is None else nxt
    return p.go(nxt if is_local_path(nxt) else who.home)


@routes.route("/account/second-factor", methods=["GET", "POST"], content_types=FORM)
@page("any")
def enrol_second_factor(p: Page) -> Response:
    """Enrolment by QR code: scan, type the first code, keep the recovery codes shown once."""
    from ...services.second_factor import qr_svg  # cold start: only enrolment draws QR codes

    accounts = container().accounts
    error, status = None, 200
    if p.request.method == "POST":
        try:
            codes = accounts.finish_enrolment(p.user, p.form.get("enrolment", ""), p.form.get("code", ""))
        except ValidationFailed as e:
            error, status = e.message, 422
        else:
            return p.render("second_factor_done.html", codes=codes, home=p.user.home)
    try:
        uri, enrolment = accounts.start_enrolment(p.user)
    except Conflict as e:
        return p.render("error.html", 409, message=e.message, details=[])
    return p.render("second_factor.html", status, qr=qr_svg(uri), secret=uri.split("secret=")[1].split("&")[0],
                    enrolment=enrolment, error=error)


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
    from ...domain.reference import authority_phone  # cold start: domain data and models load on first use
    from ...services.accounts import REGISTER_TITLES, Registration

    errors, message = [], None
    if p.request.method == "POST" and not p.form.get("edit"):  # 返回修改 shows the form again, as typed
        people, data = container().people, Registration.from_form(p.form)
        try:
            if p.form.get("confirmed") != "1":  # first the authority, for the filer to confirm (docs/rules.md §2)
                authority = people.preview(data)
                return p.render("register_confirm.html", form=p.form, authority=authority,
                                phone=authority_phone(authority.code), titles=REGISTER_TITLES,
                                place=division_label(data.registration_division.strip()),
                                affiliations=AFFILIATION_LABELS)
            unit, authority = people.register(data, p.form["verification_code"])
        except DomainError as e:
            errors, message = e.details, e.message
        else:
            return p.render("registered.html", unit=unit, authority=authority, phone=authority_phone(authority.code))
    return _register_page(p, errors, message)


def division_label(code: str) -> str:
    """A county-level division as the registration shows it: 太原市 小店区（140105）."""
    from ...domain.reference import divisions  # cold start: domain data and models load on first use
    d = divisions()
    return f"{d[d[code].parent_code].name} {d[code].name}（{code}）"


# 隶属关系 as a filer recognises it, the most common first: most units have no superior (民营, 个体) and file where
# they are registered; 中央 last, so that a private firm no longer picks it by accident (docs/rules.md §2)
AFFILIATION_ORDER = ("其他", "县", "市", "省", "中央")
AFFILIATION_LABELS = {"其他": "无上级主管部门（民营企业、个体、民办非企业等）", "县": "县（市、区）属", "市": "市属",
                      "省": "省属", "中央": "中央驻晋"}


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
    options = {k: [(v, v) for v in c[k]] for k in ("unit_type", "economic_type")}
    options["affiliation"] = [(v, AFFILIATION_LABELS[v]) for v in AFFILIATION_ORDER]
    options["industry"] = [(k, f"{k} {v}") for k, v in c["industry"].items()]
    options["registration_division"] = [(x.code, division_label(x.code)) for x in d.values() if x.level == "county"]
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
