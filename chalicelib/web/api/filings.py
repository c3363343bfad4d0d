"""A unit's filings: create, 表一, uploads and their progress, rows, submit and withdraw, the blank forms."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import api_errors, current_request, file_response, int_param, json_body, json_response, query, year_param
from ..session import signed_in

if TYPE_CHECKING:
    from ...domain.filing import Filing
    from ...domain.model import Upload

routes = Blueprint(__name__)


def filing_json(filing: Filing, checks: dict[str, Any] | None = None) -> dict[str, Any]:
    from ...domain import jurisdiction  # cold start: domain data and models load on first use
    body = {
        "id": filing.id, "uscc": filing.uscc, "unit_name": filing.unit_name, "year": filing.year,
        "kind": filing.kind, "tables": list(filing.tables), "status": filing.status.value,
        "status_label": filing.status_label, "version": filing.version, "receipt_no": filing.receipt_no,
        "authority": jurisdiction.authority(filing.authority_code).as_dict(),
        "submitted_at": filing.submitted_at, "updated_at": filing.updated_at,
        "row_counts": {t: rs.rows for t, rs in filing.row_sets.items()},
        "zero_report": filing.zero_report,  # 零申报: 表一 says 在册 = 0, complete without 表二 (docs/rules.md §11)
        # versions (docs/rules.md §11 更正)
        "corrects": filing.corrects, "correction_no": filing.correction_no,
        "open_correction": filing.open_correction, "superseded_by": filing.superseded_by,
    }
    if checks is not None:
        body.update(table1=filing.table1, checks=checks,
                    history=[t.model_dump(mode="json", exclude={"seen"}) for t in filing.history])
    return body


def upload_json(upload: Upload) -> dict[str, Any]:
    report = (f"{container().settings.base_url}/api/v1/filings/{upload.filing_id}/uploads/{upload.id}/error-report"
              if upload.error_report_key else None)
    return {"upload_id": upload.id, "table": upload.table, "filename": upload.filename, "status": upload.status,
            "rows_total": upload.rows_total, "rows_done": upload.rows_done, "message": upload.message,
            "errors": upload.errors, "error_report_url": report}


@routes.route("/filings", methods=["POST"])
@api_errors
def create_filing() -> Response:
    body = json_body(current_request())
    filing = container().filings.create(signed_in(), year_param(body.get("year")), str(body.get("kind") or "annual"))
    return json_response(filing_json(filing), 201)


@routes.route("/filings", methods=["GET"])
@api_errors
def list_filings() -> Response:
    who, q = signed_in(), query()
    year = year_param(q["year"]) if q.get("year") else None
    c = container()
    if who.is_filer:
        items = c.filings.list(who, status=q.get("status"), year=year)
        return json_response({"items": [filing_json(f) for f in items], "next_page_token": None})
    items, token, counts = c.review.queue(
        who, status=q.get("status"), year=year, division=q.get("division"), unit_type=q.get("unit_type"),
        kind=q.get("kind"),
        search=q.get("q"), page_token=q.get("page_token"), limit=int_param(q.get("limit"), "limit", "每页条数", 1, 200,
                                                                        default=50))
    desks = c.desks.desks_of(items)  # a reviewer's queue also says how long each waited and who holds it
    return json_response({"items": [{**filing_json(f), "waiting_working_days": c.review.waiting_days(f),
                                     "holder": desks[f.id].holder if f.id in desks else None} for f in items],
                          "next_page_token": token, "counts": counts})


@routes.route("/filings/{filing_id}", methods=["GET"])
@api_errors
def get_filing(filing_id: str) -> Response:
    c = container()
    filing = c.filings.get(signed_in(), filing_id)
    body = filing_json(filing, c.filings.checks(filing))
    if "table1" in filing.tables and filing.table1 is None:  # what the 表一 form starts with
        body["table1_prefill"] = c.filings.table1_start(filing)
    return json_response(body)


@routes.route("/filings/{filing_id}", methods=["DELETE"])
@api_errors
def delete_filing(filing_id: str) -> Response:
    """The filer deletes a draft never submitted (docs/rules.md §11)."""
    container().versions.delete_draft(signed_in(), filing_id)
    return Response(body="", status_code=204)


@routes.route("/filings/{filing_id}/corrections", methods=["POST"])
@api_errors
def open_correction(filing_id: str) -> Response:
    """The filer opens a correction (更正) of its approved annual filing."""
    return json_response(filing_json(container().versions.open_correction(signed_in(), filing_id)), 201)


@routes.route("/filings/{filing_id}/changes", methods=["GET"])
@api_errors
def changes(filing_id: str) -> Response:
    """What a correction changes against the version in force."""
    q = query()
    return json_response(container().versions.changes(
        signed_in(), filing_id, q.get("table") or None, offset=int_param(q.get("offset"), "offset", "起始行", default=0),
        limit=int_param(q.get("limit"), "limit", "每页行数", 1, 500, default=50)))


@routes.route("/filings/{filing_id}/table1", methods=["PUT"])
@api_errors
def put_table1(filing_id: str) -> Response:
    c = container()
    filing = c.filings.save_table1(signed_in(), filing_id, json_body(current_request()))
    return json_response(filing_json(filing, c.filings.checks(filing)))


@routes.route("/filings/{filing_id}/uploads", methods=["POST"])
@api_errors
def start_upload(filing_id: str) -> Response:
    body = json_body(current_request())
    upload, post = container().filings.start_upload(signed_in(), filing_id, str(body.get("table") or ""),
                                                    str(body.get("filename") or ""))
    return json_response({"upload_id": upload.id, "url": post["url"], "fields": post["fields"]}, 201)


@routes.route("/filings/{filing_id}/uploads/{upload_id}", methods=["GET"])
@api_errors
def get_upload(filing_id: str, upload_id: str) -> Response:
    return json_response(upload_json(container().filings.get_upload(signed_in(), filing_id, upload_id)))


@routes.route("/filings/{filing_id}/rows/{table}", methods=["DELETE"])
@api_errors
def remove_rows(filing_id: str, table: str) -> Response:
    """The filer takes an uploaded 表二/表三 out of its filing (a 零申报's roster, a wrong file)."""
    c = container()
    filing = c.filings.remove_rows(signed_in(), filing_id, table)
    return json_response(filing_json(filing, c.filings.checks(filing)))


@routes.route("/filings/{filing_id}/rows/{table}", methods=["GET"])
@api_errors
def get_rows(filing_id: str, table: str) -> Response:
    q, who, c = query(), signed_in(), container()
    offset = int_param(q.get("offset"), "offset", "起始行", default=0)
    limit = int_param(q.get("limit"), "limit", "每页行数", 1, 500, default=50)
    if who.is_reviewer:  # masked ID numbers; revealing one is a separate, audited call
        rows, total = c.review.rows(who, filing_id, table, offset=offset, limit=limit, search=q.get("q"))
        return json_response({"items": rows, "total": total, "offset": offset, "limit": limit})
    found = c.row_edits.rows(who, filing_id, table, offset=offset, limit=limit, search=q.get("q"))
    return json_response({"items": found.items, "total": found.total, "offset": offset, "limit": limit,
                          "next_offset": found.next_offset})


@routes.route("/filings/{filing_id}/submit", methods=["POST"])
@api_errors
def submit(filing_id: str) -> Response:
    """Body {"declaration_accepted": true}: the filer accepts the 承诺 (docs/api.md)."""
    accepted = json_body(current_request()).get("declaration_accepted")
    filing = container().filings.submit(signed_in(), filing_id, declaration_accepted=accepted is True)
    return json_response({"status": filing.status.value, "receipt_no": filing.receipt_no, "version": filing.version})


@routes.route("/filings/{filing_id}/withdraw", methods=["POST"])
@api_errors
def withdraw(filing_id: str) -> Response:
    filing = container().filings.withdraw(signed_in(), filing_id)
    return json_response({"status": filing.status.value, "version": filing.version})


@routes.route("/templates/{table}", methods=["GET"])
@api_errors
def blank_form(table: str) -> Response:
    """The blank 表一/表二/表三 workbook to fill in and upload."""
    return file_response(*container().filings.blank_form(table))
