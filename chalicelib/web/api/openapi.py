"""The OpenAPI 3 document of the JSON API, served at /api/v1/openapi.json: the contract (tests/web and the
fuzz tier keep it true). Conventions: docs/api.md."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import api_errors, json_response

routes = Blueprint(__name__)

_ERROR = {"$ref": "#/components/schemas/Error"}
_STR = {"type": "string"}
_INT = {"type": "integer"}
_DATE = {"type": "string", "format": "date"}


def _resp(description: str, schema: dict | None = None) -> dict:
    body = {"description": description}
    if schema is not None:
        body["content"] = {"application/json": {"schema": schema}}
    return body


def _errors(*codes: int) -> dict:
    text = {400: "请求格式错误", 401: "未登录", 403: "无权限", 404: "不存在", 409: "状态冲突",
            413: "文件过大", 415: "须为multipart/form-data", 422: "校验不通过", 423: "账号已锁定",
            429: "请求过于频繁", 503: "依赖的服务（微信）暂时无法访问"}
    return {str(c): _resp(text[c], _ERROR) for c in codes}  # 415 too: the access guard words Chalice's own


def _op(summary: str, *, ok: tuple = ("200", "成功"), body: dict | None = None, auth: bool = True,
        params: list | None = None, errors: tuple = (400, 401, 403, 404), answer: dict | None = None) -> dict:
    op: dict = {"summary": summary,
                "responses": {ok[0]: _resp(ok[1], None if ok[0] == "204" else answer or {"type": "object"}),
                              **_errors(*errors)}}
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


# Online rows (docs/rules.md §5): a row's fields by the API keys of the table's columns (docs/api.md)
_index = {**_path("index"), "schema": _INT}
_ROW = {"type": "object", "description": "表二/表三一行：各列的 API 字段名（见 docs/api.md），index 为行号（从0起）"}
_ROW_CHANGE = _obj({"fields": _ROW, "version": {**_INT, "description": "备案当前版本（可省略）"}}, ["fields"])
_ROW_SAVED = _obj({"index": _INT, "table": _STR, "version": _INT, "rows": _INT})

# A filing as the API answers it (the fields every client relies on; the detail adds table1, checks, history).
_FILING = _obj({
    "id": _STR, "uscc": _STR, "unit_name": _STR, "year": _INT,
    "kind": {"type": "string", "enum": ["annual", "interim", "correction"]},
    "status": {"type": "string", "enum": ["draft", "submitted", "approved", "rejected"]},
    "corrects": {"type": "string", "nullable": True, "description": "更正：所更正的版本（备案编号）"},
    "correction_no": {"type": "integer", "description": "第几次更正（原备案为0）"},
    "open_correction": {"type": "string", "nullable": True, "description": "正在办理的更正（备案编号）"},
    "superseded_by": {"type": "string", "nullable": True,
                      "description": "已被审核通过的更正取代（备案编号）；现行有效的版本为null"},
    "version": _INT, "row_counts": {"type": "object", "additionalProperties": _INT},
    "zero_report": {"type": "boolean", "description":
                    "零申报：年度备案的表一在册职工人数为0。此时不需要表二即可提交；表一保存为0时，沿用的上年名册"
                    "解除引用；已上传的表二保留，提交时返回422，须修改表一或删除表二（DELETE /filings/{id}/rows/table2）"},
}, ["id", "year", "kind", "status", "version", "zero_report"])
_FILING_REF = {"$ref": "#/components/schemas/Filing"}
_AUTHORITY = _obj({"code": _STR, "name": _STR, "level": _STR}, ["code", "name", "level"])
# A transfer between authorities (变更审核机关) as the API answers it.
_TRANSFER = _obj({
    "id": _STR, "uscc": _STR, "unit_name": _STR,
    "status": {"type": "string", "enum": ["requested", "accepted", "refused", "cancelled"]},
    "version": _INT, "direct": {"type": "boolean"}, "reason": _STR, "from": _AUTHORITY, "to": _AUTHORITY,
}, ["id", "uscc", "status", "version", "from", "to"])


def _registration() -> dict[str, Any]:
    """The registration body, from the one declaration of its fields (services.accounts.Registration)."""
    from ...services.accounts import Registration  # cold start: domain data and models load on first use

    fields = {name: {"type": "boolean"} if field.annotation is bool else _STR
              for name, field in Registration.model_fields.items()}
    return _obj({**fields, "verification_code": {**_STR, "description": "发送到filer_mobile的短信验证码"}},
                ["uscc", "name", "password", "verification_code"])


@routes.route("/openapi.json", methods=["GET"])
@api_errors
def openapi() -> Response:
    return json_response(document(container().settings.base_url))


def document(base_url: str) -> dict[str, Any]:
    from ...domain.tables import TABLE1  # cold start: domain data and models load on first use
    fid = _path("filing_id")
    # unit fields left out are taken from the prefill (last approved 表一, else the registration)
    table1 = _obj({c.key: (_INT if c.kind == "int" else _STR) for c in TABLE1},
                  [c.key for c in TABLE1 if c.kind == "int"])
    register = _registration()
    return {
        "openapi": "3.0.3",
        "info": {"title": "山西省劳动用工备案信息管理系统 API", "version": "1.0.0",
                 "description": "错误统一为 {error: {code, message, details}}；details 的每项含 row、column、field、message。"},
        "servers": [{"url": f"{base_url}/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Filing": _FILING, "Transfer": _TRANSFER, "Error": _obj({"error": _obj({"code": _STR, "message": _STR,
                                                      "details": {"type": "array", "items": {"type": "object"}}},
                                                     ["code", "message", "details"])}, ["error"])},
        },
        "paths": {
            "/employers/register": {"post": _op("用人单位注册", ok=("201", "已注册，返回审核机关"), body=register,
                                                auth=False, errors=(400, 409, 422))},
            "/employers/register/preview": {"post": _op(
                "注册前确认：按所填信息返回将要分配的备案审核机关及其电话（同注册的校验，不创建账号、不使用验证码）",
                body={**register, "required": [r for r in register["required"] if r != "verification_code"]},
                auth=False, errors=(400, 409, 422), answer=_obj({"authority": _obj({"code": _STR, "name": _STR, "level": _STR}), "phone": _STR,
                             "message": _STR}))},
            "/auth/login": {"post": _op("登录", body=_obj({"username": _STR, "password": _STR},
                                                           ["username", "password"]),
                                        auth=False, errors=(400, 401, 403, 429))},
            "/auth/second-factor": {"post": _op(
                "登录第二步：身份验证器的6位动态码或一个恢复码（challenge 来自登录的 second_factor_required 答复）",
                body=_obj({"challenge": _STR, "code": _STR}, ["challenge", "code"]), auth=False,
                errors=(400, 401, 403, 422, 429))},
            "/auth/second-factor/enrolment": {
                "get": _op("开始绑定身份验证器（审核端账号）：返回二维码内容（otpauth://）和绑定令牌",
                           errors=(401, 403, 409)),
                "post": _op("完成绑定：绑定令牌和第一个动态码；返回只显示一次的恢复码", errors=(400, 401, 403, 409, 422),
                            body=_obj({"enrolment": _STR, "code": _STR}, ["enrolment", "code"]))},
            "/me": {"get": _op("当前用户", errors=(401,))},
            "/filings": {
                "post": _op("创建备案", ok=("201", "已创建"), errors=(400, 401, 403, 409, 422), answer=_FILING_REF,
                            body=_obj({"year": _INT, "kind": {"type": "string", "enum": ["annual", "interim"]}},
                                      ["year"])),
                "get": _op("备案列表（审核员：本机关及下级的审核队列，含各状态数量）",
                           params=[_query("year", _INT), _query("status"), _query("division"), _query("unit_type"),
                                   _query("kind", {"type": "string", "enum": ["annual", "interim", "correction"]}),
                                   _query("q"), _query("page_token"), _query("limit", _INT)],
                           errors=(400, 401, 403, 422)),
            },
            "/filings/{filing_id}": {
                "get": _op("备案详情（zero_report 为 true 即零申报：不需要表二）", params=[fid], answer=_FILING_REF),
                "delete": _op("删除从未提交过的草稿及其上传的数据（曾提交后撤回的备案不能删除：409）", ok=("204", "已删除"),
                              params=[fid], errors=(401, 403, 404, 409))},
            "/filings/{filing_id}/corrections": {"post": _op(
                "更正审核通过的年度备案（至下一年度备案截止日）：新建一个更正版本，预填原表一，沿用表二、表三；"
                "同一备案同时只能有一个正在办理的更正（409）", ok=("201", "已创建更正"), params=[fid],
                errors=(401, 403, 404, 409), answer=_FILING_REF)},
            "/filings/{filing_id}/changes": {"get": _op(
                "更正与现行有效版本相比的变化：表一逐项，表二/表三按证件号码列出新增、删除、修改的行（分页，证件号码脱敏）",
                params=[fid, _query("table", {"type": "string", "enum": ["table2", "table3"]}), _query("offset", _INT),
                        _query("limit", _INT)], errors=(400, 401, 403, 404, 422))},
            "/filings/{filing_id}/revoke": {"post": _op(
                "撤销审核（审核通过后30天内，须填写原因）：备案退回为审核不通过，年度备案的单位重新计为未备案，并通知单位",
                params=[fid], errors=(400, 401, 403, 404, 409, 422),
                body=_obj({"reason": _STR, "version": _INT}, ["reason", "version"]))},
            "/filings/{filing_id}/table1": {"put": _op(
                "保存表一（在册职工人数为0即零申报：沿用的上年名册解除引用，不上传表二即可提交）", params=[fid], body=table1,
                errors=(400, 401, 403, 404, 409, 422), answer=_FILING_REF)},
            "/filings/{filing_id}/uploads": {"post": _op(
                "发起上传（返回预签名表单）", ok=("201", "上传地址与表单字段"), params=[fid],
                body=_obj({"table": {"type": "string", "enum": ["table1", "table2", "table3"]}, "filename": _STR},
                          ["table", "filename"]), errors=(400, 401, 403, 404, 409, 422))},
            "/filings/{filing_id}/uploads/{upload_id}": {"get": _op("上传导入进度", params=[fid, _path("upload_id")])},
            "/filings/{filing_id}/rows/{table}": {"get": _op(
                "分页查看表二/表三（审核员看到脱敏证件号码；q 按姓名或证件号码查找）",
                params=[fid, _path("table"), _query("offset", _INT), _query("limit", _INT), _query("q")],
                errors=(400, 401, 403, 404, 422)),
                "post": _op("在线添加一行表二或表三（与上传相同的校验；表三的类别及依法决定的经济补偿由原因代码得出）",
                            ok=("201", "已添加"), body=_ROW_CHANGE, params=[fid, _path("table")], answer=_ROW_SAVED,
                            errors=(400, 401, 403, 404, 409, 422)),
                "delete": _op("填报单位删除已上传的表二或表三（如零申报时已上传的表二）；沿用上年已审核通过的名册只解除引用",
                              params=[fid, _path("table")], errors=(401, 403, 404, 409))},
            "/filings/{filing_id}/rows/{table}/{index}": {
                "get": _op("填报单位查看本单位一行（含完整证件号码，供修改）", params=[fid, _path("table"), _index],
                           errors=(400, 401, 403, 404, 422), answer=_ROW),
                "put": _op("在线修改一行（与上传相同的校验；version 为备案当前版本，已被修改时返回409）",
                           body=_ROW_CHANGE, params=[fid, _path("table"), _index], answer=_ROW_SAVED,
                           errors=(400, 401, 403, 404, 409, 422)),
                "delete": _op("在线删除一行（?version= 为备案当前版本，可省略）",
                              params=[fid, _path("table"), _index, _query("version", _INT)], answer=_ROW_SAVED,
                              errors=(400, 401, 403, 404, 409, 422))},
            "/filings/{filing_id}/rows/{table}/{index}/reveal": {"post": _op(
                "审核员查看完整证件号码（记入审计日志）", params=[fid, _path("table"), {**_path("index"), "schema": _INT}],
                errors=(400, 401, 403, 404, 422))},
            "/audit": {"get": _op(
                "审计日志（仅业务审计员，本辖区）：按时间倒序分页（next_page_token），可按操作人 actor、操作 action、对象 target、"
                "北京时间日期范围 date_from/date_to（YYYY-MM-DD，含两端）、区划 division 筛选；每条带中文操作名 action_name、"
                "结果 outcome_name、所属机关 division_name 和说明 description",
                params=[_query("actor"), _query("action"), _query("target"), _query("date_from", _DATE),
                        _query("date_to", _DATE), _query("division"), _query("page_token"), _query("limit", _INT)],
                errors=(400, 401, 403, 422))},
            "/filings/{filing_id}/submit": {"post": _op(
                "提交备案：须同意承诺（declaration_accepted 为 true，承诺原文记入办理记录和审计日志）；未同意承诺、缺表一、"
                "缺表二（零申报除外）、零申报却有表二人员、单独报送缺表三时返回422", params=[fid],
                errors=(400, 401, 403, 404, 409, 422),
                body=_obj({"declaration_accepted": {"type": "boolean", "enum": [True]}}, ["declaration_accepted"]))},
            "/filings/{filing_id}/withdraw": {"post": _op("撤回备案", params=[fid], errors=(400, 401, 403, 404, 409))},
            "/filings/{filing_id}/review": {"post": _op(
                "审核备案", params=[fid], errors=(400, 401, 403, 404, 409, 422),
                body=_obj({"decision": {"type": "string", "enum": ["approve", "reject"]}, "reason": _STR,
                           "version": _INT}, ["decision", "version"]))},
            **_desk_paths(fid),
            "/templates/{table}": {"get": {
                "summary": "下载Excel模板", "security": [], "parameters": [_path("table")],
                "responses": {"200": {"description": "xlsx文件", "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}}}}, **_errors(404)}}},
            "/overdue": {"get": _op(
                "未依法备案单位名单（审核员本辖区，其他部门的数据共享账号本区划、只读；含从未备案的单位、已发提醒记录和"
                "执法情况 enforcement；已责令改正的单位补报后仍列出直到记为已改正）；step 按执法步骤筛选："
                "none 未采取措施 / ordered 责令改正中 / corrected 已改正 / transferred 已移交劳动保障监察",
                params=[_query("year", _INT), _query("division"),
                        _query("step", {"type": "string", "enum": ["none", "ordered", "corrected", "transferred"]}),
                        _query("page_token"), _query("limit", _INT)],
                errors=(400, 401, 403, 422))},
            "/overdue/{uscc}/enforcement": {"post": _op(
                "记录执法步骤（单位所属审核机关的审核员）：order 责令限期改正（notice_number 文书编号、notice_date 文书日期、"
                "deadline 改正期限，须晚于文书日期；通知单位填报员邮件和短信），correct 已改正（须已提交或已通过该年度备案），"
                "transfer 逾期未改正移交劳动保障监察（改正期限届满且仍未备案；transfer_note 移交文书编号或说明）",
                params=[_path("uscc")], errors=(400, 401, 403, 404, 409, 422),
                body=_obj({"year": _INT, "step": {"type": "string", "enum": ["order", "correct", "transfer"]},
                           "notice_number": _STR, "notice_date": {"type": "string", "format": "date"},
                           "deadline": {"type": "string", "format": "date"}, "transfer_note": _STR},
                          ["year", "step"]))},
            "/exports": {"get": _op(
                "我的导出：本账号最近30次导出（最新在前），每项同 GET /exports/{export_id}",
                errors=(401, 403)), "post": _op(
                "申请导出（后台生成，立即返回202和导出编号）：kind=stats 本辖区（数据共享账号：本区划）某年度备案及表二人员"
                "（审核员、数据共享账号，year必填；超过1,048,575行的表分为多个工作表，首页“说明”注明），"
                "kind=overdue 未依法备案单位名单（审核员、数据共享账号，year、division、step可选），kind=leavers 减少人员的表三（填报单位，"
                "filing_id必填），kind=filing_rows 一份备案的表二或表三（审核员本辖区，filing_id、table必填；证件号码默认脱敏，"
                "full_ids=true 须有“下载备案名册时显示完整证件号码”权限，并记入审计日志），kind=audit 审计日志（业务审计员，"
                "筛选条件同 GET /audit）；只有申请人可以查看和下载",
                ok=("202", "已排队"), body=_obj({"kind": {"type": "string",
                                                          "enum": ["stats", "overdue", "leavers", "filing_rows",
                                                                   "audit"]},
                                               "year": _INT, "division": _STR, "step": _STR, "filing_id": _STR,
                                               "table": {"type": "string", "enum": ["table2", "table3"]},
                                               "full_ids": {"type": "boolean"}, "actor": _STR, "action": _STR,
                                               "target": _STR, "date_from": _DATE, "date_to": _DATE},
                                              ["kind"]),
                errors=(400, 401, 403, 404, 422))},
            "/exports/{export_id}": {"get": _op(
                "导出进度：status 为 queued / running / done / failed（label 为中文），rows 已写入行数，expected_rows "
                "预计行数，percent 百分比，subject 导出条件（中文），size 文件字节数；done 且未超过7天时 download_url 可下载",
                params=[_path("export_id")], errors=(401, 403, 404))},
            "/exports/{export_id}/file": {"get": {
                "summary": "下载已生成的导出文件（或重定向到短期下载链接）", "security": [{"bearer": []}],
                "parameters": [_path("export_id")],
                "responses": {"200": {"description": "xlsx文件", "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}}}},
                    "302": {"description": "短期下载链接"}, **_errors(401, 403, 404)}}},
            "/openapi.json": {"get": _op("本文档", auth=False, errors=())},
            # data sharing with other departments (只读): full ID numbers only for a data-sharing account
            "/share/persons": {"post": _op(
                "按身份证号查询人员的表二/表三备案记录（数据共享账号全省、完整证件号；审核员本辖区、脱敏）；"
                "证件号码放在请求体中（不进URL和访问日志）；记审计日志，每账号每分钟限30次（超出返回429）",
                body=_obj({"id_number": _STR}, ["id_number"]), errors=(400, 401, 403, 422, 429))},
            "/share/units": {"post": _op(
                "按统一社会信用代码查询单位（仅数据共享账号，本区划）：registered 是否已注册；已注册的给出单位名称、审核机关、"
                "经营状态，years 各年度备案状态、回执号 receipt_no、审核通过日期 approved_on 和现行有效版本的表一人数 counts；"
                "代码放在请求体中；记审计日志，与人员查询合计每账号每分钟限30次（超出返回429）",
                body=_obj({"uscc": _STR}, ["uscc"]), errors=(400, 401, 403, 422, 429))},
            "/share/stats": {"get": _op(
                "备案统计（只读）：按下级区划的注册、应备案、已备案、通过、不通过、未备案单位数，劳动合同签订率（按区划、行业门类）",
                params=[_query("year", _INT)], errors=(400, 401, 403, 422))},
            **_roster_paths(),
            **_transfer_paths(),
            **_people_paths(),
            "/local-uploads": {"post": {
                "summary": "本地模式的上传接口（与S3预签名POST表单相同；AWS模式下不存在）", "security": [],
                "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": _obj(
                    {"key": _STR, "policy": _STR, "file": {"type": "string", "format": "binary"}},
                    ["key", "policy", "file"])}}},
                "responses": {"204": {"description": "已接收"}, "303": {"description": "已接收，跳转"},
                              **_errors(400, 403, 404, 413, 415)}}},
            **_unit_paths(),
            **_assistant_paths(),
            **_wechat_paths(),
            **_account_paths(),  # last, /auth/logout last of all: it ends the caller's session (fuzzing order)
        },
    }


def _wechat_paths() -> dict:
    """The WeChat mini-program (docs/wechat.md): sign-in, binding, unbinding, subscriptions."""
    session = _obj({"token": _STR, "expires_at": _STR, "role": _STR, "scope": _STR})
    subscriptions = _obj({"templates": {"type": "object", "additionalProperties": _STR},
                          "accepted": {"type": "object", "additionalProperties": _INT}}, ["templates", "accepted"])
    return {
        "/auth/wechat": {"post": _op(
            "微信小程序登录：wx.login 的 code；已绑定的微信返回会话（同登录），未绑定返回 bind_required 和 10 分钟内有效的"
            " bind_token", body=_obj({"code": _STR}, ["code"]), auth=False, errors=(400, 401, 403, 404, 422, 503),
            answer=_obj({**session["properties"], "bind_required": {"type": "boolean"}, "bind_token": _STR,
                         "message": _STR}))},
        "/auth/wechat/bind": {"post": _op(
            "绑定微信：bind_token 和单位账号（统一社会信用代码）、密码，登录的限制同样适用；返回会话",
            body=_obj({"bind_token": _STR, "username": _STR, "password": _STR}, ["bind_token", "username", "password"]),
            auth=False, errors=(400, 401, 403, 404, 409, 422, 429), answer=session)},
        "/auth/wechat/unbind": {"post": _op(
            "解除微信绑定：小程序会话解除本微信，网页会话解除本账号的所有微信", errors=(400, 401, 403, 404),
            answer=_obj({"unbound": _INT, "message": _STR}))},
        "/auth/wechat/web-ticket": {"post": _op(
            "小程序打开网页（web-view）用的一次性票据，60秒内有效：打开 /wechat/web?ticket=…&next=<网页路径> 即以本账号登录网页",
            errors=(400, 401, 403, 409), answer=_obj({"ticket": _STR, "expires_in": _INT}))},
        "/wechat/subscriptions": {
            "get": _op("订阅消息模板（名称 → 模板编号，供 wx.requestSubscribeMessage）和本微信剩余的订阅次数",
                       errors=(401, 403), answer=subscriptions),
            "post": _op("记录用户在 wx.requestSubscribeMessage 中同意的模板（一次性订阅：每条消息用掉一次）",
                        body=_obj({"template_ids": {"type": "array", "items": _STR}}, ["template_ids"]),
                        errors=(400, 401, 403, 409, 422), answer=subscriptions)},
    }


def _desk_paths(fid: dict) -> dict:
    """Reviewers' batch work: batch approval, who holds a filing, internal notes (docs/rules.md §9)."""
    desk = _obj({"filing_id": _STR, "holder": {"type": "string", "nullable": True},
                 "held_since": {"type": "string", "format": "date-time", "nullable": True},
                 "notes": {"type": "array", "items": _obj({"at": _STR, "author": _STR, "text": _STR})},
                 "version": _INT}, ["filing_id", "holder", "notes", "version"])
    return {
        "/review/batch": {"post": _op(
            "批量审核通过（每份备案单独判断：只有没有错误和提示的待审核备案才审核通过，各自记审计日志并通知单位；"
            "results 逐份返回 outcome：approved 已通过 / skipped 有错误或提示未处理 / failed 未处理及原因；一次最多100份）",
            errors=(400, 401, 403, 422),
            body=_obj({"filings": {"type": "array", "items": _obj({"id": _STR, "version": _INT}, ["id", "version"])}},
                      ["filings"]),
            answer=_obj({"results": {"type": "array", "items": _obj({
                "filing_id": _STR, "unit_name": {"type": "string", "nullable": True},
                "outcome": {"type": "string", "enum": ["approved", "skipped", "failed"]}, "message": _STR})}},
                ["results"]))},
        "/filings/{filing_id}/desk": {"get": _op(
            "认领人和内部备注（仅审核员，单位看不到）；version 为认领记录的版本号（尚无记录时为0）", params=[fid],
            errors=(401, 403, 404), answer=desk)},
        "/filings/{filing_id}/holder": {"put": _op(
            "认领（holder 为自己）、分派（本审核机关的其他审核员）或取消认领（holder 为 null）；version 须为读取时的版本号，"
            "否则返回409", params=[fid], errors=(400, 401, 403, 404, 409, 422), answer=desk,
            body=_obj({"holder": {"type": "string", "nullable": True}, "version": _INT}, ["version"]))},
        "/filings/{filing_id}/notes": {"post": _op(
            "添加内部备注（不超过500字，单位看不到，记审计日志）；version 须为读取时的版本号", params=[fid],
            ok=("201", "已添加"), errors=(400, 401, 403, 404, 409, 422), answer=desk,
            body=_obj({"text": _STR, "version": _INT}, ["text", "version"]))},
    }


