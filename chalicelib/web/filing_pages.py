"""Employer pages added by issue 3: the error report and the leavers' 表三 downloads.

(The filing, 表一, upload and result pages are in pages.py.) Downloads check ownership like every page
(access.RULES + the service), then stream from the blob store (embedded) or redirect to a short-lived
presigned GET (AWS).
"""
from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container as _c
from .pages import Page, page

filing_pages = Blueprint(__name__)


@filing_pages.route("/employer/filings/{filing_id}/uploads/{upload_id}/error-report", methods=["GET"])
@page("filer")
def employer_error_report(p: Page, filing_id, upload_id):
    from .api_rosters import blob_download
    c = _c()
    key, name = c.rosters.error_report(p.who, filing_id, upload_id)
    return blob_download(c, key, name)


@filing_pages.route("/employer/filings/{filing_id}/leavers", methods=["GET"])
@page("filer")
def employer_leavers(p: Page, filing_id):
    from .api_rosters import file_response
    data, name = _c().rosters.leavers_workbook(p.who, filing_id)
    return file_response(data, name)
