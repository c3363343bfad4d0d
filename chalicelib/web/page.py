"""The page toolkit: what every HTML handler gets (Page: the caller, the CSRF token, the parsed form), the
@page decorator (sign-in, role, CSRF, domain errors as pages) and safe local redirects."""
from __future__ import annotations

import functools
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from chalice import Response
from chalice.app import Request

from ..bootstrap import container
from ..domain.errors import DomainError
from .http import (base_path, content_security_policy, cookies, current_request, form_body, html, new_csrf, own_path,
                   redirect, set_cookie)
from .session import SESSION_COOKIE, caller

if TYPE_CHECKING:
    from ..services.accounts import Principal

log = logging.getLogger(__name__)
CSRF_COOKIE = "csrf"
FORM = ["application/x-www-form-urlencoded", "application/json"]  # GETs arrive as the default json type


class Page:
    """What every page handler gets: the caller, the CSRF token, and the parsed form on POST."""

    def __init__(self, request: Request):
        self.request = request
        self.cookies = cookies(request)
        self.csrf = self.cookies.get(CSRF_COOKIE) or new_csrf()
        self.set_cookies: list[str] = []
        if CSRF_COOKIE not in self.cookies:
            self.set_cookies.append(set_cookie(CSRF_COOKIE, self.csrf, secure=self.secure))
        # missing form fields read as "" in templates
        self.form: defaultdict[str, str] = defaultdict(str, form_body(request) if request.method == "POST" else {})
        self.who: Principal | None = caller(request)
        self.query: dict[str, str] = request.query_params or {}
        self.base = base_path(request)  # before every root-relative link and redirect ('/api' on execute-api)

    @property
    def secure(self) -> bool:
        return container().settings.https

    @property
    def user(self) -> Principal:
        """The signed-in caller (@page with a role has made sure there is one)."""
        assert self.who is not None
        return self.who

    def csrf_ok(self) -> bool:
        import hmac  # cold start: hashlib, pages only

        return bool(self.cookies.get(CSRF_COOKIE)) and hmac.compare_digest(self.form.get(CSRF_COOKIE, ""),
                                                                           self.cookies[CSRF_COOKIE])

    def render(self, template: str, status: int = 200, extra_headers: dict[str, str] | None = None, *,
               form_origins: tuple[str, ...] = (), **context: Any) -> Response:
        """The page; `form_origins`: other sites its forms post to (an upload form: the storage)."""
        headers = {**self._cookie_headers(), **(extra_headers or {})}
        if form_origins:
            headers["Content-Security-Policy"] = content_security_policy(form_origins)
        return html(template, status, headers=headers, page=self, who=self.who, csrf=self.csrf, base=self.base,
                    dev_mailbox=container().settings.dev_mailbox, **context)

    def go(self, location: str) -> Response:
        """A redirect; a root-relative `location` (the app's own path) gets the base path."""
        return redirect(self.base + location if location.startswith("/") else location,
                        headers=self._cookie_headers())

    def sign_in(self, token: str) -> None:
        """The session cookie, and a new CSRF token: one planted before sign-in is worth nothing after."""
        self.csrf = new_csrf()
        self.set_cookies = [c for c in self.set_cookies if not c.startswith(f"{CSRF_COOKIE}=")]
        self.set_cookies += [set_cookie(SESSION_COOKIE, token, secure=self.secure),
                             set_cookie(CSRF_COOKIE, self.csrf, secure=self.secure)]

    def sign_out(self) -> None:
        self.set_cookies.append(set_cookie(SESSION_COOKIE, "", max_age=0, secure=self.secure))

    def _cookie_headers(self) -> dict[str, Any]:
        return {"Set-Cookie": list(self.set_cookies)} if self.set_cookies else {}


def is_local_path(target: str) -> bool:
    """A same-site path to go to after sign-in (never another host: //x, /\\x, schemes, control characters)."""
    return (target.startswith("/") and not target.startswith(("//", "/\\"))
            and not any(ch in target for ch in "\\\t\r\n") and not urlsplit(target).netloc)


def page(role: str | None = None) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Decorator: builds the Page, enforces sign-in/role and CSRF, turns domain errors into pages.
    `role`: None (anyone), "any" (signed in), "filer", "reviewer" (业务操作员) or another Role value.
    (The access guard has already applied access.RULES; this is the page's own second line.)"""
    def wrap(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def handler(*args: Any, **kwargs: Any) -> Response:
            p = Page(current_request())
            if p.request.method == "POST" and not p.csrf_ok():
                return p.render("error.html", 403, message="页面已过期或来源不明（CSRF校验失败），请返回刷新后重试")
            if role and p.who is None:
                return p.go(f"/login?next={quote(own_path(p.request))}")
            if role and role != "any" and p.user.role.value != {"reviewer": "operator"}.get(role, role):
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
