"""Data sharing (docs/rules.md §9, §16): person look-up by ID number, unit look-up by 统一社会信用代码. What is
looked up travels in a POST body (kept out of URLs and logs)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import DomainError
from ..page import FORM, Page, page

routes = Blueprint(__name__)


@routes.route("/share/persons", methods=["GET", "POST"], content_types=FORM)
@page("any")
def persons(p: Page) -> Response:
    return _look_up(p, "share_persons.html", lambda: container().persons.lookup(p.user, p.form.get("id_number", "")))


@routes.route("/share/units", methods=["GET", "POST"], content_types=FORM)
@page("any")
def units(p: Page) -> Response:
    return _look_up(p, "share_units.html", lambda: container().unit_lookup.lookup(p.user, p.form.get("uscc", "")))


def _look_up(p: Page, template: str, look_up: Callable[[], dict[str, Any]]) -> Response:
    """The form, and on POST its answer: a refusal of the input or of the rate shown on the page, 403 raised."""
    result, error, status = None, None, 200
    if p.request.method == "POST":
        try:
            result = look_up()
        except DomainError as e:
            if e.status == 403:
                raise
            error, status = e.message, (429 if e.status == 429 else 200)
    return p.render(template, status, result=result, error=error)
