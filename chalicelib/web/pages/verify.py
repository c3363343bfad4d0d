"""Receipts on the pages (docs/rules.md §14): the filer's and the reviewer's download of a filing's 回执 / 备案证明
(PDF), and the public verification page the receipt's QR code opens (no sign-in)."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import RateLimited
from ..http import client_address, file_response
from ..page import FORM, Page, page

routes = Blueprint(__name__)
PDF = "application/pdf"


@routes.route("/employer/filings/{filing_id}/receipt.pdf", methods=["GET"])
@page("filer")
def employer_receipt(p: Page, filing_id: str) -> Response:
    return file_response(*container().receipts.pdf(p.user, filing_id), PDF)


@routes.route("/review/filings/{filing_id}/receipt.pdf", methods=["GET"])
@page("reviewer")
def review_receipt(p: Page, filing_id: str) -> Response:
    return file_response(*container().receipts.pdf(p.user, filing_id), PDF)


@routes.route("/verify", methods=["GET", "POST"], content_types=FORM)
@page()
def verify(p: Page) -> Response:
    """回执查验: the form; with a 回执号 and check code (the QR code's link, or the form posted) the answer too.
    A wrong code and an unknown 回执号 get the same answer."""
    fields = p.form if p.request.method == "POST" else p.query
    number, code = str(fields.get("no") or "")[:100], str(fields.get("code") or "")[:100]
    if not (number or code):
        return p.render("verify.html", number="", code="", asked=False, found=None)
    try:
        found = container().receipts.verify(client_address(p.request), number, code)
    except RateLimited as e:
        return p.render("verify.html", 429, number=number, code=code, asked=False, found=None, message=e.message)
    return p.render("verify.html", number=number, code=code, asked=True, found=found)
