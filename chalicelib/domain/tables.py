"""Columns of 表一/表二/表三 (docs/rules.md §5) and the 表一 checks.

A Column is the single description of a field: its API key, its Chinese title (the Excel header
and the name in every error message), its kind, and its code list where it has one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from .errors import problem
from .identifiers import normalize, uscc_error
from .reference import aliases, city_of, codes, divisions
from .text import nfc, text_problem

if TYPE_CHECKING:  # the models load pydantic; the web layer reads this module at import (cold start)
    from .model import Unit

_PHONE = re.compile(r"\+?[\d-]{5,20}")


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = "text"  # text / int / date / code / id / money
    codes: str | None = None  # key into codes.json
    required: bool = True

    def choices(self) -> list[str]:
        """The dropdown texts: the code list's values, or "code name" for coded lists."""
        if self.codes == "division":  # county-level divisions of Shanxi (registration places)
            return [f"{x.code} {city_of(x).name}{x.name}" for x in divisions().values() if x.level == "county"]
        values = self.code_list()
        if isinstance(values, list):
            return list(values)
        return [f"{k} {v if isinstance(v, str) else v.get('reason') or v['name']}" for k, v in values.items()]

    def code_list(self) -> list[str] | dict[str, Any]:
        """The column's entry in codes.json: its values, or {code: name or {name/reason, …}}."""
        if self.codes is None:
            raise ValueError(f"column {self.key} has no code list")
        values: list[str] | dict[str, Any] = codes()[self.codes]
        return values


TABLE_TITLES = {
    "table1": "表一 用人单位劳动用工基本情况备案表",
    "table2": "表二 用人单位劳动关系人员基本情况备案表",
    "table3": "表三 用人单位终止或解除劳动合同备案表",
}

# 表一: the unit's details (prefilled from its registration or last approved filing), then the year's figures.
TABLE1_UNIT = (
    Column("unit_name", "单位名称"),
    Column("uscc", "统一社会信用代码"),
    Column("unit_type", "单位类型", "code", "unit_type"),
    Column("economic_type", "经济类型", "code", "economic_type"),
    Column("industry", "所属行业门类", "code", "industry"),
    Column("industry_division", "所属行业大类", "code", "industry_division"),
    Column("affiliation", "隶属关系", "code", "affiliation"),
    Column("foreign_invested", "是否外商投资", "code", "yes_no"),
    Column("labor_dispatch", "是否劳务派遣机构", "code", "yes_no"),
    Column("registration_division", "注册地行政区划", "code", "division"),
    Column("registered_address", "注册地址"),
    Column("business_address", "经营地址"),
    Column("legal_representative", "法定代表人"),
    Column("contact_name", "联系人"),
    Column("contact_phone", "联系电话"),
)
# The fields that decide the reviewing authority (jurisdiction.route); see routing_warning.
ROUTING_FIELDS = ("affiliation", "foreign_invested", "economic_type", "registration_division")
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
TABLE1_CONTACT = TABLE1_UNIT  # the earlier name
_COUNT = {c.key: c for c in TABLE1_COUNTS}
# 表一 in short steps (the form, the filing assistant): the unit, its people, their contracts, their insurance
TABLE1_STEPS: tuple[tuple[str, tuple[Column, ...]], ...] = (
    ("单位信息", TABLE1_UNIT),
    ("人员", tuple(_COUNT[k] for k in ("employees", "male", "female", "on_post", "off_post", "migrant_workers",
                                        "dispatched", "part_time"))),
    ("劳动合同", tuple(_COUNT[k] for k in ("contracts_due", "contracts_signed", "signed_task", "signed_fixed_lt3",
                                        "signed_fixed_3to10", "signed_fixed_ge10_open"))),
    ("社会保险和工资", tuple(_COUNT[k] for k in ("insured_pension", "insured_medical", "insured_injury",
                                           "insured_unemployment", "average_wage"))),
)
TABLE1 = TABLE1_UNIT + TABLE1_COUNTS

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
_BY_KEY = {c.key: c for table in COLUMNS.values() for c in table}  # a key means the same in every table
MAX_COUNT = 10_000_000  # any head count or whole number in a table (docs/rules.md §17)
MAX_YUAN = 10**9  # any amount of money, in yuan


def count_problem(value: int, title: str) -> str | None:
    """Why a whole number cannot stand in a table, if it cannot."""
    if value < 0:
        return f"{title}不能为负数"
    if value > MAX_COUNT:
        return f"{title}不能超过{MAX_COUNT}"
    return None