def _roster_paths() -> dict:
    """Error reports, roster diff, leavers' 表三, the receipt PDF and embedded mode's download links."""
    fid, xlsx = _path("filing_id"), {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}}}
    return {
        "/filings/{filing_id}/uploads/{upload_id}/error-report": {"get": {
            "summary": "下载错误报告（用户原数据+错误说明列，出错单元格标红）", "security": [{"bearer": []}],
            "parameters": [fid, _path("upload_id")],
            "responses": {"200": {"description": "xlsx文件（本地模式）", "content": xlsx},
                          "302": {"description": "跳转到短时有效的下载地址（AWS模式）"}, **_errors(401, 403, 404)}}},
        "/filings/{filing_id}/roster-diff": {"get": _op("与上一次审核通过的表二相比：新增、减少、合同变更人员",
                                                        params=[fid], errors=(401, 403, 404))},
        "/filings/{filing_id}/receipt": {"get": {
            "summary": "回执（已提交）或备案证明（审核通过，注明已备案及审核通过日期），A4 PDF，含查验码和二维码；"
                       "草稿和已撤回的备案没有回执（404）",
            "security": [{"bearer": []}], "parameters": [fid],
            "responses": {"200": {"description": "PDF文件", "content": {"application/pdf": {
                "schema": {"type": "string", "format": "binary"}}}}, **_errors(401, 403, 404)}}},
        "/filings/{filing_id}/leavers": {"get": _op(
            "减少人员（可作为表三填写）；预填的表三工作簿由导出生成：POST /exports，kind=leavers",
            params=[fid], errors=(401, 403, 404))},
        "/local-downloads": {"get": {
            "summary": "本地模式的下载地址（与S3预签名GET相同作用；AWS模式下不存在）", "security": [],
            "parameters": [_query("token")],
            "responses": {"200": {"description": "文件", "content": xlsx}, **_errors(403, 404)}}},
    }


