"""The OpenAPI 3 document of the JSON API (served at /api/v1/openapi.json; tests keep it true)."""
from __future__ import annotations

from ..domain.tables import TABLE1

_ERROR = {"$ref": "#/components/schemas/Error"}
_STR = {"type": "string"}
_INT = {"type": "integer"}


def _resp(description: str, schema: dict | None = None) -> dict:
    body = {"description": description}
    if schema is not None:
        body["content"] = {"application/json": {"schema": schema}}
    return body


def _errors(*codes: int) -> dict:
    text = {400: "请求格式错误", 401: "未登录", 403: "无权限", 404: "不存在", 409: "状态冲突",
            413: "文件过大", 415: "须为multipart/form-data", 422: "校验不通过", 423: "账号已锁定"}
    # 415 comes from Chalice itself (not multipart/JSON), in its own body shape
    return {str(c): _resp(text[c], None if c == 415 else _ERROR) for c in codes}


def _op(summary: str, *, ok: tuple = ("200", "成功"), body: dict | None = None, auth: bool = True,
        params: list | None = None, errors: tuple = (400, 401, 403, 404)) -> dict:
    op: dict = {"summary": summary, "responses": {ok[0]: _resp(ok[1], {"type": "object"}), **_errors(*errors)}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params:
        op["parameters"] = params
    op["security"] = [{"bearer": []}] if auth else []
    return op


def _path(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": _STR}


def _query(name: str, schema: dict = _STR) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema}


def _obj(props: dict, required: list | None = None) -> dict:
    return {"type": "object", "properties": props, "required": required or []}


def document(base_url: str) -> dict:
    fid = _path("filing_id")
    table1 = _obj({c.key: (_INT if c.kind == "int" else _STR) for c in TABLE1}, [c.key for c in TABLE1])
    register = _obj({k: _STR for k in (
        "uscc", "name", "unit_type", "economic_type", "industry", "affiliation", "registration_division",
        "registered_address", "legal_representative", "filer_name", "filer_mobile", "filer_email", "password")}
        | {"foreign_invested": {"type": "boolean"}, "labor_dispatch": {"type": "boolean"}},
        ["uscc", "name", "password"])
    return {
        "openapi": "3.0.3",
        "info": {"title": "山西省劳动用工备案信息管理系统 API", "version": "1.0.0",
                 "description": "错误统一为 {error: {code, message, details}}；details 的每项含 row、column、field、message。"},
        "servers": [{"url": f"{base_url}/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": _obj({"error": _obj({"code": _STR, "message": _STR,
                                                      "details": {"type": "array", "items": {"type": "object"}}},
                                                     ["code", "message", "details"])}, ["error"])},
        },
        "paths": {
            "/employers/register": {"post": _op("用人单位注册", ok=("201", "已注册，返回审核机关"), body=register,
                                                auth=False, errors=(400, 409, 422))},
            "/auth/login": {"post": _op("登录", body=_obj({"username": _STR, "password": _STR},
                                                           ["username", "password"]),
                                        auth=False, errors=(400, 401, 403, 423))},
            "/me": {"get": _op("当前用户", errors=(401,))},
            "/filings": {
                "post": _op("创建备案", ok=("201", "已创建"), errors=(400, 401, 403, 409, 422),
                            body=_obj({"year": _INT, "kind": {"type": "string", "enum": ["annual", "interim"]}},
                                      ["year"])),
                "get": _op("备案列表", params=[_query("year", _INT), _query("status"), _query("division"),
                                               _query("page_token")], errors=(400, 401, 403, 422)),
            },
            "/filings/{filing_id}": {"get": _op("备案详情", params=[fid])},
            "/filings/{filing_id}/table1": {"put": _op("保存表一", params=[fid], body=table1,
                                                       errors=(400, 401, 403, 404, 409, 422))},
            "/filings/{filing_id}/uploads": {"post": _op(
                "发起上传（返回预签名表单）", ok=("201", "上传地址与表单字段"), params=[fid],
                body=_obj({"table": {"type": "string", "enum": ["table2", "table3"]}, "filename": _STR},
                          ["table", "filename"]), errors=(400, 401, 403, 404, 409, 422))},
            "/filings/{filing_id}/uploads/{upload_id}": {"get": _op("上传导入进度", params=[fid, _path("upload_id")])},
            "/filings/{filing_id}/rows/{table}": {"get": _op(
                "分页查看表二/表三", params=[fid, _path("table"), _query("offset", _INT), _query("limit", _INT)],
                errors=(400, 401, 403, 404, 422))},
            "/filings/{filing_id}/submit": {"post": _op("提交备案", params=[fid],
                                                        errors=(400, 401, 403, 404, 409, 422))},
            "/filings/{filing_id}/withdraw": {"post": _op("撤回备案", params=[fid], errors=(400, 401, 403, 404, 409))},
            "/filings/{filing_id}/review": {"post": _op(
                "审核备案", params=[fid], errors=(400, 401, 403, 404, 409, 422),
                body=_obj({"decision": {"type": "string", "enum": ["approve", "reject"]}, "reason": _STR,
                           "version": _INT}, ["decision", "version"]))},
            "/templates/{table}": {"get": {
                "summary": "下载Excel模板", "security": [], "parameters": [_path("table")],
                "responses": {"200": {"description": "xlsx文件", "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}}}}, **_errors(404)}}},
            "/openapi.json": {"get": _op("本文档", auth=False, errors=())},
            "/local-uploads": {"post": {
                "summary": "本地模式的上传接口（与S3预签名POST表单相同；AWS模式下不存在）", "security": [],
                "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": _obj(
                    {"key": _STR, "policy": _STR, "file": {"type": "string", "format": "binary"}},
                    ["key", "policy", "file"])}}},
                "responses": {"204": {"description": "已接收"}, "303": {"description": "已接收，跳转"},
                              **_errors(400, 403, 404, 413, 415)}}},
        },
    }
