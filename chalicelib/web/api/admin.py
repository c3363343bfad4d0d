"""Reviewer-side accounts and account applications (附件2) for administrators. Who may call each route is
declared in access.RULES."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import api_errors, approval_param, current_request, json_body, json_response, query, version_param
from ..session import signed_in

if TYPE_CHECKING:
    from ...domain.applications import Application
    from ...domain.model import Account

routes = Blueprint(__name__)


def account_json(a: Account) -> dict[str, Any]:
    from ...domain.identifiers import mask_id  # cold start: domain data and models load on first use
    from ...domain.jurisdiction import authority
    from ...domain.model import ROLE_LABEL
    from ...domain.roles import effective_permissions
    from ...services.applications import status_text
    return {"username": a.username, "display_name": a.display_name, "role": a.role.value,
            "role_label": ROLE_LABEL[a.role], "division": authority(a.scope).as_dict(), "status": a.status,
            "status_label": status_text(a.status),
            "permissions": sorted(effective_permissions(a.role, a.permissions)),
            "id_number": mask_id(a.id_number) if a.id_number else None, "unit": a.unit, "position": a.position,
            "mobile": a.mobile, "email": a.email, "created_at": a.created_at, "locked_at": a.locked_at,
            "must_change_password": a.must_change_password}


def application_json(a: Application) -> dict[str, Any]:
    from ...domain.identifiers import mask_id  # cold start: domain data and models load on first use
    body = a.model_dump(mode="json", exclude={  # who holds which account is for the duty checks, not for display
        "applicant_person": True, "subject_person": True, "executor_person": True,
        "business": {"person"}, "it": {"person"}})
    body.update(kind_label=a.kind_label, status_label=a.status_label,
                person_id_number=mask_id(a.person_id_number) if a.person_id_number else None)
    return body


@routes.route("/admin/accounts", methods=["GET"])
@api_errors
def accounts() -> Response:
    items = container().accounts.list_staff(signed_in(), query().get("division") or None)
    return json_response({"items": [account_json(a) for a in items]})


@routes.route("/admin/accounts/{username}", methods=["GET"])
@api_errors
def account(username: str) -> Response:
    return json_response(account_json(container().accounts.get_staff(signed_in(), username)))


@routes.route("/admin/accounts/{username}/unlock", methods=["POST"])
@api_errors
def unlock(username: str) -> Response:
    return json_response(account_json(container().accounts.unlock(signed_in(), username)))


@routes.route("/admin/applications", methods=["GET"])
@api_errors
def applications() -> Response:
    items = container().applications.list(signed_in(), status=query().get("status") or None)
    return json_response({"items": [application_json(a) for a in items]})


@routes.route("/admin/applications", methods=["POST"])
@api_errors
def apply() -> Response:
    created = container().applications.apply(signed_in(), json_body(current_request()))
    return json_response(application_json(created), 201)


@routes.route("/admin/applications/{application_id}", methods=["GET"])
@api_errors
def application(application_id: str) -> Response:
    return json_response(application_json(container().applications.get(signed_in(), application_id)))


def _opinion(application_id: str, step: str) -> Response:
    who, body = signed_in(), json_body(current_request())
    service = container().applications
    act = service.business_review if step == "business" else service.it_review
    comment = body.get("comment") if isinstance(body.get("comment"), str) else ""
    done = act(who, application_id, approve=approval_param(body.get("decision")), comment=comment,
               version=version_param(body.get("version")))
    return json_response(application_json(done))


@routes.route("/admin/applications/{application_id}/business-review", methods=["POST"])
@api_errors
def business_review(application_id: str) -> Response:
    return _opinion(application_id, "business")


@routes.route("/admin/applications/{application_id}/it-review", methods=["POST"])
@api_errors
def it_review(application_id: str) -> Response:
    return _opinion(application_id, "it")


@routes.route("/admin/applications/{application_id}/execute", methods=["POST"])
@api_errors
def execute(application_id: str) -> Response:
    who, body = signed_in(), json_body(current_request())
    done, password = container().applications.execute(who, application_id, version=version_param(body.get("version")))
    return json_response({"application": application_json(done), "initial_password": password},
                         headers={"Cache-Control": "no-store"})
