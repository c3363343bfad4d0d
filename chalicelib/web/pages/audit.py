"""The audit log, for 业务审计员 only: filtered, paged over the whole history, exported as .xlsx by the export job."""
from __future__ import annotations

from urllib.parse import urlencode

from chalice import Blueprint, Response

from ...bootstrap import container
from ..page import FORM, Page, page

routes = Blueprint(__name__)


@routes.route("/audit", methods=["GET"])
@page("auditor")
def audit(p: Page) -> Response:
    from ...domain import jurisdiction  # cold start: domain data and models load on first use
    from ...domain.audit import ACTION_NAMES
    from ...services.audit import kept
    shown = kept(p.query)
    result = container().audit.page(p.user, shown, page_token=p.query.get("page_token"))
    scope = jurisdiction.Scope(p.user.scope)
    codes = ([p.user.scope] if scope.level == "province" else []) + scope.narrower()  # the province's own events too
    divisions = [jurisdiction.authority(code) for code in codes] if len(codes) > 1 else []
    return p.render("audit.html", result=result, filters=shown, actions=ACTION_NAMES, divisions=divisions,
                    authority=jurisdiction.authority(p.user.scope), export_query=urlencode(shown),
                    next_url=f"/audit?{urlencode({**shown, 'page_token': result.next_page_token})}"
                    if result.next_page_token else None)


@routes.route("/audit/export", methods=["POST"], content_types=FORM)
@page("auditor")
def export(p: Page) -> Response:
    """Queue the export of the events the filters select (services/exports.py), then show its page."""
    from ...services.audit import kept
    return p.go(f"/exports/{container().exports.request(p.user, 'audit', **kept(p.query)).id}")
