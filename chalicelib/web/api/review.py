"""Reviewing a filing: the decision (one at a time, or a batch of clean filings), revealing one masked ID number
(audited), and the review desk (who holds the filing, internal notes)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import ValidationFailed, problem
from ..http import api_errors, current_request, int_param, json_body, json_response, version_param
from ..session import signed_in

if TYPE_CHECKING:
    from ...domain.desk import Desk

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


@routes.route("/review/batch", methods=["POST"])
@api_errors
def approve_batch() -> Response:
    """Approve the named filings that have no errors and no warnings; per filing what happened."""
    body = json_body(current_request())
    named = body.get("filings")
    if not isinstance(named, list) or not all(isinstance(x, dict) for x in named):
        raise ValidationFailed("filings 应为备案列表，每项含 id 和 version",
                               [problem("filings 应为列表，每项含 id 和 version", field="filings")])
    picked = [(str(x.get("id") or ""), version_param(x.get("version"))) for x in named]
    return json_response({"results": container().review.approve_batch(signed_in(), picked)})


def desk_json(desk: Desk) -> dict[str, Any]:
    return {"filing_id": desk.filing_id, "holder": desk.holder,
            "held_since": desk.held_since.isoformat() if desk.held_since else None,
            "notes": [{"at": n.at.isoformat(), "author": n.author, "text": n.text} for n in desk.notes],
            "version": desk.version}


@routes.route("/filings/{filing_id}/desk", methods=["GET"])
@api_errors
def desk(filing_id: str) -> Response:
    """Who holds the filing, and the reviewers' internal notes (never the unit's to see)."""
    return json_response(desk_json(container().desks.desk(signed_in(), filing_id)))


@routes.route("/filings/{filing_id}/holder", methods=["PUT"])
@api_errors
def hold(filing_id: str) -> Response:
    """Claim (holder: oneself), assign (a colleague of the same authority) or release (null)."""
    body = json_body(current_request())
    holder = body.get("holder")
    return json_response(desk_json(container().desks.hold(
        signed_in(), filing_id, holder=holder if isinstance(holder, str) and holder else None,
        version=int_param(body.get("version"), "version", "版本号", 0))))


@routes.route("/filings/{filing_id}/notes", methods=["POST"])
@api_errors
def note(filing_id: str) -> Response:
    body = json_body(current_request())
    text = body.get("text")
    return json_response(desk_json(container().desks.note(
        signed_in(), filing_id, text=text if isinstance(text, str) else None,
        version=int_param(body.get("version"), "version", "版本号", 0))), 201)