def _int_field(raw: object, col: Column, errors: list[dict[str, Any]]) -> int | None:
    if isinstance(raw, float) and raw.is_integer():  # a number cell read from Excel: 12.0
        raw = int(raw)
    value: int | None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    else:
        text = normalize(str(raw)) if raw is not None else ""
        if text == "":
            errors.append(problem(f"请填写{col.title}", column=col.title, field=col.key))
            return None
        digits = text.removeprefix("-")
        value = int(text) if digits.isascii() and digits.isdigit() and len(digits) <= 20 else None
    message = f"{col.title}应为整数" if value is None else count_problem(value, col.title)
    if message:
        errors.append(problem(message, column=col.title, field=col.key))
        return None
    return value


_CODED = ("industry", "industry_division", "division", "termination_reason")  # "code name" choices


def choice_code(col: Column, choice: str) -> str:
    """The value stored for a dropdown choice: the code of "I 信息传输…", the text itself otherwise."""
    return choice.split(" ", 1)[0] if col.codes in _CODED else choice


@cache
def _names(col: Column) -> dict[str, str]:
    """code → "code name" for a coded column ("H" → "H 住宿和餐饮业", "140105" → "140105 太原市小店区")."""
    return {choice.split(" ", 1)[0]: choice for choice in col.choices()}


def shown(col: Column | str, value: Any) -> str:
    """A stored value of a column (or of the column with that key) as a person reads it: codes with their
    names, yes/no in words."""
    if isinstance(col, str):
        col = _BY_KEY[col]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if col.codes in _CODED:
        return _names(col).get(str(value), str(value))
    return str(value)


_SHORT_CODE = re.compile(r"([A-Z])0(\d)")  # T01 → T1: a reason code typed without its zero


@cache
def code_lookup(col: Column) -> dict[str, str]:
    """Every accepted spelling of a coded field → its canonical value (the code, or the listed text).

    The list's own spellings: each value; for coded lists the code alone ("I", "65", "T01", "140105"), as the
    dropdown shows it ("I 信息传输…"), the name alone ("信息传输、软件和信息技术服务业") and a reason code without
    its zero ("T1"). Then the everyday spellings of `aliases.json` (docs/rules.md §17): the list's, then the
    column's own. Each spelling is entered as written and normalized (`identifiers.normalize`: half-width, no
    spaces, upper case), so a cell costs one dict look-up, two when it needs normalizing; built once per column.

    Raises ValueError when the reference data is inconsistent: a spelling standing for two values (an alias
    equal to another value of the list, or listed under two values), or an alias for a value the list lacks.
    tests/unit/test_aliases.py builds every column's lookup."""
    lookup: dict[str, str] = {}

    def add(spelling: str, value: str) -> None:
        for key in (spelling, normalize(spelling)):
            have = lookup.setdefault(key, value)
            if have != value:
                raise ValueError(f"{col.title}: “{spelling}” would stand for both “{have}” and “{value}”")

    coded = col.codes in _CODED
    for choice in col.choices():
        code = choice_code(col, choice)
        add(code, code)
        if coded:
            add(choice, code)
            add(choice.split(" ", 1)[1], code)
            if short := _SHORT_CODE.fullmatch(code):
                add(short[1] + short[2], code)
    canonical = set(lookup.values())
    table = aliases()
    for spellings in (table["lists"].get(col.codes or "", {}), table["columns"].get(col.key, {})):
        for value, written in spellings.items():
            if value not in canonical:
                raise ValueError(f"{col.title}: aliases for “{value}”, which is not in the list {col.codes}")
            for spelling in written:
                add(spelling, value)
    return lookup


def _code_field(raw: object, col: Column, errors: list[dict[str, Any]]) -> str | None:
    if raw is True or raw is False:  # JSON booleans for the 是/否 fields
        raw = "是" if raw else "否"
    if isinstance(raw, float) and raw.is_integer():  # a code typed into a number cell: 65.0, 140105.0
        raw = int(raw)
    text = str(raw).strip() if raw is not None else ""
    if text.isdigit() and col.codes == "industry_division":
        text = text.zfill(2)
    if not text:
        errors.append(problem(f"请选择{col.title}", column=col.title, field=col.key))
        return None
    lookup = code_lookup(col)
    found = lookup.get(text) or lookup.get(normalize(text))
    if found is None:
        choices = col.choices()
        shown = "、".join(choices) if len(choices) <= 20 else "请从列表中选择"
        errors.append(problem(f"{col.title}“{text}”不在可选范围内（{shown}）", column=col.title, field=col.key))
    return found


def table1_defaults(unit: Unit, last_table1: dict[str, Any] | None = None) -> dict[str, Any]:
    """表一's unit fields as prefilled: the unit's registration, overridden by the unit fields of
    the last approved 表一 (more recent), without the year's figures."""
    out: dict[str, Any] = {
        "unit_name": unit.name, "uscc": unit.uscc, "unit_type": unit.unit_type,
        "economic_type": unit.economic_type, "industry": unit.industry, "industry_division": None,
        "affiliation": unit.affiliation, "foreign_invested": "是" if unit.foreign_invested else "否",
        "labor_dispatch": "是" if unit.labor_dispatch else "否",
        "registration_division": unit.registration_division, "registered_address": unit.registered_address,
        "business_address": unit.registered_address, "legal_representative": unit.legal_representative,
        "contact_name": unit.filer_name, "contact_phone": unit.filer_mobile}
    for col in TABLE1_UNIT:
        if last_table1 and last_table1.get(col.key) not in (None, "") and col.key != "uscc":
            out[col.key] = last_table1[col.key]
    return out


