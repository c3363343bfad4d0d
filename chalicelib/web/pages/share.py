"""Data sharing (docs/rules.md §9): person look-up by ID number. The ID number travels in a POST body
(kept out of URLs and logs)."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import DomainError
from ..page import FORM, Page, page

routes = Blueprint(__name__)


@routes.route("/share/persons", methods=["GET", "POST"], content_types=FORM)
@page("any")
def persons(p: Page) -> Response:
    result, error, status = None, None, 200
    if p.request.method == "POST":
        try:
            result = container().persons.lookup(p.user, p.form.get("id_number", ""))
        except DomainError as e:
            if e.status == 403:
                raise
            error, status = e.message, (429 if e.status == 429 else 200)
    return p.render("share_persons.html", status, result=result, error=error)
