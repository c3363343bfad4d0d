"""The overdue list (未依法备案单位名单) as JSON, for a reviewer's jurisdiction."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import api_errors, int_param, json_response, query, year_param
from ..session import signed_in

routes = Blueprint(__name__)


@routes.route("/overdue", methods=["GET"])
@api_errors
def overdue() -> Response:
    from ...domain import jurisdiction  # cold start: domain data and models load on first use
    q = query()
    result = container().overdue.page(signed_in(), year=year_param(q.get("year") or None, default=None),
                                      division=q.get("division"), page_token=q.get("page_token"),
                                      limit=int_param(q.get("limit"), "limit", "每页条数", 1, 500, default=50))
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
