"""The layout every 表一/表二/表三 workbook shares, written by blank_forms.py and workbooks.py and read by
reader.py: sheet names, the example rows, column widths and which columns hold text, and the 填表说明 notes.

Plain data and functions, no Excel library: the reader imports it before it knows whether it needs one.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..domain.identifiers import id_check_char
from ..domain.tables import Column

MAX_ROW = 1_048_576  # Excel's last row: validations and formats cover the whole column
CODE_SHEET, HELP_SHEET = "代码表", "填表说明"
HELP_COLUMNS = ("列名", "是否必填", "填写要求")


def _fake_id(first17: str) -> str:
    return first17 + id_check_char(first17)


# Fake people with valid check digits (140105 = 太原市小店区); digit 17 odd = 男, even = 女.
EXAMPLE_ROWS: dict[str, dict[str, Any]] = {
    "table2": {
        "seq": 1, "name": "张三（示例）", "id_type": "居民身份证", "id_number": _fake_id("14010519900101123"),
        "gender": "男", "birth_date": dt.date(1990, 1, 1), "hukou": "城镇", "education": "大学本科",
        "phone": "13800000000", "employment_form": "全日制", "post_category": "专业技术人员",
        "special_job": "否", "workplace": "太原市小店区", "hire_date": dt.date(2015, 3, 1),
        "contract_term": "固定期限", "contract_start": dt.date(2021, 3, 1),
        "contract_end": dt.date(2027, 2, 28), "insured": "是",
    },
    "table3": {
        "seq": 1, "name": "李四（示例）", "id_type": "居民身份证", "id_number": _fake_id("14010519850315002"),
        "gender": "女", "contract_start": dt.date(2020, 7, 1), "contract_end": dt.date(2023, 6, 30),
        "ended_on": dt.date(2023, 6, 30), "category": "终止", "reason_code": "T02",
        "compensated": "否", "compensation": 0, "years_of_service": 3,
    },
}

GENERAL_NOTES = (
    "1. 请勿修改、增加、删除或调换第1行的列名，也不要在表头上方插入行；从第2行起每行填写一条记录。",
    "2. 第2行是示例，请直接覆盖或删除；未改动的示例行在导入时会被忽略。",
    "3. 证件号码、联系电话两列已设为文本格式。请勿改成数字格式（18位号码会被Excel改成1.40105E+17，后几位丢失）；"
    "从其他表格粘贴时请用“选择性粘贴→数值”。",
    "4. 日期请填写为2023-01-01格式（2023/1/1、2023年1月1日、20230101也可识别）。",
    "5. 带下拉箭头的列请从列表中选择，不要自行输入其他写法。",
    "6. 保存为.xlsx格式上传，不要另存为.xls或.csv。系统逐行检查，错误会列出行号和列名，修改后可重新上传。",
)

_KIND_NOTE = {
    "text": "文字",
    "int": "整数，不小于0",
    "money": "金额（元），不小于0，可保留两位小数",
    "date": "日期，格式2023-01-01",
    "id": "文本格式；居民身份证填写18位号码（末位X大小写均可），系统核对校验位；其他证件照证件填写",
}

_KEY_NOTE = {
    "seq": "可不填",
    "id_number": "同一张表中不得重复",
    "gender": "居民身份证的，应与证件号码第17位一致（奇数为男、偶数为女）",
    "birth_date": "居民身份证的，应与证件号码第7至14位一致",
    "phone": "可不填；手机或固定电话，只填数字和“-”",
    "hire_date": "不得晚于备案年度末；入职时应年满16周岁",
    "contract_start": "不得晚于备案年度末",
    "contract_end": "固定期限合同必须填写且应晚于合同起始日期；无固定期限合同不填",
    "ended_on": "应在备案年度内",
    "category": "应与原因代码一致：T开头为终止，R开头为解除",
    "reason_code": "选择“代码 原因”，也可只填代码（如T01）",
    "compensated": "应与原因代码一致：依法应支付的填“是”，无需支付的填“否”（T09按有关规定）",
    "compensation": "支付经济补偿的必须填写",
    "uscc": "18位，须与注册时一致；不能在表一中修改",
    "industry_division": "GB/T 4754-2017大类，应属于所填门类",
    "registration_division": "工商注册地所在县（市、区）",
    "employees": "应等于其中男与其中女之和，也等于在岗与不在岗人数之和；与表二人数核对",
    "contracts_signed": "不超过应签劳动合同人数；等于以下四类期限人数之和",
}


def column_width(col: Column) -> float:
    kind_width = {"date": 13, "id": 22, "int": 8, "money": 14}.get(col.kind, 14)
    if col.codes:
        kind_width = min(max(len(c) for c in col.choices()) * 2 + 4, 40)
    return max(kind_width, len(col.title) * 2 + 4)


def text_column(col: Column) -> bool:
    """Columns whose digits must stay text (ID numbers, phones, the USCC)."""
    return col.kind == "id" or col.key.endswith("phone") or col.key == "uscc"


def column_note(col: Column) -> str:
    """What the 填表说明 sheet says about filling in `col`."""
    if col.kind == "code":
        choices = col.choices()
        base = (f"从下拉列表选择：{'、'.join(choices)}" if len(choices) <= 30
                else f"从下拉列表选择（共{len(choices)}项，可只填代码）")
    else:
        base = _KIND_NOTE[col.kind]
    extra = _KEY_NOTE.get(col.key)
    return f"{base}；{extra}" if extra else base
