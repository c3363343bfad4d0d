"""Online 表二/表三 rows, one at a time (docs/rules.md §5 "Online rows"): add, read in full, edit, delete. Every
change answers with the filing's new version, to send with the next change (a stale one is a 409)."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import api_errors, current_request, int_param, json_body, json_response, query
from ..session import signed_in

routes = Blueprint(__name__)


def _change() -> tuple[dict[str, Any], int | None]:
    """The row's fields and the filing version the change is made at (optional)."""
    from ...domain.errors import ValidationFailed, problem
    body = json_body(current_request())
    fields = body.get("fields")
    if not isinstance(fields, dict):
        raise ValidationFailed("请在 fields 中填写该行的各项内容", [problem("fields 应为对象", column="行内容", field="fields")])
    return fields, int_param(body.get("version"), "version", "备案版本", 1, default=None)


def _answer(filing: Any, table: str, index: int, status: int = 200) -> Response:
    return json_response({"index": index, "table": table, "version": filing.version,
                          "rows": filing.row_sets[table].rows}, status)


@routes.route("/filings/{filing_id}/rows/{table}", methods=["POST"])
@api_errors
def add_row(filing_id: str, table: str) -> Response:
    fields, version = _change()
    filing, index = container().row_edits.add(signed_in(), filing_id, table, fields, version=version)
    return _answer(filing, table, index, 201)


@routes.route("/filings/{filing_id}/rows/{table}/{index}", methods=["GET"])
@api_errors
def get_row(filing_id: str, table: str, index: str) -> Response:
    row = container().row_edits.row(signed_in(), filing_id, table, int_param(index, "index", "行"))
    return json_response(row)


@routes.route("/filings/{filing_id}/rows/{table}/{index}", methods=["PUT"])
@api_errors
def edit_row(filing_id: str, table: str, index: str) -> Response:
    fields, version = _change()
    at = int_param(index, "index", "行")
    return _answer(container().row_edits.edit(signed_in(), filing_id, table, at, fields, version=version), table, at)


@routes.route("/filings/{filing_id}/rows/{table}/{index}", methods=["DELETE"])
@api_errors
def delete_row(filing_id: str, table: str, index: str) -> Response:
    at = int_param(index, "index", "行")
    version = int_param(query().get("version"), "version", "备案版本", 1, default=None)
    return _answer(container().row_edits.delete(signed_in(), filing_id, table, at, version=version), table, at)