def clean_table1(data: dict[str, Any], defaults: dict[str, Any] | None = None
                 ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Parse and check 表一. Returns (cleaned values, errors); errors name the Chinese column.

    `defaults` (the unit's registration, or last year's approved 表一) fills unit fields the caller
    left out (an API client may send only the year's figures); 统一社会信用代码 always comes from it."""
    defaults = defaults or {}
    errors: list[dict[str, Any]] = []
    out: dict[str, Any] = {}
    for col in TABLE1_UNIT:
        raw = data[col.key] if col.key in data else defaults.get(col.key)
        if col.key == "uscc" and defaults.get("uscc"):
            given = normalize(str(raw or ""))
            if given and given != defaults["uscc"]:
                errors.append(problem("统一社会信用代码不能在表一中修改；如代码已变更，请联系审核机关",
                                      column=col.title, field=col.key))
            out[col.key] = defaults["uscc"]
            continue
        if col.kind == "code":
            out[col.key] = _code_field(raw, col, errors)
            continue
        value = nfc(str(raw if raw is not None else "").strip())
        if not value:
            errors.append(problem(f"请填写{col.title}", column=col.title, field=col.key))
        elif message := text_problem(value, col.title):
            errors.append(problem(message, column=col.title, field=col.key))
        elif len(value) > 200:
            errors.append(problem(f"{col.title}不能超过200个字", column=col.title, field=col.key))
        elif col.key == "contact_phone":
            value = normalize(value)
            if not _PHONE.fullmatch(value):
                errors.append(problem("联系电话只能填写数字（可含“-”），5至20位", column=col.title, field=col.key))
        elif col.key == "uscc" and (message := uscc_error(normalize(value))):
            errors.append(problem(message, column=col.title, field=col.key))
        out[col.key] = value
    section, division = out.get("industry"), out.get("industry_division")
    if section and division and codes()["industry_division"][division]["section"] != section:
        errors.append(problem(f"所属行业大类{division}不属于门类{section}（{codes()['industry'][section]}），请核对",
                              column="所属行业大类", field="industry_division"))
    for col in TABLE1_COUNTS:
        out[col.key] = _int_field(data.get(col.key), col, errors)
    errors += table1_totals_problems(out)  # with the format errors, in one round: each rule whose counts are all given
    return out, errors


def table1_totals_problems(counts: dict[str, Any]) -> list[dict[str, Any]]:
    """表一's identities between counts, each message with the numbers ("在册职工人数40 ≠ 其中男20 + 其中女19（合计39）").
    A rule is checked when every count it needs is a valid number, so a mistyped count hides no other problem."""
    title = {c.key: c.title for c in TABLE1}
    out: list[dict[str, Any]] = []

    def given(*keys: str) -> bool:
        return all(isinstance(counts.get(k), int) for k in keys)

    def equal_to_sum(total: str, parts: tuple[str, ...], field: str) -> None:
        if given(total, *parts) and sum(counts[p] for p in parts) != counts[total]:
            shown = " + ".join(f"{title[p]}{counts[p]}" for p in parts)
            out.append(problem(f"{title[total]}{counts[total]} ≠ {shown}（合计{sum(counts[p] for p in parts)}），请核对",
                               column=title[field], field=field))

    def at_most(part: str, whole: str) -> None:
        if given(part, whole) and counts[part] > counts[whole]:
            out.append(problem(f"{title[part]}{counts[part]}超过了{title[whole]}{counts[whole]}",
                               column=title[part], field=part))

    equal_to_sum("employees", ("male", "female"), "male")
    equal_to_sum("employees", ("on_post", "off_post"), "on_post")
    for part in ("migrant_workers", "contracts_due"):
        at_most(part, "employees")
    at_most("contracts_signed", "contracts_due")
    equal_to_sum("contracts_signed", ("signed_task", "signed_fixed_lt3", "signed_fixed_3to10", "signed_fixed_ge10_open"),
                 "contracts_signed")
    for key in ("insured_pension", "insured_medical", "insured_injury", "insured_unemployment"):
        at_most(key, "employees")
    return out


def signing_rate(table1: dict[str, Any]) -> float | None:
    """劳动合同签订率 = 已签 / 应签 (None when nothing is due)."""
    due = table1.get("contracts_due") or 0
    return round(table1["contracts_signed"] / due, 4) if due else None
