"""A unit's people and account recovery (docs/rules.md §12): SMS codes, 忘记密码, one's contact mobile/e-mail,
the 单位管理员's 经办人 accounts and the hand-over of the role, the unit's accounts as its authority sees them,
and a reviewer rebinding a lost unit to a new 单位管理员."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import api_errors, client_address, current_request, json_body, json_response
from ..session import signed_in

routes = Blueprint(__name__)
RESET_SENT = "如果该手机号是此单位账号登记的手机号，验证码已发送，10分钟内有效"


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    return value if isinstance(value, str) else ""


def person_json(a: Any) -> dict[str, Any]:
    from ...services.unit_people import UNIT_ROLE_LABEL, masked_mobile
    return {"username": a.username, "name": a.display_name, "unit_role": a.unit_role,
            "unit_role_label": UNIT_ROLE_LABEL.get(a.unit_role, a.unit_role), "mobile": masked_mobile(a.mobile),
            "email": a.email, "status": a.status}


def staff_person_json(a: Any) -> dict[str, Any]:
    """A unit's account as the staff see it: no e-mail, the mobile masked (docs/rules.md §10)."""
    from ...services.unit_people import UNIT_ROLE_LABEL, masked_mobile
    return {"username": a.username, "name": a.display_name, "unit_role": a.unit_role,
            "unit_role_label": UNIT_ROLE_LABEL.get(a.unit_role, a.unit_role), "mobile": masked_mobile(a.mobile),
            "status": a.status, "created_at": a.created_at.isoformat(),
            "last_signed_in_at": a.last_signed_in_at.isoformat() if a.last_signed_in_at else None}


@routes.route("/employers/register/code", methods=["POST"])
@api_errors
def registration_code() -> Response:
    request = current_request()
    container().people.request_registration_code(_text(json_body(request), "mobile"), client_address(request))
    return json_response({"message": "验证码已发送，10分钟内有效"}, 202)


@routes.route("/auth/password-reset/code", methods=["POST"])
@api_errors
def reset_code() -> Response:
    request = current_request()
    body = json_body(request)
    container().people.request_reset_code(_text(body, "uscc"), _text(body, "mobile"), client_address(request))
    return json_response({"message": RESET_SENT}, 202)


@routes.route("/auth/password-reset", methods=["POST"])
@api_errors
def reset_password() -> Response:
    body = json_body(current_request())
    container().people.reset_password(_text(body, "uscc"), _text(body, "mobile"), _text(body, "code"),
                                      _text(body, "new_password"))
    return json_response({"reset": True, "message": "密码已重置，请用新密码登录；此前的登录均已失效"})


@routes.route("/me/contact/code", methods=["POST"])
@api_errors
def contact_code() -> Response:
    request = current_request()
    container().people.request_contact_code(signed_in(), _text(json_body(request), "mobile"), client_address(request))
    return json_response({"message": "验证码已发送到新手机号，10分钟内有效"}, 202)


@routes.route("/me/contact", methods=["PUT"])
@api_errors
def change_contact() -> Response:
    body = json_body(current_request())
    account = container().people.change_contact(signed_in(), _text(body, "mobile"), _text(body, "email"),
                                                _text(body, "code"))
    return json_response(person_json(account))


@routes.route("/unit/people", methods=["GET", "POST"])
@api_errors
def unit_people() -> Response:
    request, who = current_request(), signed_in()
    if request.method == "GET":
        return json_response({"items": [person_json(a) for a in container().people.people(who)]})
    body = json_body(request)
    clerk = container().people.add_clerk(who, _text(body, "name"), _text(body, "mobile"), _text(body, "email"),
                                         _text(body, "password"), _text(body, "verification_code"))
    return json_response(person_json(clerk), 201)


@routes.route("/unit/people/code", methods=["POST"])
@api_errors
def clerk_code() -> Response:
    request = current_request()
    container().people.request_clerk_code(signed_in(), _text(json_body(request), "mobile"), client_address(request))
    return json_response({"message": "验证码已发送到经办人手机，10分钟内有效"}, 202)


@routes.route("/unit/people/{person}/hand-over", methods=["POST"])
@api_errors
def hand_over(person: str) -> Response:
    admin = container().people.hand_over_admin(signed_in(), person,
                                               _text(json_body(current_request()), "current_password"))
    return json_response({**person_json(admin), "message": f"单位管理员已移交给{admin.display_name}，您的账号现为经办人"})


@routes.route("/units/{uscc}/people", methods=["GET"])
@api_errors
def people_of_unit(uscc: str) -> Response:
    unit, people = container().people.unit_people(signed_in(), uscc)
    return json_response({"uscc": unit.uscc, "name": unit.name, "items": [staff_person_json(a) for a in people]})


@routes.route("/unit/people/{person}", methods=["DELETE"])
@api_errors
def remove_person(person: str) -> Response:
    return json_response(person_json(container().people.remove_clerk(signed_in(), person)))


@routes.route("/units/{uscc}/rebind/code", methods=["POST"])
@api_errors
def rebind_code(uscc: str) -> Response:
    request = current_request()
    container().people.request_rebind_code(signed_in(), uscc, _text(json_body(request), "mobile"),
                                           client_address(request))
    return json_response({"message": "验证码已发送到新单位管理员的手机，10分钟内有效"}, 202)


@routes.route("/units/{uscc}/rebind", methods=["POST"])
@api_errors
def rebind(uscc: str) -> Response:
    body = json_body(current_request())
    documents = body.get("documents")
    admin, password = container().people.rebind(
        signed_in(), uscc, name=_text(body, "name"), mobile=_text(body, "mobile"), email=_text(body, "email"),
        code=_text(body, "code"), note=_text(body, "note"),
        documents=[d for d in documents if isinstance(d, str)] if isinstance(documents, list) else [])
    return json_response({**person_json(admin), "initial_password": password,
                          "message": "单位管理员已变更，原有账号已停用；初始密码仅显示一次，请当面交给新单位管理员"})
