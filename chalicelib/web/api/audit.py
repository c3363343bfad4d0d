"""The audit log, for 业务审计员 only."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import api_errors, int_param, json_response, query
from ..session import signed_in

routes = Blueprint(__name__)


@routes.route("/audit", methods=["GET"])
@api_errors
def audit_log() -> Response:
    limit = int_param(query().get("limit"), "limit", "条数", 1, 500, default=100)
    return json_response({"items": [e.model_dump(mode="json") for e in container().audit.read(signed_in(),
                                                                                               limit=limit)]})
