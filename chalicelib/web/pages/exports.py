"""Exports (services/exports.py): 我的导出, an export's page (how far it got, then its download) and the figures
its script polls."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ..api.exports import export_json
from ..http import download_response, json_response
from ..page import Page, page

routes = Blueprint(__name__)


@routes.route("/exports", methods=["GET"])
@page("any")
def history(p: Page) -> Response:
    exports = container().exports
    return p.render("exports.html", exports=exports.history(p.user), now=container().clock.now())


@routes.route("/exports/{export_id}", methods=["GET"])
@page("any")
def status(p: Page, export_id: str) -> Response:
    return p.render("export.html", export=container().exports.status(p.user, export_id),
                    now=container().clock.now())


@routes.route("/exports/{export_id}/progress", methods=["GET"])
@page("any")
def progress(p: Page, export_id: str) -> Response:
    """The export as GET /api/v1/exports/{id} tells it, for the page's script: the page is signed in by its
    cookie, the API by a bearer token the page does not hold."""
    return json_response(export_json(container().exports.status(p.user, export_id), f"{p.base}/exports"),
                         headers={"Cache-Control": "no-store"})


@routes.route("/exports/{export_id}/file", methods=["GET"])
@page("any")
def download(p: Page, export_id: str) -> Response:
    return download_response(container().exports.download(p.user, export_id))
