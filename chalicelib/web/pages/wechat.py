"""The filer's WeChat bindings (docs/wechat.md): which WeChat users of the mini-program sign in to this account,
and unbinding one of them from the web."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import Unauthenticated
from ..page import FORM, Page, is_local_path, page

routes = Blueprint(__name__)


@routes.route("/employer/wechat", methods=["GET"])
@page("filer")
def bindings(p: Page) -> Response:
    from ...services.wechat import masked
    return p.render("employer_wechat.html", bindings=container().wechat.bindings(p.user), masked=masked,
                    done=p.query.get("done"))


@routes.route("/wechat/web", methods=["GET"])
@page()
def web_view(p: Page) -> Response:
    """The mini-program's web-view opens the site here with a single-use ticket: signed in, then on to `next`."""
    nxt = p.query.get("next", "")
    try:
        token, _, who = container().wechat.web_session(p.query.get("ticket", ""))
    except Unauthenticated:  # forged, expired or used: the web's own sign-in
        return p.go("/login")
    p.sign_in(token)
    return p.go(nxt if is_local_path(nxt) else who.home)


@routes.route("/employer/wechat/unbind", methods=["POST"], content_types=FORM)
@page("filer")
def unbind(p: Page) -> Response:
    container().wechat.unbind(p.user, p.form["openid"])
    return p.go("/employer/wechat?done=unbound")
