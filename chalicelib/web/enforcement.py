"""未依法备案单位名单 (units that have not filed): the reviewer page, its Excel export, and the JSON API.

In scope only: a county sees its own units, a city its own and its counties', the province all
(domain.jurisdiction.Scope). Units registered but never filed are included.
"""
from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container as _c
from .access import caller
from .api_rosters import file_response
from .http import api_errors, json_response
from .pages import Page, page

enforcement = Blueprint(__name__)  # pages, at /review/overdue
enforcement_api = Blueprint(__name__)  # JSON, registered under /api/v1


def _number(value, name: str, title: str, low: int, high: int) -> int | None:
    from ..domain.errors import ValidationFailed, problem
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        text = f"{title}应为{low}到{high}之间的整数"
        raise ValidationFailed(text, [problem(text, column=title, field=name)])
    return number


def _filters(query: dict) -> dict:
    return {"year": _number(query.get("year"), "year", "备案年度", 2000, 2100),
            "division": (query.get("division") or "").strip() or None}


@enforcement.route("/review/overdue", methods=["GET"])
@page("reviewer")
def overdue_page(p: Page):
    from urllib.parse import urlencode

    from ..domain import jurisdiction
    q = p.request.query_params or {}
    filters = _filters(q)
    c = _c()
    result = c.overdue.page(p.who, **filters, page_token=q.get("page_token"))
    shown = {"year": result.year, "division": filters["division"] or ""}
    return p.render("overdue.html", result=result, filters=shown, title=result.title,
                    divisions=c.overdue.division_choices(p.who), authority=jurisdiction.authority(p.who.scope),
                    export_url=f"/review/overdue/export?{urlencode(shown)}",
                    next_url=f"/review/overdue?{urlencode({**shown, 'page_token': result.next_page_token})}"
                    if result.next_page_token else None)


@enforcement.route("/review/overdue/export", methods=["GET"])
@page("reviewer")
def overdue_export(p: Page):
    body, name = _c().overdue.export(p.who, **_filters(p.request.query_params or {}))
    return file_response(body, name)


@enforcement_api.route("/overdue", methods=["GET"])
@api_errors
def overdue_json():
    from ..domain import jurisdiction
    request = enforcement_api.current_request
    who = caller(request) or _c().accounts.authenticate(None)  # (the access guard already refused strangers)
    q = request.query_params or {}
    limit = _number(q.get("limit"), "limit", "每页条数", 1, 500) or 50
    result = _c().overdue.page(who, **_filters(q), page_token=q.get("page_token"), limit=limit)
    return json_response({
        "year": result.year, "due_date": result.due.isoformat(), "overdue": result.overdue,
        "next_page_token": result.next_page_token,
        "items": [{
            "uscc": r.unit.uscc, "name": r.unit.name,
            "authority": jurisdiction.authority(r.obligation.authority_code).as_dict(),
            "registration_division": r.unit.registration_division, "registered_address": r.unit.registered_address,
            "legal_representative": r.unit.legal_representative, "filer_name": r.unit.filer_name,
            "filer_mobile": r.unit.filer_mobile, "filer_email": r.unit.filer_email,
            "registered_at": r.unit.registered_at.isoformat(), "filing_status": r.obligation.filing_status,
            "filing_status_label": r.obligation.status_label, "days_overdue": r.days_overdue,
            "reminders": [{"step": s.step, "label": s.label, "sent_at": s.at.isoformat()}
                          for s in r.obligation.reminders],
        } for r in result.rows]})
