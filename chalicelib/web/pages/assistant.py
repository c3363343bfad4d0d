"""The 填报助手 page (docs/rules.md §19): chat bubbles, one input, quick-reply buttons. Without JS it is a plain
form POST and a redirect back; with JS (assets/assistant.js) the same POST is sent by fetch and the chat redrawn
without a reload. An anonymous visitor's conversation is held by a cookie; a signed-in filer's by its account."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import NotFound, RateLimited, retry_headers
from ..http import client_address, set_cookie
from ..page import FORM, Page, page

routes = Blueprint(__name__)
COOKIE = "assistant"


@routes.route("/assistant", methods=["GET"])
@page()
def show(p: Page) -> Response:
    from ...domain.assistant import answer_kind

    try:
        c = container().assistant.open(p.who, _held(p), client_address(p.request))
    except RateLimited as e:
        return p.render("error.html", e.status, retry_headers(e), message=e.message, details=[])
    _hold(p, c.id)
    return p.render("assistant.html", conversation=c, kind=answer_kind(c))


@routes.route("/assistant", methods=["POST"], content_types=FORM)
@page()
def send(p: Page) -> Response:
    """A typed message (`text`) or a tapped quick reply (`reply`: the button's own field, as the form also sends
    the empty box)."""
    service, client = container().assistant, client_address(p.request)
    message = p.form.get("reply") or p.form.get("text", "")
    try:
        service.say(p.who, _held(p), message, client)
    except NotFound:  # none yet, expired (30 days) or the cookie was lost: the message opens a new one
        started = service.restart(p.who, client)
        _hold(p, started.id)
        service.say(p.who, started.id if _anonymous(p) else None, message, client)
    return p.go("/assistant#latest")


def _anonymous(p: Page) -> bool:
    return p.who is None or not p.who.is_filer  # a filer's conversation is found from its account


def _held(p: Page) -> str | None:
    return p.cookies.get(COOKIE) if _anonymous(p) else None


def _hold(p: Page, conversation_id: str) -> None:
    """The anonymous visitor's conversation id, kept 30 days."""
    if _anonymous(p):
        from ...domain.assistant import KEEP_DAYS
        p.set_cookies.append(set_cookie(COOKIE, conversation_id, max_age=KEEP_DAYS * 86400, secure=p.secure))
