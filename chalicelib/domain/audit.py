"""The audit log read by a person (docs/rules.md §10, "Audit log"): Chinese names for the actions the code writes
and each event's detail told as a sentence, never as raw JSON.

A test (tests/unit/test_audit_names.py) reads the code for every action written and fails if one has no name
here, so a new action cannot reach the log unnamed."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from . import applications, enforcement, filing, roles, transfers, unit_life
from .model import ROLE_LABEL, AuditEvent

ACTION_NAMES = {
    # accounts and sign-in (services/accounts.py)
    "sign_in": "登录", "sign_out": "退出登录", "change_password": "修改密码", "unlock_account": "解锁账号",
    "create_account": "创建账号", "register_unit": "单位注册",
    "assistant_start": "开始填报助手对话",  # services/assistant.py
    "enrol_second_factor": "绑定动态口令（第二因素）",
    # the WeChat mini-program (services/wechat.py)
    "wechat_bind": "绑定微信小程序", "wechat_unbind": "解除微信小程序绑定", "wechat_subscribe": "订阅微信消息",
    # a unit's people and account recovery (services/unit_people.py)
    "reset_password": "短信验证码重置密码", "change_contact": "变更联系方式", "add_clerk": "添加经办人",
    "remove_clerk": "移除经办人", "rebind_unit": "变更单位管理员（绑定新管理员）",
    "hand_over_admin": "移交单位管理员",
    # filings (domain/filing.py transitions, services/filings.py, services/versions.py, services/imports.py)
    "create_filing": "新建备案", "submit": "提交备案", "withdraw": "撤回备案", "approve": "审核通过",
    "reject": "审核不通过", "revoke": "撤销审核", "open_correction": "发起更正", "delete_filing": "删除草稿",
    "import_rows": "导入表二/表三", "import_table1": "导入表一", "remove_rows": "清空人员名单",
    "add_row": "在线添加一行", "edit_row": "在线修改一行", "delete_row": "在线删除一行",
    # reading what is private (services/review.py, services/rosters.py, services/persons.py)
    "reveal_id": "查看完整证件号码", "search_id": "按证件号码查找人员", "download_error_report": "下载错误报告",
    "download_leavers": "下载离职人员表三", "person_lookup": "按证件号码查询人员", "unit_lookup": "按信用代码查询单位",
    # exports (services/exports.py and the builders)
    "export": "导出", "export_requested": "申请导出", "download_export": "下载导出文件",
    # a unit's life (services/units.py)
    "set_founding_date": "登记成立日期", "request_closure": "申请注销（吊销、撤销、迁出）",
    "record_closure": "登记注销（吊销、撤销、迁出）", "refuse_closure": "不同意注销申请", "reopen_unit": "恢复备案",
    # the review desk (services/desks.py) and per-filing roster downloads (services/review.py)
    "hold_filing": "认领或分派备案", "note_filing": "添加内部备注", "download_rows": "下载备案名册（证件号码脱敏）",
    # transfers between authorities (services/transfers.py) and the enforcement follow-up (services/enforcement.py)
    **{f"transfer_{k}": f"变更审核机关：{v}" for k, v in transfers.ACTION_LABEL.items()},
    **{f"enforcement_{k}": f"执法跟进：{v}" for k, v in enforcement.ACTION_LABEL.items()},
    # account applications, 附件2 (services/applications.py)
    "account_application.apply": "提交账号申请", "account_application.business_review": "业务处室审核账号申请",
    "account_application.it_review": "信息化机构审核账号申请", "account_application.execute": "办理账号申请",
}
# the dynamic families: the action is the prefix and a key of the label table
FAMILIES = {"transfer_": transfers.ACTION_LABEL, "enforcement_": enforcement.ACTION_LABEL}

OUTCOME_NAMES = {"ok": "成功", "denied": "拒绝", "refused": "拒绝", "locked": "已锁定", "rate_limited": "过于频繁被拒绝"}

FIELD_NAMES = {
    "year": "年度", "kind": "类型", "reason": "原因", "receipt_no": "回执号", "table": "表", "rows": "行数",
    "row": "行号", "search": "查找的证件号码", "upload_id": "上传编号", "records": "记录数", "department": "部门",
    "division": "区划", "step": "执法步骤", "filings": "备案数", "failures": "连续失败次数", "locked": "已锁定",
    "role": "角色", "authority": "审核机关", "corrects": "更正的备案", "correction_no": "更正序号",
    "date": "日期", "evidence": "证明材料", "confirms_request": "确认单位申请", "uscc": "统一社会信用代码",
    "from_authority": "原审核机关", "to_authority": "新审核机关", "notice_number": "文书编号",
    "notice_date": "文书日期", "deadline": "改正期限", "transfer_note": "移交说明", "number": "申请单编号",
    "username": "账号", "status": "状态", "opinion": "意见", "permissions": "权限", "id_number": "证件号码",
    "action": "操作", "actor": "操作人", "target": "对象", "date_from": "起始日期", "date_to": "截止日期",
    "events": "条数", "found": "是否已注册", "documents": "已核验材料", "note": "说明", "disabled": "停用的账号",
    "mobile": "手机号", "email": "邮箱", "name": "姓名", "wechat": "微信用户", "templates": "订阅的消息",
    "declaration": "承诺", "all_rows": "全部行", "second_factor": "动态口令", "uploads": "上传数", "years": "年度数",
}

# states named in the "from"/"to" of transitions, whichever aggregate they belong to
STATE_NAMES: dict[str, str] = {
    **{s.value: label for s, label in applications.STATUS_LABEL.items()},
    **{s.value: label for s, label in transfers.STATUS_LABEL.items()},
    **{s.value: label for s, label in enforcement.STAGE_LABEL.items()},
    **{s.value: label for s, label in filing.STATUS_LABEL.items()},
    "deleted": "已删除", "active": "正常", "closed": "已注销", "pending": "待处理", "none": "无",
}
VALUE_NAMES: dict[str, str] = {
    **{str(k): v for k, v in filing.KIND_LABEL.items()}, **{str(r.value): v for r, v in ROLE_LABEL.items()},
    **{k.value: v for k, v in applications.KIND_LABEL.items()}, **unit_life.CLOSURE_KINDS,
    **{str(p): v for p, v in roles.PERMISSION_LABEL.items()}, "table1": "表一", "table2": "表二", "table3": "表三",
    "stats": "备案数据", "overdue": "未依法备案单位名单", "leavers": "离职人员表三", "audit": "审计日志",
    "filing_rows": "备案名册",
}


def action_name(action: str) -> str:
    return ACTION_NAMES.get(action, action)


def outcome_name(outcome: str) -> str:
    return OUTCOME_NAMES.get(outcome, outcome)


def _value(value: Any) -> str:
    if value is None:
        return "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_value(v) for v in value) or "无"
    if isinstance(value, dict):
        return "，".join(f"{FIELD_NAMES.get(k, k)}{_value(v)}" for k, v in value.items())
    text = str(value)
    return VALUE_NAMES.get(text) or STATE_NAMES.get(text, text)


def describe(event: AuditEvent) -> str:
    """The detail as one Chinese sentence: the transition first (从「…」变为「…」), then each other field named."""
    detail = dict(event.detail)
    parts = []
    if "to" in detail:
        before, after = detail.pop("from", None), detail.pop("to")
        to_text = STATE_NAMES.get(str(after), _value(after))
        parts.append(f"从「{STATE_NAMES.get(str(before), _value(before))}」变为「{to_text}」" if before is not None
                     else f"变为「{to_text}」")
    parts += [f"{FIELD_NAMES.get(key, key)}：{_value(value)}" for key, value in detail.items()]
    return "；".join(parts) + ("。" if parts else "")


@dataclass(frozen=True)
class AuditFilter:
    """Which events to list (every field optional): of these divisions (None: all), by this account, this action,
    about this target, at or after `since` and before `until` (aware datetimes; the service turns Beijing-time
    dates into these)."""
    scopes: list[str] | None = None
    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def matches(self, event: AuditEvent) -> bool:
        """The filters a store does not put in its key condition (DynamoDB reads by division and time)."""
        return all(want is None or want == got for want, got in (
            (self.actor, event.actor), (self.action, event.action), (self.target, event.target)))
