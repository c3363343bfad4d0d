"""Exports built by a job (services/exports.py): ask for one, follow it, download it."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.calendar import local_text
from ..http import api_errors, current_request, download_response, json_body, json_response, year_param
from ..session import signed_in

if TYPE_CHECKING:
    from ...services.exports import ExportStatus

routes = Blueprint(__name__)


def export_json(status: ExportStatus, base: str | None = None) -> dict[str, Any]:
    """An export as the API and the export page's script read it; `base` is where its status and file are
    (the API's by default)."""
    base = base or f"{container().settings.base_url}/api/v1/exports"
    now = container().clock.now()
    return {"export_id": status.id, "kind": status.kind, "title": status.title, "subject": status.subject,
            "status": status.status, "label": status.label, "message": status.message, "filename": status.filename,
            "requested_at": status.requested_at.isoformat(), "requested_at_local": local_text(status.requested_at),
            "finished_at": status.finished_at.isoformat() if status.finished_at else None,
            "rows": status.rows, "expected_rows": status.expected, "percent": status.percent, "size": status.size,
            "status_url": f"{base}/{status.id}",
            "download_url": f"{base}/{status.id}/file" if status.downloadable(now) else None}


@routes.route("/exports", methods=["GET"])
@api_errors
def my_exports() -> Response:
    """我的导出: the caller's latest exports, newest first."""
    return json_response({"items": [export_json(s) for s in container().exports.history(signed_in())]})


@routes.route("/exports", methods=["POST"])
@api_errors
def request_export() -> Response:
    body = json_body(current_request())
    kind = str(body.get("kind") or "")
    params: dict[str, Any] = {"year": year_param(body.get("year"), default=None)}
    if kind == "overdue":
        params["division"] = str(body.get("division") or "")
        params["step"] = str(body.get("step") or "")
    if kind == "leavers":
        params = {"filing_id": str(body.get("filing_id") or "")}
    if kind == "filing_rows":
        params = {"filing_id": str(body.get("filing_id") or ""), "table": str(body.get("table") or ""),
                  "full_ids": body.get("full_ids") is True}
    if kind == "audit":  # the audit log's filters (services/audit.py)
        from ...services.audit import kept
        params = kept(body)
    return json_response(export_json(container().exports.request(signed_in(), kind, **params)), 202)


@routes.route("/exports/{export_id}", methods=["GET"])
@api_errors
def export_status(export_id: str) -> Response:
    return json_response(export_json(container().exports.status(signed_in(), export_id)))


@routes.route("/exports/{export_id}/file", methods=["GET"])
@api_errors
def export_file(export_id: str) -> Response:
    return download_response(container().exports.download(signed_in(), export_id))
