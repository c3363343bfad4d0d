"""The overdue list (未依法备案单位名单) as JSON, for a reviewer's jurisdiction or a department account's division,
with each unit's enforcement follow-up; recording a step (docs/rules.md §15)."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from typing import Any

from ..http import api_errors, current_request, int_param, json_body, json_response, query, year_param
from ..session import signed_in

routes = Blueprint(__name__)


@routes.route("/overdue", methods=["GET"])
@api_errors
def overdue() -> Response:
    from ...domain import jurisdiction  # cold start: domain data and models load on first use
    q = query()
    result = container().overdue.page(signed_in(), year=year_param(q.get("year") or None, default=None),
                                      division=q.get("division"), step=q.get("step"), page_token=q.get("page_token"),
                                      limit=int_param(q.get("limit"), "limit", "每页条数", 1, 500, default=50))
    return json_response({
        "year": result.year, "due_date": result.due.isoformat(), "overdue": result.overdue, "step": result.step,
        "next_page_token": result.next_page_token,
        "items": [{
            "uscc": r.unit.uscc, "name": r.unit.name,
            "authority": jurisdiction.authority(r.obligation.authority_code).as_dict(),
            "registration_division": r.unit.registration_division, "registered_address": r.unit.registered_address,
            "legal_representative": r.unit.legal_representative, "filer_name": r.unit.filer_name,
            "filer_mobile": r.unit.filer_mobile, "filer_email": r.unit.filer_email,
            "registered_at": r.unit.registered_at.isoformat(), "filing_status": r.obligation.filing_status,
            "filing_status_label": r.status_label, "days_overdue": r.days_overdue,
            "reminders": [{"step": s.step, "label": s.label, "sent_at": s.at.isoformat()}
                          for s in r.obligation.reminders] if r.reminders_known else None,
            "enforcement": enforcement_json(r.enforcement, may_correct=r.may_correct(),
                                            may_transfer=r.may_transfer(result.today)) if r.enforcement else None,
        } for r in result.rows]})


@routes.route("/overdue/{uscc}/enforcement", methods=["POST"])
@api_errors
def record_step(uscc: str) -> Response:
    body = json_body(current_request())
    record = container().enforcement.record(signed_in(), uscc, year_param(body.get("year")), str(body.get("step") or ""),
                                            body)
    return json_response(enforcement_json(record))


def enforcement_json(e: Any, **offered: bool) -> dict[str, Any]:
    """An enforcement record (domain/enforcement.py) as the API shows it; `offered`: the steps open now."""
    return {"uscc": e.uscc, "year": e.year, "stage": e.stage.value, "stage_label": e.stage_label,
            "last_step": e.last_step.action, "last_step_label": e.last_step_label,
            "last_step_date": e.last_step_date.isoformat(), "notice_number": e.notice_number,
            "notice_date": e.notice_date.isoformat(), "deadline": e.deadline.isoformat(),
            "transfer_note": e.transfer_note, "version": e.version, **offered,
            "history": [{"action": h.action, "by": h.by, "at": h.at.isoformat()} for h in e.history]}
