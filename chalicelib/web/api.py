"""The JSON API of API.md, under /api/v1."""
from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container as _c
from .http import (
    XLSX,
    api_errors,
    error_body,
    json_body,
    json_response,
    multipart_body,
    redirect,
)

api = Blueprint(__name__)


def _who():
    """The caller of the bearer token (worked out once per request, shared with the access guard)."""
    from ..domain.errors import Unauthenticated
    from .access import caller
    who = caller(api.current_request)
    if who is None:
        raise Unauthenticated("请先登录")
    return who


def _query() -> dict:
    return api.current_request.query_params or {}


def _int(value, name: str, title: str, low: int = 0, high: int = 10**9) -> int:
    from ..domain.errors import ValidationFailed, problem
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high or isinstance(value, bool):
        message = f"{title}应为{low}到{high}之间的整数"
        raise ValidationFailed(message, [problem(message, column=title, field=name)]) from None
    return number


def filing_json(filing, checks: dict | None = None) -> dict:
    from ..domain import jurisdiction
    body = {
        "id": filing.id, "uscc": filing.uscc, "unit_name": filing.unit_name, "year": filing.year,
        "kind": filing.kind, "tables": list(filing.tables), "status": filing.status.value,
        "status_label": filing.status_label, "version": filing.version, "receipt_no": filing.receipt_no,
        "authority": jurisdiction.authority(filing.authority_code).as_dict(),
        "submitted_at": filing.submitted_at, "updated_at": filing.updated_at,
        "row_counts": {t: rs.rows for t, rs in filing.row_sets.items()},
    }
    if checks is not None:
        body.update(table1=filing.table1, checks=checks,
                    history=[t.model_dump(mode="json") for t in filing.history])
    return body


def upload_json(upload) -> dict:
    c = _c()
    status, message = upload.status, upload.message
    if upload.stalled(c.clock.now()):  # its import died half way; the filing's rows are untouched
        status, message = "failed", STALLED_MESSAGE
    report = (f"{c.settings.base_url}/api/v1/filings/{upload.filing_id}/uploads/{upload.id}/error-report"
              if upload.error_report_key else None)
    return {"upload_id": upload.id, "table": upload.table, "filename": upload.filename, "status": status,
            "rows_total": upload.rows_total, "rows_done": upload.rows_done, "message": message,
            "errors": upload.errors, "error_report_url": report}


STALLED_MESSAGE = "导入中断（服务可能已重启），原有数据未受影响，请重新上传"


@api.route("/employers/register", methods=["POST"])
@api_errors
def register():
    import pydantic

    from ..domain.errors import ValidationFailed, problem
    from ..services.accounts import Registration

    try:
        data = Registration.model_validate(json_body(api.current_request))
    except pydantic.ValidationError as e:
        raise ValidationFailed("注册信息格式有误", [problem("格式有误", field=".".join(map(str, err["loc"])))
                                                  for err in e.errors()]) from None
    unit, authority = _c().accounts.register(data)
    return json_response({"uscc": unit.uscc, "authority": authority.as_dict(),
                          "message": f"您的备案审核机关：{authority.name}"}, 201)


@api.route("/auth/login", methods=["POST"])
@api_errors
def login():
    body = json_body(api.current_request)
    token, expires, who = _c().accounts.login(str(body.get("username") or ""), str(body.get("password") or ""))
    return json_response({"token": token, "expires_at": expires.isoformat(), "role": who.role.value,
                          "scope": who.scope, "password_change_required": who.must_change_password})


@api.route("/me", methods=["GET"])
@api_errors
def me():
    from ..domain import jurisdiction
    who = _who()
    body = {"username": who.username, "role": who.role.value, "role_label": who.role_label, "scope": who.scope,
            "display_name": who.display_name}
    if who.is_filer:
        unit = _c().store.get_unit(who.scope)
        body["unit"] = unit.model_dump(mode="json")
        body["authority"] = jurisdiction.authority(unit.authority_code).as_dict()
    else:
        body["authority"] = jurisdiction.authority(who.scope).as_dict()
    return json_response(body)


@api.route("/filings", methods=["POST"])
@api_errors
def create_filing():
    who = _who()
    body = json_body(api.current_request)
    filing = _c().filings.create(who, _int(body.get("year"), "year", "备案年度", 2000, 2100),
                                 str(body.get("kind") or "annual"))
    return json_response(filing_json(filing), 201)


@api.route("/filings", methods=["GET"])
@api_errors
def list_filings():
    who = _who()
    q = _query()
    year = _int(q["year"], "year", "备案年度", 2000, 2100) if q.get("year") else None
    if who.is_filer:
        items = _c().filings.list(who, status=q.get("status"), year=year)
        return json_response({"items": [filing_json(f) for f in items], "next_page_token": None})
    items, token, counts = _c().review.queue(
        who, status=q.get("status"), year=year, division=q.get("division"), unit_type=q.get("unit_type"),
        search=q.get("q"), page_token=q.get("page_token"), limit=_int(q.get("limit", 50), "limit", "每页条数", 1, 200))
    return json_response({"items": [filing_json(f) for f in items], "next_page_token": token, "counts": counts})


