"""JSON API routes around rosters (issue 3): error reports, roster diff, leavers' 表三, local downloads.

Registered under /api/v1 like api.py; described in openapi.py.
"""
from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container as _c
from .http import XLSX, api_errors, error_body, json_response

rosters_api = Blueprint(__name__)


def _who():
    from .api import _who as who
    return who()


def file_response(data: bytes, filename: str, content_type: str = XLSX) -> Response:
    from ..adapters.filenames import content_disposition
    return Response(body=data, status_code=200, headers={
        "Content-Type": content_type, "Content-Disposition": content_disposition(filename),
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def blob_download(c, key: str, filename: str) -> Response:
    """Embedded: the blob itself. AWS: a redirect to a short-lived presigned GET (Lambda responses are
    capped at 6 MB, and S3 serves big files better)."""
    from ..services.rosters import REPORT_SECONDS
    if c.settings.embedded:
        with c.blobs.open(key) as f:
            return file_response(f.read(), filename)
    return Response(body="", status_code=302, headers={
        "Location": c.blobs.presigned_get(key, REPORT_SECONDS, filename), "Cache-Control": "no-store"})


@rosters_api.route("/filings/{filing_id}/uploads/{upload_id}/error-report", methods=["GET"])
@api_errors
def error_report(filing_id, upload_id):
    c = _c()
    key, name = c.rosters.error_report(_who(), filing_id, upload_id)
    return blob_download(c, key, name)


@rosters_api.route("/filings/{filing_id}/roster-diff", methods=["GET"])
@api_errors
def roster_diff(filing_id):
    return json_response(_c().rosters.diff(_who(), filing_id))


@rosters_api.route("/filings/{filing_id}/leavers", methods=["GET"])
@api_errors
def leavers(filing_id):
    """The leavers as 表三 rows; with ?format=xlsx, as a 表三 workbook to complete and upload."""
    c = _c()
    who = _who()
    if (rosters_api.current_request.query_params or {}).get("format") == "xlsx":
        data, name = c.rosters.leavers_workbook(who, filing_id)
        return file_response(data, name)
    return json_response({"items": c.rosters.leavers(who, filing_id)})


@rosters_api.route("/local-downloads", methods=["GET"])
@api_errors
def local_download():
    """Embedded mode's stand-in for an S3 presigned GET (BlobStore.presigned_get)."""
    from ..adapters.embedded.file_blobs import UploadPolicyError
    c = _c()
    if not c.settings.embedded:
        return json_response(error_body("not_found", "接口不存在"), 404)
    try:
        key, filename = c.blobs.check_get((rosters_api.current_request.query_params or {}).get("token", ""))
        with c.blobs.open(key) as f:
            return file_response(f.read(), filename)
    except UploadPolicyError as e:
        return json_response(error_body("forbidden", str(e)), 403)
    except FileNotFoundError:
        return json_response(error_body("not_found", "文件不存在或已删除"), 404)
