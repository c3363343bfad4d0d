"""A filing's 回执 / 备案证明 as PDF (docs/rules.md §14)."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import api_errors, file_response
from ..session import signed_in

routes = Blueprint(__name__)


@routes.route("/filings/{filing_id}/receipt", methods=["GET"])
@api_errors
def receipt(filing_id: str) -> Response:
    return file_response(*container().receipts.pdf(signed_in(), filing_id), "application/pdf")
