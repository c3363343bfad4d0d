"""The WeChat mini-program (docs/wechat.md): sign-in with wx.login's code, binding to a filer account, unbinding,
and the one-time subscriptions the user accepted."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import ValidationFailed, problem
from ..http import api_errors, client_address, current_request, json_body, json_response
from ..session import signed_in
from .accounts import session_answer

routes = Blueprint(__name__)


@routes.route("/auth/wechat", methods=["POST"])
@api_errors
def wechat_sign_in() -> Response:
    signed = container().wechat.sign_in(str(json_body(current_request()).get("code") or ""))
    if isinstance(signed, str):  # not bound yet: sign in once with the unit's account
        return json_response({"bind_required": True, "bind_token": signed,
                              "message": "首次使用请用单位账号（统一社会信用代码）和密码登录，绑定本微信"})
    return session_answer(*signed)


@routes.route("/auth/wechat/bind", methods=["POST"])
@api_errors
def wechat_bind() -> Response:
    request = current_request()
    body = json_body(request)
    return session_answer(*container().wechat.bind(str(body.get("bind_token") or ""), str(body.get("username") or ""),
                                               str(body.get("password") or ""), client_address(request)))


@routes.route("/auth/wechat/unbind", methods=["POST"])
@api_errors
def wechat_unbind() -> Response:
    unbound = container().wechat.unbind(signed_in())
    return json_response({"unbound": unbound, "message": "已解除微信绑定" if unbound else "没有绑定的微信"})


@routes.route("/auth/wechat/web-ticket", methods=["POST"])
@api_errors
def web_ticket() -> Response:
    return json_response({"ticket": container().wechat.web_ticket(signed_in()), "expires_in": 60})


@routes.route("/wechat/subscriptions", methods=["GET", "POST"])
@api_errors
def subscriptions() -> Response:
    request = current_request()
    if request.method == "GET":
        return json_response(container().wechat.subscriptions(signed_in()))
    accepted = json_body(request).get("template_ids")
    if not isinstance(accepted, list) or not all(isinstance(t, str) for t in accepted):
        message = "template_ids 应为模板编号的列表"
        raise ValidationFailed(message, [problem(message, field="template_ids")])
    return json_response(container().wechat.subscribe(signed_in(), accepted))
