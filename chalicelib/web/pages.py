"""Server-rendered pages (Simplified Chinese, phone first): employer, reviewer, local mailbox."""
from __future__ import annotations

import functools
import hmac
import logging
from collections import defaultdict
from urllib.parse import quote, urlsplit

from chalice import Blueprint

from ..bootstrap import container as _c
from .http import cookies, form_body, html, new_csrf, redirect, set_cookie

log = logging.getLogger(__name__)
pages = Blueprint(__name__)
SESSION, CSRF = "session", "csrf"
FORM = ["application/x-www-form-urlencoded", "application/json"]  # GETs arrive as the default json type


class Page:
    """What every page handler gets: the caller, the CSRF token, and the parsed form on POST."""

    def __init__(self, request):
        self.request = request
        self.cookies = cookies(request)
        self.csrf = self.cookies.get(CSRF) or new_csrf()
        self.set_cookies: list[str] = []
        if CSRF not in self.cookies:
            self.set_cookies.append(set_cookie(CSRF, self.csrf, secure=self._secure))
        # missing form fields read as "" in templates
        self.form = defaultdict(str, form_body(request) if request.method == "POST" else {})
        from .access import caller
        self.who = caller(request)  # the session cookie's account, shared with the access guard

    @property
    def _secure(self) -> bool:
        return _c().settings.base_url.startswith("https://")

    def csrf_ok(self) -> bool:
        return bool(self.cookies.get(CSRF)) and hmac.compare_digest(self.form.get(CSRF, ""), self.cookies[CSRF])

    def render(self, template: str, status: int = 200, **context):
        return html(template, status, headers=self._cookie_headers(), page=self, who=self.who, csrf=self.csrf,
                    dev_mailbox=_c().settings.dev_mailbox, **context)

    def go(self, location: str):
        return redirect(location, headers=self._cookie_headers())

    def _cookie_headers(self) -> dict:
        return {"Set-Cookie": list(self.set_cookies)} if self.set_cookies else {}


def is_local_path(target: str) -> bool:
    """A same-site path to go to after sign-in (never another host: //x, /\\x, schemes, control characters)."""
    return (target.startswith("/") and not target.startswith(("//", "/\\"))
            and not any(ch in target for ch in "\\\t\r\n") and not urlsplit(target).netloc)


def page(role: str | None = None):
    """Decorator: builds the Page, enforces sign-in/role and CSRF, turns domain errors into pages.
    `role`: None (anyone), "any" (signed in), "filer", "reviewer" (业务操作员) or another Role value."""
    def wrap(view):
        @functools.wraps(view)
        def handler(*args, **kwargs):
            from ..domain.errors import DomainError
            p = Page(pages.current_request)
            if p.request.method == "POST" and not p.csrf_ok():
                return p.render("error.html", 403, message="页面已过期或来源不明（CSRF校验失败），请返回刷新后重试")
            if role and p.who is None:
                return p.go(f"/login?next={quote(p.request.context.get('path', '/'))}")
            if role and role != "any" and p.who.role.value != {"reviewer": "operator"}.get(role, role):
                return p.render("error.html", 403, message="您的账号无权访问此页面")
            try:
                return view(p, *args, **kwargs)
            except DomainError as e:
                return p.render("error.html", e.status, message=e.message, details=e.details)
            except Exception:
                log.exception("page failed")
                return p.render("error.html", 500, message="系统繁忙，请稍后重试")
        return handler
    return wrap


@pages.route("/", methods=["GET"])
@page()
def index(p: Page):
    if p.who:
        return p.go(p.who.home)
    return p.render("index.html")


@pages.route("/login", methods=["GET", "POST"], content_types=FORM)
@page()
def login(p: Page):
    from ..domain.errors import DomainError
    error, status = None, 200
    if p.request.method == "POST":
        try:
            token, _, who = _c().accounts.login(p.form.get("username", ""), p.form.get("password", ""))
        except DomainError as e:
            error, status = e.message, e.status  # 401 wrong password, 423 locked, 403 frozen
        else:
            p.set_cookies.append(set_cookie(SESSION, token, secure=p._secure))
            if who.must_change_password:  # a one-time initial password: change it before anything else
                return p.go("/account/password")
            nxt = (p.request.query_params or {}).get("next", "")
            return p.go(nxt if is_local_path(nxt) else who.home)
    return p.render("login.html", status, error=error, username=p.form.get("username", ""))


@pages.route("/logout", methods=["POST"], content_types=FORM)
@page()
def logout(p: Page):
    if p.who:  # ends every session of the account, not just this cookie
        _c().accounts.logout(p.who)
    p.set_cookies.append(set_cookie(SESSION, "", max_age=0, secure=p._secure))
    return p.go("/login")