def _transfer_paths() -> dict:
    """变更审核机关 (docs/rules.md §11): ask, list, read, accept, refuse, withdraw."""
    tid, version = _path("transfer_id"), {"version": _INT}
    transfer = {"$ref": "#/components/schemas/Transfer"}
    return {
        "/units/{uscc}/transfers": {
            "post": _op("申请变更审核机关（本单位或其当前审核机关；省厅 direct=true 直接变更，立即生效）；"
                        "该单位已有待处理的申请时返回409", ok=("201", "已申请（或已直接变更）"), params=[_path("uscc")],
                        body=_obj({"to_code": _STR, "reason": _STR, "direct": {"type": "boolean"}},
                                  ["to_code", "reason"]), errors=(400, 401, 403, 404, 409, 422), answer=transfer),
            "get": _op("单位的审核机关变更记录", params=[_path("uscc")], errors=(401, 403, 404))},
        "/transfers": {"get": _op("本机关的审核机关变更：direction=incoming 转入（待接收）或 outgoing 转出",
                                  params=[_query("direction", {"type": "string", "enum": ["incoming", "outgoing"]})],
                                  errors=(400, 401, 403))},
        "/transfers/{transfer_id}": {"get": _op("审核机关变更详情", params=[tid], answer=transfer)},
        "/transfers/{transfer_id}/accept": {"post": _op(
            "接收机关接收：单位此后提交的备案由新的审核机关审核，已提交的备案仍由原机关办理", params=[tid],
            body=_obj(version, ["version"]), errors=(400, 401, 403, 404, 409, 422), answer=transfer)},
        "/transfers/{transfer_id}/refuse": {"post": _op(
            "接收机关不予接收（须填写理由）", params=[tid], body=_obj({**version, "reason": _STR}, ["version", "reason"]),
            errors=(400, 401, 403, 404, 409, 422), answer=transfer)},
        "/transfers/{transfer_id}/cancel": {"post": _op(
            "申请方撤回申请", params=[tid], body=_obj(version, ["version"]), errors=(400, 401, 403, 404, 409, 422),
            answer=transfer)},
    }


