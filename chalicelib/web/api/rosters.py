"""Around a filing's rosters: an upload's error report, the roster diff, the leavers as 表三."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import api_errors, download_response, json_response
from ..session import signed_in

routes = Blueprint(__name__)


@routes.route("/filings/{filing_id}/uploads/{upload_id}/error-report", methods=["GET"])
@api_errors
def error_report(filing_id: str, upload_id: str) -> Response:
    return download_response(container().rosters.error_report(signed_in(), filing_id, upload_id))


@routes.route("/filings/{filing_id}/roster-diff", methods=["GET"])
@api_errors
def roster_diff(filing_id: str) -> Response:
    return json_response(container().rosters.diff(signed_in(), filing_id))


@routes.route("/filings/{filing_id}/leavers", methods=["GET"])
@api_errors
def leavers(filing_id: str) -> Response:
    """The leavers as 表三 rows (the workbook to complete and upload: POST /exports, kind leavers)."""
    return json_response({"items": container().rosters.leavers(signed_in(), filing_id)})
