"""A unit's life (docs/rules.md §11): the unit, its founding date, closure requests, closures and reopening."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import api_errors, current_request, int_param, json_body, json_response
from ..session import signed_in

if TYPE_CHECKING:
    from ...domain.model import Unit

routes = Blueprint(__name__)


def unit_json(unit: Unit) -> dict[str, Any]:
    from ...domain import jurisdiction, unit_life  # cold start: domain data and models load on first use
    closure = unit_life.current_closure(unit)
    return {
        **unit.model_dump(mode="json", exclude={"closures", "closure_request"}),
        "authority": jurisdiction.authority(unit.authority_code).as_dict(),
        "status": "closed" if closure else "active", "status_label": unit_life.status_label(unit),
        "closure": closure.model_dump(mode="json") if closure else None,
        "closure_request": unit.closure_request.model_dump(mode="json") if unit.closure_request else None,
        "closures": [c.model_dump(mode="json") for c in unit.closures],
    }


def _body() -> tuple[dict[str, Any], int]:
    """The JSON body's text fields as given (anything not a string reads as missing), and its `version`."""
    body = json_body(current_request())
    return ({k: v for k, v in body.items() if isinstance(v, str)},
            int_param(body.get("version"), "version", "版本号", low=1))


@routes.route("/units/{uscc}", methods=["GET"])
@api_errors
def get_unit(uscc: str) -> Response:
    return json_response(unit_json(container().units.get(signed_in(), uscc)))


@routes.route("/units/{uscc}/founding", methods=["PUT"])
@api_errors
def set_founding(uscc: str) -> Response:
    body, version = _body()
    return json_response(unit_json(container().units.set_founding(signed_in(), uscc, body.get("founded_on"),
                                                                   version)))


@routes.route("/units/{uscc}/closure-request", methods=["POST"])
@api_errors
def request_closure(uscc: str) -> Response:
    body, version = _body()
    unit = container().units.request_closure(signed_in(), uscc, body.get("kind"), body.get("date"),
                                             body.get("note"), version)
    return json_response(unit_json(unit), 201)


@routes.route("/units/{uscc}/closure-request/refuse", methods=["POST"])
@api_errors
def refuse_closure(uscc: str) -> Response:
    body, version = _body()
    return json_response(unit_json(container().units.refuse_request(signed_in(), uscc, body.get("reason"),
                                                                     version)))


@routes.route("/units/{uscc}/closure", methods=["POST"])
@api_errors
def record_closure(uscc: str) -> Response:
    body, version = _body()
    unit = container().units.record_closure(signed_in(), uscc, body.get("kind"), body.get("date"),
                                            body.get("evidence"), body.get("note"), version)
    return json_response(unit_json(unit))


@routes.route("/units/{uscc}/reopen", methods=["POST"])
@api_errors
def reopen(uscc: str) -> Response:
    body, version = _body()
    return json_response(unit_json(container().units.reopen(signed_in(), uscc, body.get("reason"), version)))


@routes.route("/closure-requests", methods=["GET"])
@api_errors
def closure_requests() -> Response:
    return json_response({"items": [unit_json(u) for u in container().units.closure_requests(signed_in())]})