def _unit_paths() -> dict:
    """A unit's life (docs/rules.md §11): founding date, closure request, closure, refusal, reopening."""
    uscc, errors = _path("uscc"), (400, 401, 403, 404, 409, 422)
    kind = {"type": "string", "enum": ["deregistered", "revoked", "cancelled", "moved_out"],
            "description": "deregistered 注销，revoked 吊销，cancelled 撤销，moved_out 迁出山西省"}
    date = {"type": "string", "format": "date"}
    return {
        "/units/{uscc}": {"get": _op("单位信息（成立日期、状态：active 正常 / closed 已注销，注销申请与注销记录）",
                                     params=[uscc], errors=(401, 403, 404))},
        "/units/{uscc}/founding": {"put": _op(
            "填写成立日期（填报员仅在未填写时填写一次；审核机关及其上级可更正），重新计算应备案年度", params=[uscc],
            body=_obj({"founded_on": date, "version": _INT}, ["founded_on", "version"]), errors=errors)},
        "/units/{uscc}/closure-request": {"post": _op(
            "单位申请注销（吊销、撤销、迁出山西省），待审核机关确认", ok=("201", "已申请"), params=[uscc],
            body=_obj({"kind": kind, "date": date, "note": _STR, "version": _INT}, ["kind", "date", "version"]),
            errors=errors)},
        "/units/{uscc}/closure-request/refuse": {"post": _op(
            "审核机关不同意注销申请（须说明理由，通知单位）", params=[uscc],
            body=_obj({"reason": _STR, "version": _INT}, ["reason", "version"]), errors=errors)},
        "/units/{uscc}/closure": {"post": _op(
            "审核机关登记（或确认）注销：自该日期起到期的年度不再需要备案", params=[uscc],
            body=_obj({"kind": kind, "date": date, "evidence": _STR, "note": _STR, "version": _INT},
                      ["kind", "date", "evidence", "version"]), errors=errors)},
        "/units/{uscc}/reopen": {"post": _op(
            "审核机关恢复已注销的单位：自今天起到期的年度须备案", params=[uscc],
            body=_obj({"reason": _STR, "version": _INT}, ["reason", "version"]), errors=errors)},
        "/closure-requests": {"get": _op("本机关及下级待确认的注销申请", errors=(401, 403))},
    }


