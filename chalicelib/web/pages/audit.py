"""The audit log, for 业务审计员 only."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.jurisdiction import authority
from ..page import Page, page

routes = Blueprint(__name__)


@routes.route("/audit", methods=["GET"])
@page("auditor")
def audit(p: Page) -> Response:
    return p.render("audit.html", events=container().audit.read(p.user, limit=200), authority=authority(p.user.scope))
