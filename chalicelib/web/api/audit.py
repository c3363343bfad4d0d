"""The audit log, for 业务审计员 only: filtered, paged over the whole history (its export: POST /api/v1/exports
{"kind": "audit", …the same filters}), each event with its Chinese action name and its detail as a sentence."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import api_errors, int_param, json_response, query
from ..session import signed_in

routes = Blueprint(__name__)


@routes.route("/audit", methods=["GET"])
@api_errors
def audit_log() -> Response:
    q = query()
    size = int_param(q.get("limit"), "limit", "条数", 1, 500, default=50)
    result = container().audit.page(signed_in(), dict(q), page_token=q.get("page_token"), size=size)
    return json_response({"items": [{**x.event.model_dump(mode="json"), "action_name": x.action,
                                     "outcome_name": x.outcome, "division_name": x.division,
                                     "description": x.sentence} for x in result.lines],
                          "next_page_token": result.next_page_token})