def _people_paths() -> dict:
    """Employer identity and account recovery (docs/rules.md §12). Codes: 6 digits, 10 minutes, 5 tries, one per
    number a minute, daily caps per number and per client address (429 beyond them)."""
    from ...services.unit_people import DOCUMENTS  # cold start: the services load pydantic
    uscc, sent = _path("uscc"), ("202", "验证码已发送")
    person = _obj({"username": _STR, "name": _STR, "unit_role": {"type": "string", "enum": ["admin", "clerk"]},
                   "unit_role_label": _STR, "mobile": {**_STR, "description": "脱敏"}, "email": _STR, "status": _STR},
                  ["username", "name", "unit_role", "status"])
    mobile = _obj({"mobile": _STR}, ["mobile"])
    return {
        "/employers/register/code": {"post": _op("注册前验证填报员手机：发送短信验证码", ok=sent, auth=False,
                                                 body=mobile, errors=(400, 422, 429))},
        "/auth/password-reset/code": {"post": _op(
            "忘记密码（用人单位）：统一社会信用代码+账号登记的手机号，发送验证码；无论是否匹配，回答相同", ok=sent,
            auth=False, body=_obj({"uscc": _STR, "mobile": _STR}, ["uscc", "mobile"]), errors=(400, 422, 429))},
        "/auth/password-reset": {"post": _op(
            "凭验证码设置新密码；该账号所有登录失效，单位联系人收到通知", auth=False, errors=(400, 409, 422),
            body=_obj({"uscc": _STR, "mobile": _STR, "code": _STR, "new_password": _STR},
                      ["uscc", "mobile", "code", "new_password"]))},
        "/me/contact/code": {"post": _op("更换手机号：向新手机号发送验证码", ok=sent, body=mobile,
                                         errors=(400, 401, 403, 422, 429))},
        "/me/contact": {"put": _op("变更本人联系手机/邮箱（新手机号须验证码；单位管理员的即单位联系方式；原联系方式收到通知）",
                                   body=_obj({"mobile": _STR, "email": _STR, "code": _STR}, ["mobile", "email"]),
                                   answer=person, errors=(400, 401, 403, 409, 422))},
        "/unit/people": {
            "get": _op("本单位账号（单位管理员、经办人）", errors=(401, 403),
                       answer=_obj({"items": {"type": "array", "items": person}}, ["items"])),
            "post": _op("单位管理员添加经办人账号（账号名为“统一社会信用代码-序号”）；经办人手机须凭发送到该手机的验证码",
                        ok=("201", "已添加"), answer=person,
                        body=_obj({"name": _STR, "mobile": _STR, "email": _STR, "password": _STR,
                                   "verification_code": _STR},
                                  ["name", "mobile", "email", "password", "verification_code"]),
                        errors=(400, 401, 403, 409, 422))},
        "/unit/people/code": {"post": _op("添加经办人：向经办人手机发送验证码（单位管理员）", ok=sent, body=mobile,
                                          errors=(400, 401, 403, 422, 429))},
        "/unit/people/{person}/hand-over": {"post": _op(
            "单位管理员将单位管理员身份移交给本单位在用的经办人（须再次输入登录密码）；本人改为经办人，单位联系方式随之变更，双方收到通知",
            params=[_path("person")], body=_obj({"current_password": _STR}, ["current_password"]),
            answer=person, errors=(400, 401, 403, 404, 409, 422, 429))},
        "/units/{uscc}/people": {"get": _op(
            "单位的账号（单位管理员、经办人；手机脱敏）：该单位审核机关及上级的审核员、系统管理员、系统安全员、业务管理员只读",
            params=[uscc], errors=(401, 403, 404), answer=_obj({"uscc": _STR, "name": _STR, "items": {
                "type": "array", "items": _obj({"username": _STR, "name": _STR, "unit_role": _STR,
                                                "unit_role_label": _STR, "mobile": {**_STR, "description": "脱敏"},
                                                "status": _STR, "created_at": _STR,
                                                "last_signed_in_at": {**_STR, "nullable": True}},
                                               ["username", "name", "unit_role", "status"])}}, ["items"]))},
        "/unit/people/{person}": {"delete": _op("单位管理员移除经办人账号（其登录失效，已办事项保留其名）",
                                                params=[_path("person")], answer=person,
                                                errors=(401, 403, 404, 409))},
        "/units/{uscc}/rebind/code": {"post": _op("变更单位管理员：向新单位管理员手机发送验证码（该单位审核机关的审核员）",
                                                  ok=sent, params=[uscc], body=mobile,
                                                  errors=(400, 401, 403, 404, 422, 429))},
        "/units/{uscc}/rebind": {"post": _op(
            "核验材料后将单位绑定到新单位管理员：原账号全部停用，单位数据不变，记审计，原联系方式收到通知；"
            "返回仅显示一次的初始密码", params=[uscc], errors=(400, 401, 403, 404, 409, 422),
            body=_obj({"name": _STR, "mobile": _STR, "email": _STR, "code": _STR, "note": _STR,
                       "documents": {"type": "array", "items": {"type": "string", "enum": list(DOCUMENTS)}}},
                      ["name", "mobile", "email", "code", "documents"]),
            answer=_obj({"username": _STR, "initial_password": _STR, "message": _STR}, ["username", "initial_password"]))},
    }


