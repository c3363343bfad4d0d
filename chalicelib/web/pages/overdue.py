"""The overdue list (未依法备案单位名单) for reviewers, and its Excel export for 劳动保障监察. In scope only:
a county sees its own units, a city its own and its counties', the province all."""
from __future__ import annotations

from urllib.parse import urlencode

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import year_param
from ..page import FORM, Page, page

routes = Blueprint(__name__)


@routes.route("/review/overdue", methods=["GET"])
@page("reviewer")
def overdue(p: Page) -> Response:
    from ...domain import jurisdiction  # cold start: domain data and models load on first use
    service = container().overdue
    result = service.page(p.user, year=year_param(p.query.get("year") or None, default=None), division=p.query.get("division"),
                          page_token=p.query.get("page_token"))
    shown = {"year": result.year, "division": result.division or ""}
    return p.render("overdue.html", result=result, filters=shown, title=result.title,
                    divisions=service.division_choices(p.user), authority=jurisdiction.authority(p.user.scope),
                    export_url=f"/review/overdue/export?{urlencode(shown)}",
                    next_url=f"/review/overdue?{urlencode({**shown, 'page_token': result.next_page_token})}"
                    if result.next_page_token else None)


@routes.route("/review/overdue/export", methods=["POST"], content_types=FORM)
@page("reviewer")
def export(p: Page) -> Response:
    """Queue the export (a province's list outgrows a response: services/exports.py), then show its page."""
    asked = container().exports.request(p.user, "overdue", year=year_param(p.query.get("year") or None, default=None),
                                        division=p.query.get("division"))
    return p.go(f"/exports/{asked.id}")