@api.route("/filings/{filing_id}", methods=["GET"])
@api_errors
def get_filing(filing_id):
    c = _c()
    filing = c.filings.get(_who(), filing_id)
    body = filing_json(filing, c.filings.checks(filing))
    if "table1" in filing.tables and filing.table1 is None:  # what the 表一 form starts with
        from ..services.prefill import defaults_for
        body["table1_prefill"] = defaults_for(c.store, filing)
    return json_response(body)


@api.route("/filings/{filing_id}/table1", methods=["PUT"])
@api_errors
def put_table1(filing_id):
    c = _c()
    filing = c.filings.save_table1(_who(), filing_id, json_body(api.current_request))
    return json_response(filing_json(filing, c.filings.checks(filing)))


@api.route("/filings/{filing_id}/uploads", methods=["POST"])
@api_errors
def start_upload(filing_id):
    body = json_body(api.current_request)
    upload, post = _c().filings.start_upload(_who(), filing_id, str(body.get("table") or ""),
                                             str(body.get("filename") or ""))
    return json_response({"upload_id": upload.id, "url": post["url"], "fields": post["fields"]}, 201)


@api.route("/filings/{filing_id}/uploads/{upload_id}", methods=["GET"])
@api_errors
def get_upload(filing_id, upload_id):
    return json_response(upload_json(_c().filings.get_upload(_who(), filing_id, upload_id)))


@api.route("/filings/{filing_id}/rows/{table}", methods=["GET"])
@api_errors
def get_rows(filing_id, table):
    q = _query()
    offset = _int(q.get("offset", 0), "offset", "起始行")
    limit = _int(q.get("limit", 50), "limit", "每页行数", 1, 500)
    who = _who()
    if who.is_reviewer:  # masked ID numbers; revealing one is a separate, audited call
        rows, total = _c().review.rows(who, filing_id, table, offset=offset, limit=limit, search=q.get("q"))
    else:
        rows, total = _c().filings.rows(who, filing_id, table, offset=offset, limit=limit)
    return json_response({"items": rows, "total": total, "offset": offset, "limit": limit})


@api.route("/filings/{filing_id}/rows/{table}/{index}/reveal", methods=["POST"])
@api_errors
def reveal_id(filing_id, table, index):
    """A reviewer sees one full ID number (audited)."""
    number = _c().review.reveal_id(_who(), filing_id, table, _int(index, "index", "行序号"))
    return json_response({"id_number": number})


@api.route("/audit", methods=["GET"])
@api_errors
def audit_log():
    q = _query()
    events = _c().audit.read(_who(), limit=_int(q.get("limit", 100), "limit", "条数", 1, 500))
    return json_response({"items": [e.model_dump(mode="json") for e in events]})


@api.route("/filings/{filing_id}/submit", methods=["POST"])
@api_errors
def submit(filing_id):
    filing = _c().filings.submit(_who(), filing_id)
    return json_response({"status": filing.status.value, "receipt_no": filing.receipt_no, "version": filing.version})


@api.route("/filings/{filing_id}/withdraw", methods=["POST"])
@api_errors
def withdraw(filing_id):
    filing = _c().filings.withdraw(_who(), filing_id)
    return json_response({"status": filing.status.value, "version": filing.version})


@api.route("/filings/{filing_id}/review", methods=["POST"])
@api_errors
def review(filing_id):
    body = json_body(api.current_request)
    filing = _c().review.review(_who(), filing_id, decision=str(body.get("decision") or ""),
                                 reason=body.get("reason") if isinstance(body.get("reason"), str) else None,
                                 version=_int(body.get("version"), "version", "版本号", 1))
    return json_response({"status": filing.status.value, "version": filing.version})


@api.route("/templates/{table}", methods=["GET"])
@api_errors
def template(table):
    from ..domain.errors import NotFound
    from ..domain.tables import TABLE_TITLES
    from ..excel.templates import template_workbook
    if table not in TABLE_TITLES:
        raise NotFound("没有这个模板（可下载 table1、table2、table3）")
    filename = {"table1": "biao1.xlsx", "table2": "biao2.xlsx", "table3": "biao3.xlsx"}[table]
    return Response(body=template_workbook(table), status_code=200,
                    headers={"Content-Type": XLSX, "Content-Disposition": f'attachment; filename="{filename}"'})


@api.route("/openapi.json", methods=["GET"])
@api_errors
def openapi():
    from .openapi import document
    return json_response(document(_c().settings.base_url))


@api.route("/local-uploads", methods=["POST"], content_types=["multipart/form-data"])
@api_errors
def local_upload():
    """Embedded mode's stand-in for S3's presigned POST endpoint (same form fields)."""
    from ..adapters.embedded.file_blobs import UploadPolicyError
    c = _c()
    if not c.settings.embedded:
        return json_response(error_body("not_found", "接口不存在"), 404)
    fields, content, _ = multipart_body(api.current_request)
    if content is None:
        return json_response(error_body("bad_request", "请选择要上传的文件"), 400)
    try:
        key, to = c.blobs.check_post(fields, len(content))
    except UploadPolicyError as e:
        if e.key and e.redirect:  # a page's form: show the refusal on the upload's result page
            c.imports.refuse(e.key, str(e))
            return redirect(e.redirect)
        return json_response(error_body("too_large" if e.status == 413 else "forbidden", str(e)), e.status)
    from ..adapters.embedded.background import run_in_background
    c.blobs.put(key, content)
    run_in_background(c.imports.import_blob, key)  # what S3's event does in AWS mode: not in this request
    return redirect(to) if to else Response(body="", status_code=204)
