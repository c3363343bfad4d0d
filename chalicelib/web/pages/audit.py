"""The audit log, for 业务审计员 only."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ..page import Page, page

routes = Blueprint(__name__)


@routes.route("/audit", methods=["GET"])
@page("auditor")
def audit(p: Page) -> Response:
    from ...domain.jurisdiction import authority  # cold start: domain data and models load on first use
    return p.render("audit.html", events=container().audit.read(p.user, limit=200), authority=authority(p.user.scope))
