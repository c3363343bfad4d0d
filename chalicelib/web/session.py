"""Who is calling: the JSON API's bearer token or the pages' session cookie, worked out once per request
(the access guard and the handler share it)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Request

from ..bootstrap import container
from ..domain.errors import Unauthenticated
from .http import cookies, current_request

if TYPE_CHECKING:
    from ..services.accounts import Principal

SESSION_COOKIE = "session"


def is_api(request: Request) -> bool:
    return request.path.startswith("/api/")


def caller(request: Request) -> Principal | None:
    """The signed-in account of this request, or None."""
    if "_caller" in request.__dict__:
        return request.__dict__["_caller"]
    if is_api(request):
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
    else:
        token = cookies(request).get(SESSION_COOKIE)
    who = None
    if token:
        try:
            who = container().accounts.authenticate(token)
        except Unauthenticated:
            who = None
    request.__dict__["_caller"] = who
    return who


def signed_in() -> Principal:
    """The caller of the current request; 401 if nobody is signed in (the guard refuses strangers first)."""
    who = caller(current_request())
    if who is None:
        raise Unauthenticated("请先登录")
    return who
