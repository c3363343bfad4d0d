"""Data sharing with other departments (SPEC.md §9): person look-up by ID number (page and API) and the
read-only statistics API. The ID number travels in a POST body on the page (kept out of URLs and logs);
the API takes it in the path as documented in openapi.py."""
from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container as _c
from .http import api_errors, json_response
from .pages import FORM, Page, page

share_pages = Blueprint(__name__)
share_api = Blueprint(__name__)  # registered under /api/v1


@share_pages.route("/share/persons", methods=["GET", "POST"], content_types=FORM)
@page("any")
def person_page(p: Page):
    from ..domain.errors import DomainError
    result, error = None, None
    if p.request.method == "POST":
        try:
            result = _c().persons.lookup(p.who, p.form.get("id_number", ""))
        except DomainError as e:
            if e.status == 403:
                raise
            error = e.message
    return p.render("share_persons.html", 429 if error and "频繁" in error else 200, result=result, error=error)


def _who():
    from .access import caller
    return caller(share_api.current_request)


@share_api.route("/share/persons/{id_number}", methods=["GET"])
@api_errors
def person_json(id_number):
    return json_response(_c().persons.lookup(_who(), id_number))


@share_api.route("/share/stats", methods=["GET"])
@api_errors
def stats_json():
    from ..domain.errors import ValidationFailed
    year = (share_api.current_request.query_params or {}).get("year")
    try:
        year = int(year) if year else None
    except ValueError:
        raise ValidationFailed("year 应为数字") from None
    board = _c().stats.dashboard(_who(), year)

    def line(x):
        return {"code": x.code, "name": x.name, "registered": x.registered, "expected": x.expected,
                "filed": x.filed, "approved": x.approved, "rejected": x.rejected, "not_filed": x.not_filed,
                "contracts_due": x.due, "contracts_signed": x.signed,
                "signing_rate": None if x.signing_rate is None else round(x.signing_rate, 4)}
    return json_response({"year": board.year, "due_date": board.due.isoformat(), "overdue": board.overdue,
                          "divisions": [line(x) for x in board.lines], "total": line(board.total),
                          "industries": [line(x) for x in board.industries]})