def _assistant_paths() -> dict:
    """填报助手 (docs/rules.md §19): anyone may talk to it; a filer's bearer token binds the conversation to its
    account (optional security)."""
    cid = _path("conversation_id")
    turn = _obj({"by": {"type": "string", "enum": ["bot", "user"]}, "text": _STR,
                 "link": {**_STR, "description": "这一步的普通表单（站内路径）"}, "link_text": _STR}, ["by", "text"])
    answer = _obj({
        "id": {**_STR, "description": "对话编号：匿名时即取回该对话的凭据，请妥善保存"},
        "messages": {"type": "array", "items": turn, "description": "新建/读取：全部对话；发消息：本次新增的消息"},
        "quick_replies": {"type": "array", "items": _STR, "description": "快捷回复，点选即把该文字作为消息发送"},
        "state": _obj({"phase": {"type": "string", "enum": ["menu", "register", "registered", "table1", "rows",
                                                            "table2_row", "table3_row", "done"]},
                       "step": {**_STR, "nullable": True,
                                "description": "正在问的字段（注册表单、表一或表二/表三一行的字段名）"},
                       "expires_at": {**_STR, "format": "date-time"}}, ["phase", "step", "expires_at"])},
        ["id", "messages", "quick_replies", "state"])
    either = [{}, {"bearer": []}]
    return {
        "/assistant/conversations": {"post": {**_op(
            "开始与填报助手的对话（已登录的填报员：本账号的对话重新开始；resume 为 true 时继续仍有效的对话，匿名时传 id）",
            ok=("201", "对话"), answer=answer, errors=(400, 429),
            body=_obj({"resume": {"type": "boolean"}, "id": _STR})), "security": either}},
        "/assistant/conversations/{conversation_id}": {"get": {**_op(
            "读取对话（关闭手机后继续）；30天未使用即过期", params=[cid], answer=answer, errors=(404,)),
            "security": either}},
        "/assistant/conversations/{conversation_id}/messages": {"post": {**_op(
            "向填报助手发送一条消息（回答、快捷回复或问题），返回助手新说的话、快捷回复和状态", params=[cid], answer=answer,
            body=_obj({"text": {**_STR, "maxLength": 500}}, ["text"]), errors=(400, 404, 409, 422, 429)),
            "security": either}},
    }


