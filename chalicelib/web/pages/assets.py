"""The pages' static files (templates/static/): the scripts the Content-Security-Policy allows (no inline script):
every page's app.js, the forms' forms.js, the 填报助手's assistant.js, the export page's export.js."""
from __future__ import annotations

from functools import cache

from chalice import Blueprint, Response

from ..http import TEMPLATES

routes = Blueprint(__name__)
ASSETS = {"app.js": "text/javascript; charset=utf-8", "forms.js": "text/javascript; charset=utf-8",
          "assistant.js": "text/javascript; charset=utf-8", "export.js": "text/javascript; charset=utf-8"}


@cache
def _read(name: str) -> str:
    return (TEMPLATES / "static" / name).read_text(encoding="utf-8")


@routes.route("/assets/{name}", methods=["GET"])
def asset(name: str) -> Response:
    if name not in ASSETS:
        return Response(body="", status_code=404, headers={"Content-Type": "text/plain"})
    return Response(body=_read(name), status_code=200,
                    headers={"Content-Type": ASSETS[name], "Cache-Control": "public, max-age=3600",
                             "X-Content-Type-Options": "nosniff"})
