"""Data sharing with other departments (docs/rules.md §9, §16): person look-up by ID number, unit look-up by
统一社会信用代码 and the read-only statistics."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import api_errors, current_request, int_param, json_body, json_response, query
from ..session import signed_in

routes = Blueprint(__name__)


@routes.route("/share/persons", methods=["POST"])
@api_errors
def person() -> Response:
    """The ID number travels in the body: never in a URL, which proxies and access logs keep."""
    number = json_body(current_request()).get("id_number")
    return json_response(container().persons.lookup(signed_in(), number if isinstance(number, str) else ""))


@routes.route("/share/units", methods=["POST"])
@api_errors
def unit() -> Response:
    """A unit by its 统一社会信用代码 (in the body, like the person look-up)."""
    uscc = json_body(current_request()).get("uscc")
    return json_response(container().unit_lookup.lookup(signed_in(), uscc if isinstance(uscc, str) else ""))


@routes.route("/share/stats", methods=["GET"])
@api_errors
def stats() -> Response:
    year = int_param(query().get("year") or None, "year", "统计年度", 0, 9999, default=None)
    board = container().stats.dashboard(signed_in(), year)

    def line(x: Any) -> dict[str, Any]:
        return {"code": x.code, "name": x.name, "registered": x.registered, "expected": x.expected,
                "filed": x.filed, "approved": x.approved, "rejected": x.rejected, "not_filed": x.not_filed,
                "closed": x.closed, "contracts_due": x.due, "contracts_signed": x.signed,
                "signing_rate": None if x.signing_rate is None else round(x.signing_rate, 4)}
    return json_response({"year": board.year, "due_date": board.due.isoformat(), "overdue": board.overdue,
                          "divisions": [line(x) for x in board.lines], "total": line(board.total),
                          "industries": [line(x) for x in board.industries]})