def _account_paths() -> dict:
    """Sign-out, one's own password, and the accounts/applications of 附件2."""
    app_id, username = _path("application_id"), _path("username")
    opinion = _obj({"decision": {"type": "string", "enum": ["approve", "reject"]}, "comment": _STR,
                    "version": _INT}, ["decision", "version"])
    apply = _obj({
        "kind": {"type": "string", "enum": ["create", "freeze", "unlock", "deregister", "permissions",
                                            "reset_second_factor"]},
        **{k: _STR for k in ("username", "contact_name", "contact_phone", "applying_unit", "reason", "role",
                             "division", "person_name", "person_unit", "person_position", "person_id_number",
                             "person_mobile", "person_email")},
        "permissions": {"type": "array", "items": _STR}},
        ["kind", "username", "contact_name", "contact_phone", "applying_unit"])
    return {
        "/auth/password": {"post": _op("修改本人密码（其他会话失效，返回新令牌）", errors=(400, 401, 403, 422),
                                       body=_obj({"old_password": _STR, "new_password": _STR},
                                                 ["old_password", "new_password"]))},
        "/admin/accounts": {"get": _op("审核端账号列表（本级及直接下级，或指定行政区划；身份证号脱敏）",
                                       params=[_query("division")], errors=(400, 401, 403))},
        "/admin/accounts/{username}": {"get": _op("审核端账号详情", params=[username])},
        "/admin/accounts/{username}/unlock": {"post": _op("系统安全员解除登录锁定", params=[username],
                                                          errors=(400, 401, 403, 404, 409))},
        "/admin/applications": {
            "get": _op("账号申请单列表（本机构办理的和本人提交的）", params=[_query("status")], errors=(400, 401, 403)),
            "post": _op("提交账号申请（变更）单（附件2）", ok=("201", "已提交，返回申请单"), body=apply,
                        errors=(400, 401, 403, 422)),
        },
        "/admin/applications/{application_id}": {"get": _op("账号申请单详情", params=[app_id])},
        "/admin/applications/{application_id}/business-review": {"post": _op(
            "业务部门业务处室意见（业务管理员）", params=[app_id], body=opinion, errors=(400, 401, 403, 404, 409, 422))},
        "/admin/applications/{application_id}/it-review": {"post": _op(
            "信息化综合管理机构业务科室意见（系统安全员）", params=[app_id], body=opinion,
            errors=(400, 401, 403, 404, 409, 422))},
        "/admin/applications/{application_id}/execute": {"post": _op(
            "系统管理员办理已同意的申请（新增账号时返回一次性初始密码）", params=[app_id],
            body=_obj({"version": _INT}, ["version"]), errors=(400, 401, 403, 404, 409, 422))},
        "/auth/logout": {"post": _op("退出登录（本会话的令牌失效；修改密码则所有会话失效）", errors=(401, 403))},
    }
