"""Columns of 表一/表二/表三 (SPEC.md §5) and the 表一 checks.

A Column is the single description of a field: its API key, its Chinese title (the Excel header
and the name in every error message), its kind, and its code list where it has one.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import problem
from .reference import codes


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = "text"  # text / int / date / code / id / money
    codes: str | None = None  # key into codes.json
    required: bool = True

    def choices(self) -> list[str]:
        values = codes()[self.codes]
        if isinstance(values, list):
            return list(values)
        return [f"{k} {v if isinstance(v, str) else v['reason']}" for k, v in values.items()]


TABLE_TITLES = {
    "table1": "表一 用人单位劳动用工基本情况备案表",
    "table2": "表二 用人单位劳动关系人员基本情况备案表",
    "table3": "表三 用人单位终止或解除劳动合同备案表",
}

# 表一: the year's figures (the unit's own details come from its registration).
TABLE1_COUNTS = (
    Column("employees", "在册职工人数", "int"),
    Column("male", "其中男", "int"),
    Column("female", "其中女", "int"),
    Column("on_post", "在岗人数", "int"),
    Column("off_post", "不在岗人数", "int"),
    Column("migrant_workers", "农民工人数", "int"),
    Column("dispatched", "劳务派遣用工人数", "int"),
    Column("part_time", "非全日制用工人数", "int"),
    Column("contracts_due", "应签劳动合同人数", "int"),
    Column("contracts_signed", "已签劳动合同人数", "int"),
    Column("signed_task", "以完成一定工作任务为期限", "int"),
    Column("signed_fixed_lt3", "固定期限3年以下", "int"),
    Column("signed_fixed_3to10", "固定期限3年（含）至10年", "int"),
    Column("signed_fixed_ge10_open", "固定期限10年以上及无固定期限", "int"),
    Column("insured_pension", "年末参加养老保险人数", "int"),
    Column("insured_medical", "年末参加医疗保险人数", "int"),
    Column("insured_injury", "年末参加工伤保险人数", "int"),
    Column("insured_unemployment", "年末参加失业保险人数", "int"),
    Column("average_wage", "上年度职工平均工资（元）", "int"),
)
TABLE1_CONTACT = (
    Column("contact_name", "联系人"),
    Column("contact_phone", "联系电话"),
    Column("business_address", "经营地址"),
)
TABLE1 = TABLE1_CONTACT + TABLE1_COUNTS

TABLE2 = (
    Column("seq", "序号", "int", required=False),
    Column("name", "姓名"),
    Column("id_type", "证件类型", "code", "id_type"),
    Column("id_number", "证件号码", "id"),
    Column("gender", "性别", "code", "gender"),
    Column("birth_date", "出生日期", "date"),
    Column("hukou", "户口性质", "code", "hukou"),
    Column("education", "文化程度", "code", "education"),
    Column("phone", "联系电话", required=False),
    Column("employment_form", "用工形式", "code", "employment_form"),
    Column("post_category", "岗位类别", "code", "post_category"),
    Column("special_job", "是否特殊工种", "code", "yes_no"),
    Column("workplace", "工作地点"),
    Column("hire_date", "入职日期", "date"),
    Column("contract_term", "劳动合同期限类型", "code", "contract_term"),
    Column("contract_start", "合同起始日期", "date"),
    Column("contract_end", "合同终止日期", "date", required=False),
    Column("insured", "是否参加社会保险", "code", "yes_no"),
)

TABLE3 = (
    Column("seq", "序号", "int", required=False),
    Column("name", "姓名"),
    Column("id_type", "证件类型", "code", "id_type"),
    Column("id_number", "证件号码", "id"),
    Column("gender", "性别", "code", "gender"),
    Column("contract_start", "合同起始日期", "date"),
    Column("contract_end", "合同终止日期", "date", required=False),
    Column("ended_on", "终止或解除日期", "date"),
    Column("category", "类别", "code", "termination_category"),
    Column("reason_code", "原因代码", "code", "termination_reason"),
    Column("compensated", "是否支付经济补偿", "code", "yes_no"),
    Column("compensation", "经济补偿金额（元）", "money", required=False),
    Column("years_of_service", "本单位工作年限", "int"),
)

COLUMNS = {"table1": TABLE1, "table2": TABLE2, "table3": TABLE3}


def _int_field(raw, col: Column, errors: list[dict]) -> int | None:
    text = str(raw).strip() if raw is not None else ""
    if text == "":
        errors.append(problem(f"请填写{col.title}", column=col.title, field=col.key))
        return None
    try:
        value = int(text)
    except ValueError:
        errors.append(problem(f"{col.title}应为整数", column=col.title, field=col.key))
        return None
    if value < 0:
        errors.append(problem(f"{col.title}不能为负数", column=col.title, field=col.key))
        return None
    return value


def clean_table1(data: dict) -> tuple[dict, list[dict]]:
    """Parse and check 表一. Returns (cleaned values, errors); errors name the Chinese column."""
    errors: list[dict] = []
    out: dict = {}
    for col in TABLE1_CONTACT:
        value = str(data.get(col.key) or "").strip()
        if not value:
            errors.append(problem(f"请填写{col.title}", column=col.title, field=col.key))
        elif len(value) > 200:
            errors.append(problem(f"{col.title}不能超过200个字", column=col.title, field=col.key))
        out[col.key] = value
    for col in TABLE1_COUNTS:
        out[col.key] = _int_field(data.get(col.key), col, errors)
    if errors:
        return out, errors

    title = {c.key: c.title for c in TABLE1}
    n = out["employees"]

    def rule(ok: bool, field: str, message: str) -> None:
        if not ok:
            errors.append(problem(message, column=title[field], field=field))

    rule(out["male"] + out["female"] == n, "male", "在册职工人数应等于其中男与其中女之和")
    rule(out["on_post"] + out["off_post"] == n, "on_post", "在册职工人数应等于在岗人数与不在岗人数之和")
    rule(out["migrant_workers"] <= n, "migrant_workers", "农民工人数不能超过在册职工人数")
    rule(out["contracts_due"] <= n, "contracts_due", "应签劳动合同人数不能超过在册职工人数")
    rule(out["contracts_signed"] <= out["contracts_due"], "contracts_signed", "已签劳动合同人数不能超过应签劳动合同人数")
    buckets = ("signed_task", "signed_fixed_lt3", "signed_fixed_3to10", "signed_fixed_ge10_open")
    rule(sum(out[b] for b in buckets) == out["contracts_signed"], "contracts_signed",
         "已签劳动合同人数应等于四类合同期限人数之和")
    for key in ("insured_pension", "insured_medical", "insured_injury", "insured_unemployment"):
        rule(out[key] <= n, key, f"{title[key]}不能超过在册职工人数")
    return out, errors


def signing_rate(table1: dict) -> float | None:
    """劳动合同签订率 = 已签 / 应签 (None when nothing is due)."""
    due = table1.get("contracts_due") or 0
    return round(table1["contracts_signed"] / due, 4) if due else None
