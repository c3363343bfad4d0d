"""变更审核机关 (docs/rules.md §11): ask for a unit's transfer, list and read transfers, accept, refuse, withdraw."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import api_errors, current_request, json_body, json_response, query, version_param
from ..session import signed_in

if TYPE_CHECKING:
    from ...domain.transfers import Transfer
    from ...services.accounts import Principal

routes = Blueprint(__name__)


def transfer_json(t: Transfer) -> dict[str, Any]:
    from ...domain import jurisdiction  # cold start: domain data and models load on first use
    return {"id": t.id, "uscc": t.uscc, "unit_name": t.unit_name, "status": t.status.value,
            "status_label": t.status_label, "version": t.version, "direct": t.direct, "reason": t.reason,
            "refusal": t.refusal, "asked_by_unit": t.asked_by_unit, "asked_at": t.asked_at,
            "from": jurisdiction.authority(t.from_code).as_dict(), "to": jurisdiction.authority(t.to_code).as_dict(),
            "history": [s.model_dump(mode="json") for s in t.history]}


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    return value if isinstance(value, str) else ""


@routes.route("/units/{uscc}/transfers", methods=["POST"])
@api_errors
def ask(uscc: str) -> Response:
    body = json_body(current_request())
    transfer = container().transfers.ask(signed_in(), uscc, to_code=_text(body, "to_code"),
                                         reason=_text(body, "reason"), direct=body.get("direct") is True)
    return json_response(transfer_json(transfer), 201)


@routes.route("/units/{uscc}/transfers", methods=["GET"])
@api_errors
def of_unit(uscc: str) -> Response:
    return json_response({"items": [transfer_json(t) for t in container().transfers.of_unit(signed_in(), uscc)]})


@routes.route("/transfers", methods=["GET"])
@api_errors
def listing() -> Response:
    """The reviewer's authority's transfers: ?direction=incoming (to decide) or outgoing (units leaving it)."""
    incoming, outgoing = container().transfers.lists(signed_in())
    items = outgoing if query().get("direction") == "outgoing" else incoming
    return json_response({"items": [transfer_json(t) for t in items]})


@routes.route("/transfers/{transfer_id}", methods=["GET"])
@api_errors
def get_transfer(transfer_id: str) -> Response:
    return json_response(transfer_json(container().transfers.get(signed_in(), transfer_id)))


def _step(act: Callable[[Principal, int, dict[str, Any]], Transfer]) -> Response:
    """A decision or a withdrawal: `act(caller, the version the caller saw, the body)`."""
    body = json_body(current_request())
    return json_response(transfer_json(act(signed_in(), version_param(body.get("version")), body)))


@routes.route("/transfers/{transfer_id}/accept", methods=["POST"])
@api_errors
def accept(transfer_id: str) -> Response:
    return _step(lambda who, version, body: container().transfers.accept(who, transfer_id, version=version))


@routes.route("/transfers/{transfer_id}/refuse", methods=["POST"])
@api_errors
def refuse(transfer_id: str) -> Response:
    return _step(lambda who, version, body: container().transfers.refuse(who, transfer_id, version=version,
                                                                         reason=_text(body, "reason")))


@routes.route("/transfers/{transfer_id}/cancel", methods=["POST"])
@api_errors
def cancel(transfer_id: str) -> Response:
    return _step(lambda who, version, body: container().transfers.cancel(who, transfer_id, version=version))
