"""The day's reminder counts for 系统管理员 (docs/rules.md §8, "A million units"): planned, sent, failed and dropped
per authority and channel, and the outbox's backlog."""
from __future__ import annotations

import datetime as dt

from chalice import Blueprint, Response

from ...bootstrap import container
from ..page import Page, page

routes = Blueprint(__name__)


@routes.route("/admin/notifications", methods=["GET"])
@page("system_admin")
def notifications(p: Page) -> Response:
    from ...domain import jurisdiction, notifications as rules  # cold start: domain data loads on first use
    asked = (p.request.query_params or {}).get("day")
    try:
        day = dt.date.fromisoformat(asked) if asked else None
    except ValueError:
        return p.render("error.html", 400, message="日期格式不正确，请按 2026-06-01 的格式填写")
    counts = container().reminders.delivery_counts(p.user, day)
    return p.render("admin_notifications.html", counts=counts, outcomes=rules.OUTCOMES, labels=rules.OUTCOME_LABEL,
                    channels=rules.CHANNEL_LABEL, authority=jurisdiction.authority)
