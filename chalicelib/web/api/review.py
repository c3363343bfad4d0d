"""Reviewing a filing: the decision, and revealing one masked ID number (audited)."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import api_errors, current_request, int_param, json_body, json_response, version_param
from ..session import signed_in

routes = Blueprint(__name__)


@routes.route("/filings/{filing_id}/review", methods=["POST"])
@api_errors
def review(filing_id: str) -> Response:
    body = json_body(current_request())
    reason = body.get("reason")
    filing = container().review.review(signed_in(), filing_id, decision=str(body.get("decision") or ""),
                                       reason=reason if isinstance(reason, str) else None,
                                       version=version_param(body.get("version")))
    return json_response({"status": filing.status.value, "version": filing.version})


@routes.route("/filings/{filing_id}/revoke", methods=["POST"])
@api_errors
def revoke(filing_id: str) -> Response:
    """撤销审核 (docs/rules.md §11): within the window, with a reason."""
    body = json_body(current_request())
    reason = body.get("reason")
    filing = container().versions.revoke(signed_in(), filing_id, reason=reason if isinstance(reason, str) else None,
                                         version=version_param(body.get("version")))
    return json_response({"status": filing.status.value, "version": filing.version})


@routes.route("/filings/{filing_id}/rows/{table}/{index}/reveal", methods=["POST"])
@api_errors
def reveal_id(filing_id: str, table: str, index: str) -> Response:
    """A reviewer sees one full ID number (audited)."""
    id_number = container().review.reveal_id(signed_in(), filing_id, table, int_param(index, "index", "行序号"))
    return json_response({"id_number": id_number})
