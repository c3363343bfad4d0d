"""The overdue list (未依法备案单位名单) for reviewers, and its Excel export for 劳动保障监察. In scope only:
a county sees its own units, a city its own and its counties', the province all; another department's account
reads the list of its division. The unit's own authority records its enforcement steps here (docs/rules.md §15)."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import year_param
from ..page import FORM, Page, page

routes = Blueprint(__name__)


@routes.route("/review/overdue", methods=["GET"])
@page("any")  # 业务操作员 and the departments' accounts (access.py RULES; the service checks again)
def overdue(p: Page) -> Response:
    from ...domain import jurisdiction  # cold start: domain data and models load on first use
    from ...domain.enforcement import FILTERS
    service = container().overdue
    result = service.page(p.user, year=year_param(p.query.get("year") or None, default=None),
                          division=p.query.get("division"), step=p.query.get("step"),
                          page_token=p.query.get("page_token"))
    shown = {"year": result.year, "division": result.division or "", "step": result.step or ""}
    return p.render("overdue.html", result=result, filters=shown, title=result.title, steps=FILTERS,
                    divisions=service.division_choices(p.user), authority=jurisdiction.authority(p.user.scope),
                    recorder=p.user.is_reviewer and p.user.can("filing.review"), back=urlencode(shown),
                    export_url=f"/review/overdue/export?{urlencode(shown)}",
                    next_url=f"/review/overdue?{urlencode({**shown, 'page_token': result.next_page_token})}"
                    if result.next_page_token else None)


@routes.route("/review/overdue/export", methods=["POST"], content_types=FORM)
@page("any")
def export(p: Page) -> Response:
    """Queue the export (a province's list outgrows a response: services/exports.py), then show its page."""
    asked = container().exports.request(p.user, "overdue", year=year_param(p.query.get("year") or None, default=None),
                                        division=p.query.get("division"), step=p.query.get("step"))
    return p.go(f"/exports/{asked.id}")


@routes.route("/review/overdue/{uscc}/enforcement", methods=["POST"], content_types=FORM)
@page("reviewer")
def record_step(p: Page, uscc: str) -> Response:
    """Record 责令限期改正, 已改正 or 移交劳动保障监察 for the unit and year, then back to the list as it was."""
    year = year_param(p.form.get("year") or None)
    container().enforcement.record(p.user, uscc, year, p.form.get("step", ""), dict(p.form))
    shown = {k: v for k, v in parse_qsl(p.form.get("back", "")) if k in ("division", "step")}  # the list's filters
    return p.go(f"/review/overdue?{urlencode({**shown, 'year': year})}#u-{uscc}")