@pages.route("/register", methods=["GET", "POST"], content_types=FORM)
@page()
def register(p: Page):
    from ..domain.errors import DomainError
    from ..domain.reference import codes, divisions
    from ..services.accounts import REGISTER_TITLES, Registration
    errors, message = [], None
    if p.request.method == "POST":
        data = Registration(**{k: p.form.get(k, "") for k in REGISTER_TITLES if k not in ("foreign_invested",
                                                                                          "labor_dispatch")},
                            foreign_invested=p.form.get("foreign_invested") == "是",
                            labor_dispatch=p.form.get("labor_dispatch") == "是")
        try:
            unit, authority = _c().accounts.register(data)
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


# ---------- employer ----------

@pages.route("/employer", methods=["GET"])
@page("filer")
def employer_home(p: Page):
    home = _c().filings.home(p.who)
    return p.render("employer_home.html", **vars(home))


@pages.route("/employer/filings", methods=["POST"], content_types=FORM)
@page("filer")
def employer_create(p: Page):
    filing = _c().filings.create(p.who, int(p.form.get("year") or 0), p.form.get("kind") or "annual")
    return p.go(f"/employer/filings/{filing.id}")


@pages.route("/employer/filings/{filing_id}", methods=["GET"])
@page("filer")
def employer_filing(p: Page, filing_id):
    c = _c()
    filing = c.filings.get(p.who, filing_id)
    rows, total = c.filings.rows(p.who, filing_id, "table2", limit=20) if "table2" in filing.row_sets else ([], 0)
    return p.render("employer_filing.html", filing=filing, checks=c.filings.checks(filing), rows=rows, total=total)


@pages.route("/employer/filings/{filing_id}/table1", methods=["GET", "POST"], content_types=FORM)
@page("filer")
def employer_table1(p: Page, filing_id):
    from ..domain.errors import ValidationFailed
    from ..domain.tables import TABLE1_COUNTS, TABLE1_UNIT, choice_code
    from ..services.prefill import defaults_for
    c = _c()
    filing = c.filings.get(p.who, filing_id)
    errors, message = [], None
    values = filing.table1 or defaults_for(c.store, filing)  # last approved 表一's unit fields, or registration
    if p.request.method == "POST":
        values = p.form
        try:
            c.filings.save_table1(p.who, filing_id, p.form)
        except ValidationFailed as e:
            errors, message = e.details, e.message
        else:
            return p.go(f"/employer/filings/{filing_id}")
    options = {col.key: [(choice_code(col, choice), choice) for choice in col.choices()]
               for col in TABLE1_UNIT if col.kind == "code"}
    return p.render("table1.html", 422 if message else 200, filing=filing, values=values, errors=errors,
                    message=message, unit_fields=TABLE1_UNIT, counts=TABLE1_COUNTS, options=options)


@pages.route("/employer/filings/{filing_id}/uploads", methods=["POST"], content_types=FORM)
@page("filer")
def employer_upload_form(p: Page, filing_id):
    """Step 1 of an upload: get a presigned form; the browser then posts the file straight to storage."""
    c = _c()
    table = p.form.get("table", "table2")
    back = f"{c.settings.base_url}/employer/filings/{filing_id}/uploads/{{upload_id}}"
    upload, post = c.filings.start_upload(p.who, filing_id, table, "网页上传.xlsx", redirect=back)
    from ..domain.reference import policy
    limit = policy().upload_max_bytes
    return p.render("upload.html", filing=c.filings.get(p.who, filing_id), upload=upload, post=post,
                    max_bytes=limit, max_mb=limit // (1024 * 1024))


@pages.route("/employer/filings/{filing_id}/uploads/{upload_id}", methods=["GET"])
@page("filer")
def employer_upload_result(p: Page, filing_id, upload_id):
    c = _c()
    upload = c.filings.get_upload(p.who, filing_id, upload_id)
    return p.render("upload_result.html", filing=c.filings.get(p.who, filing_id), upload=upload,
                    stalled=upload.stalled(c.clock.now()))


@pages.route("/employer/filings/{filing_id}/submit", methods=["POST"], content_types=FORM)
@page("filer")
def employer_submit(p: Page, filing_id):
    from ..domain.errors import ValidationFailed
    c = _c()
    try:
        c.filings.submit(p.who, filing_id)
    except ValidationFailed as e:
        filing = c.filings.get(p.who, filing_id)
        return p.render("employer_filing.html", 422, filing=filing, checks=c.filings.checks(filing), rows=[],
                        total=0, message=e.message, submit_errors=e.details)
    return p.go(f"/employer/filings/{filing_id}?submitted=1")


@pages.route("/employer/filings/{filing_id}/withdraw", methods=["POST"], content_types=FORM)
@page("filer")
def employer_withdraw(p: Page, filing_id):
    _c().filings.withdraw(p.who, filing_id)
    return p.go(f"/employer/filings/{filing_id}")


# ---------- embedded mode only ----------

@pages.route("/dev/mailbox", methods=["GET"])
@page()
def mailbox(p: Page):
    c = _c()
    if not (c.settings.embedded and c.settings.dev_mailbox):  # a demo tool: it shows everyone's messages
        return p.render("error.html", 404, message="页面不存在")
    return p.render("mailbox.html", messages=c.store.list_messages(200))
