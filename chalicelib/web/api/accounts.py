"""Registration, sign-in and sign-out, one's own password, who am I."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import SecondFactorRequired, ValidationFailed, problem
from ..http import api_errors, client_address, current_request, error_body, json_body, json_response
from ..session import signed_in

if TYPE_CHECKING:
    from ...services.accounts import Principal, Registration

routes = Blueprint(__name__)


def _registration(body: dict) -> Registration:
    import pydantic  # cold start: domain data and models load on first use

    from ...services.accounts import Registration
    try:
        return Registration.model_validate(body)
    except pydantic.ValidationError as e:
        raise ValidationFailed("注册信息格式有误", [problem("格式有误", field=".".join(map(str, err["loc"])))
                                                  for err in e.errors()]) from None


@routes.route("/employers/register", methods=["POST"])
@api_errors
def register() -> Response:
    body = json_body(current_request())
    code = body.get("verification_code")  # sent to filer_mobile: POST /employers/register/code
    unit, authority = container().people.register(_registration(body), code if isinstance(code, str) else "")
    return json_response({"uscc": unit.uscc, "authority": authority.as_dict(),
                          "message": f"您的备案审核机关：{authority.name}"}, 201)


@routes.route("/employers/register/preview", methods=["POST"])
@api_errors
def register_preview() -> Response:
    """The registration's confirm step (docs/rules.md §2): the authority it would be routed to and its phone,
    with the same checks as the registration; nothing is created and no code is spent."""
    from ...domain.reference import authority_phone  # cold start: domain data and models load on first use
    authority = container().people.preview(_registration(json_body(current_request())))
    phone = authority_phone(authority.code)
    return json_response({"authority": authority.as_dict(), "phone": phone,
                          "message": f"您的备案审核机关将是：{authority.name}（电话{phone}）"})


@routes.route("/auth/login", methods=["POST"])
@api_errors
def login() -> Response:
    request = current_request()
    body = json_body(request)
    try:
        token, expires, who = container().accounts.login(str(body.get("username") or ""),
                                                          str(body.get("password") or ""), client_address(request))
    except SecondFactorRequired as e:  # the password was right: go on at /auth/second-factor
        return json_response({**error_body(e.code, e.message), "challenge": e.challenge}, e.status)
    return session_answer(token, expires, who)


def session_answer(token: str, expires: dt.datetime, who: Principal) -> Response:
    return json_response({"token": token, "expires_at": expires.isoformat(), "role": who.role.value,
                          "scope": who.scope, "password_change_required": who.must_change_password,
                          "second_factor_enrolment_required": who.must_enrol_second_factor})


@routes.route("/auth/second-factor", methods=["POST"])
@api_errors
def second_factor() -> Response:
    request = current_request()
    body = json_body(request)
    token, expires, who = container().accounts.second_factor(str(body.get("challenge") or ""),
                                                              str(body.get("code") or ""), client_address(request))
    return session_answer(token, expires, who)


@routes.route("/auth/second-factor/enrolment", methods=["GET", "POST"])
@api_errors
def enrolment() -> Response:
    request = current_request()
    if request.method == "GET":
        uri, enrolment_token = container().accounts.start_enrolment(signed_in())
        return json_response({"otpauth_uri": uri, "enrolment": enrolment_token})
    body = json_body(request)
    codes = container().accounts.finish_enrolment(signed_in(), str(body.get("enrolment") or ""),
                                                  str(body.get("code") or ""))
    return json_response({"recovery_codes": codes, "message": "已启用动态口令。恢复码只显示这一次，请妥善保存。"})


@routes.route("/me", methods=["GET"])
@api_errors
def me() -> Response:
    from ...domain import jurisdiction  # cold start: domain data and models load on first use
    who = signed_in()
    body = {"username": who.username, "role": who.role.value, "role_label": who.role_label, "scope": who.scope,
            "display_name": who.display_name}
    if who.is_filer:
        unit = container().accounts.unit_of(who)
        body["unit"] = unit.model_dump(mode="json")
        body["authority"] = jurisdiction.authority(unit.authority_code).as_dict()
    else:
        body["authority"] = jurisdiction.authority(who.scope).as_dict()
    return json_response(body)


@routes.route("/auth/logout", methods=["POST"])
@api_errors
def logout() -> Response:
    container().accounts.logout(signed_in())
    return json_response({"signed_out": True})


@routes.route("/auth/password", methods=["POST"])
@api_errors
def change_password() -> Response:
    body = json_body(current_request())
    token, expires, who = container().accounts.change_password(signed_in(), str(body.get("old_password") or ""),
                                                                str(body.get("new_password") or ""))
    return json_response({"token": token, "expires_at": expires.isoformat(), "role": who.role.value,
                          "scope": who.scope})
