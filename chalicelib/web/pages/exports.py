"""An export's page (services/exports.py): how it goes, then its download."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import download_response
from ..page import Page, page

routes = Blueprint(__name__)


@routes.route("/exports/{export_id}", methods=["GET"])
@page("any")
def status(p: Page, export_id: str) -> Response:
    return p.render("export.html", export=container().exports.status(p.user, export_id))


@routes.route("/exports/{export_id}/file", methods=["GET"])
@page("any")
def download(p: Page, export_id: str) -> Response:
    return download_response(container().exports.download(p.user, export_id))
