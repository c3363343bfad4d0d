"""The filer's WeChat bindings (docs/wechat.md): which WeChat users of the mini-program sign in to this account,
and unbinding one of them from the web."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ..page import FORM, Page, page

routes = Blueprint(__name__)


@routes.route("/employer/wechat", methods=["GET"])
@page("filer")
def bindings(p: Page) -> Response:
    from ...services.wechat import masked
    return p.render("employer_wechat.html", bindings=container().wechat.bindings(p.user), masked=masked,
                    done=p.query.get("done"))


@routes.route("/employer/wechat/unbind", methods=["POST"], content_types=FORM)
@page("filer")
def unbind(p: Page) -> Response:
    container().wechat.unbind(p.user, p.form["openid"])
    return p.go("/employer/wechat?done=unbound")
