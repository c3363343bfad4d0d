"""Online 表二/表三 rows (docs/rules.md §5 "Online rows"): the list of a table (ID numbers masked), and a
phone-friendly form, one field per line, to add, fix or delete one row. The form carries the filing's version:
a change made meanwhile elsewhere is a 409, never overwritten."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import ValidationFailed
from ..http import int_param
from ..page import FORM, Page, page

routes = Blueprint(__name__)
PAGE_ROWS = 50
DATE_HINT = "如 2023-01-01，也可输入 20230101"
HINTS = {"id_number": "居民身份证为18位，末位可为X；其他证件5至30位字母或数字", "birth_date": DATE_HINT,
         "hire_date": DATE_HINT, "contract_start": DATE_HINT, "contract_end": f"固定期限合同必填；{DATE_HINT}",
         "ended_on": f"应在本次备案期间内；{DATE_HINT}", "phone": "选填",
         "compensated": "原因代码依法决定是否支付的，无需选择", "compensation": "支付经济补偿时填写，单位：元",
         "years_of_service": "整年数，不满一年填0", "reason_code": "类别（终止或解除）由原因代码决定"}


def _fields(table: str) -> list[dict[str, Any]]:
    """The form's fields in the table's order: 序号 is the list's own, and 表三's 类别 follows the 原因代码."""
    from ...domain.tables import COLUMNS, choice_code  # cold start: domain data and models load on first use
    out = []
    for col in COLUMNS[table]:
        if col.key in ("seq", "category"):
            continue
        out.append({"key": col.key, "title": col.title, "kind": col.kind, "required": col.required,
                    "hint": HINTS.get(col.key) if col.kind != "date" or col.key in HINTS else DATE_HINT,
                    "options": [(choice_code(col, c), c) for c in col.choices()] if col.kind == "code" else None})
    return out


def _reasons() -> dict[str, dict[str, str]]:
    """原因代码 → its 类别 and compensation rule, for the form's script and its notes."""
    from ...domain.reference import codes
    return {code: {"category": "终止" if code.startswith("T") else "解除", "compensation": spec["compensation"]}
            for code, spec in codes()["termination_reason"].items()}


@routes.route("/employer/filings/{filing_id}/rows/{table}", methods=["GET"])
@page("filer")
def rows_list(p: Page, filing_id: str, table: str) -> Response:
    c = container()
    offset = int_param(p.query.get("offset"), "offset", "起始行", default=0, lenient=True)
    search = (p.query.get("q") or "").strip()
    found = c.row_edits.rows(p.user, filing_id, table, offset=offset, limit=PAGE_ROWS, search=search)
    return p.render("rows.html", filing=c.filings.get(p.user, filing_id), table=table, found=found, offset=offset,
                    search=search, saved=p.query.get("saved"), size=PAGE_ROWS)


def _form(p: Page, filing_id: str, table: str, index: int | None, status: int = 200, values: Any = None,
          error: ValidationFailed | None = None) -> Response:
    c = container()
    filing = c.filings.get(p.user, filing_id)
    if values is None:
        values = c.row_edits.row(p.user, filing_id, table, index) if index is not None else {}
    return p.render("row_form.html", status, filing=filing, table=table, index=index, values=values,
                    fields=_fields(table), reasons=_reasons(), message=error.message if error else None,
                    errors=error.details if error else [])


def _version(p: Page) -> int | None:
    return int_param(p.form.get("version") or None, "version", "备案版本", 1, default=None)


@routes.route("/employer/filings/{filing_id}/rows/{table}/new", methods=["GET", "POST"], content_types=FORM)
@page("filer")
def new_row(p: Page, filing_id: str, table: str) -> Response:
    if p.request.method == "GET":
        return _form(p, filing_id, table, None)
    try:
        _, index = container().row_edits.add(p.user, filing_id, table, p.form, version=_version(p))
    except ValidationFailed as e:
        return _form(p, filing_id, table, None, 422, p.form, e)
    return p.go(f"/employer/filings/{filing_id}/rows/{table}?saved=added&offset={index // PAGE_ROWS * PAGE_ROWS}"
                f"#row-{index}")


@routes.route("/employer/filings/{filing_id}/rows/{table}/{index}", methods=["GET", "POST"], content_types=FORM)
@page("filer")
def edit_row(p: Page, filing_id: str, table: str, index: str) -> Response:
    at = int_param(index, "index", "行")
    if p.request.method == "GET":
        return _form(p, filing_id, table, at)
    try:
        container().row_edits.edit(p.user, filing_id, table, at, p.form, version=_version(p))
    except ValidationFailed as e:
        return _form(p, filing_id, table, at, 422, p.form, e)
    return p.go(f"/employer/filings/{filing_id}/rows/{table}?saved=edited&offset={at // PAGE_ROWS * PAGE_ROWS}"
                f"#row-{at}")


@routes.route("/employer/filings/{filing_id}/rows/{table}/{index}/delete", methods=["POST"], content_types=FORM)
@page("filer")
def delete_row(p: Page, filing_id: str, table: str, index: str) -> Response:
    at = int_param(index, "index", "行")
    container().row_edits.delete(p.user, filing_id, table, at, version=_version(p))
    return p.go(f"/employer/filings/{filing_id}/rows/{table}?saved=deleted&offset={at // PAGE_ROWS * PAGE_ROWS}")
