"""Everyday spellings of the coded columns (docs/rules.md §17): aliases.json, the lookups built from it, what a
roster cell and a 表一 field accept and store, and the blank forms that still offer only the canonical values."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook

from chalicelib.domain import reference
from chalicelib.domain.identifiers import id_check_char, normalize
from chalicelib.domain.roster import RowChecker
from chalicelib.domain.model import Unit
from chalicelib.domain.tables import COLUMNS, clean_table1, code_lookup, table1_defaults
from chalicelib.excel.blank_forms import blank_form
from chalicelib.excel.sheets import CODE_LIST_TITLES, CODE_SHEET
from tests import factories

END_2023 = dt.date(2023, 12, 31)
MAN = (lambda first17: first17 + id_check_char(first17))("14010519900101123")
UNIT = Unit(**{k: v for k, v in factories.registration().items() if k != "password"}, authority_code="140105",
            registered_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
TABLE1_DEFAULTS = table1_defaults(UNIT)
CODED = [c for table in COLUMNS.values() for c in table if c.kind == "code"]


def row2(**over) -> dict:
    row = {
        "seq": 1, "name": "张三", "id_type": "居民身份证", "id_number": MAN, "gender": "男",
        "birth_date": dt.date(1990, 1, 1), "hukou": "城镇", "education": "大学本科", "phone": "13800000000",
        "employment_form": "全日制", "post_category": "其他", "special_job": "否", "workplace": "太原市小店区",
        "hire_date": dt.date(2015, 3, 1), "contract_term": "以完成一定工作任务为期限",
        "contract_start": dt.date(2021, 3, 1), "contract_end": None, "insured": "是",
    }
    return {**row, **over}


def row3(**over) -> dict:
    row = {
        "seq": 1, "name": "张三", "id_type": "居民身份证", "id_number": MAN, "gender": "男",
        "contract_start": dt.date(2020, 7, 1), "contract_end": dt.date(2023, 6, 30), "ended_on": dt.date(2023, 6, 30),
        "category": "终止", "reason_code": "T09", "compensated": "否", "compensation": "100", "years_of_service": 3,
    }
    return {**row, **over}


# One line per column: (table, column, what the filer typed, what is stored). Every coded column of 表二/表三.
ROSTER_CASES = [
    ("table2", "id_type", "身份证", "居民身份证"), ("table2", "id_type", "二代身份证", "居民身份证"),
    ("table2", "id_type", "港澳居民居住证", "港澳台居民居住证"), ("table2", "id_type", "永久居留证", "外国人永久居留身份证"),
    ("table2", "id_type", "passport", "护照"),
    ("table2", "gender", "男性", "男"), ("table2", "gender", "m", "男"), ("table2", "gender", 1, "男"),
    ("table2", "hukou", "城镇户口", "城镇"), ("table2", "hukou", "非农业", "城镇"), ("table2", "hukou", "非农业户口", "城镇"),
    ("table2", "hukou", "农业户口", "农村"), ("table2", "hukou", "农村户口", "农村"), ("table2", "hukou", "农业", "农村"),
    ("table2", "education", "本科", "大学本科"), ("table2", "education", "大专", "大学专科"),
    ("table2", "education", "专科", "大学专科"), ("table2", "education", "硕士", "硕士研究生"),
    ("table2", "education", "研究生", "硕士研究生"), ("table2", "education", "博士", "博士研究生"),
    ("table2", "education", "中专", "中等专科"), ("table2", "education", "职高", "中等专科"),
    ("table2", "education", "技校", "技工学校"), ("table2", "education", "普通高中", "高中"),
    ("table2", "education", "初中学历", "初中"), ("table2", "education", "其它", "其他"),
    ("table2", "employment_form", "全职", "全日制"), ("table2", "employment_form", "兼职", "非全日制"),
    ("table2", "employment_form", "派遣", "劳务派遣"), ("table2", "employment_form", "钟点工", "非全日制"),
    ("table2", "post_category", "专技人员", "专业技术人员"), ("table2", "post_category", "管理岗位", "管理人员"),
    ("table2", "post_category", "负责人", "单位负责人"), ("table2", "post_category", "工勤人员", "其他"),
    ("table2", "special_job", "Y", "是"), ("table2", "special_job", "n", "否"), ("table2", "special_job", 0, "否"),
    ("table2", "special_job", "无", "否"), ("table2", "special_job", "一般工种", "否"),
    ("table2", "insured", "1", "是"), ("table2", "insured", 1.0, "是"), ("table2", "insured", "有", "是"),
    ("table2", "insured", "yes", "是"), ("table2", "insured", "已参保", "是"), ("table2", "insured", "√", "是"),
    ("table3", "id_type", "身份证", "居民身份证"), ("table3", "gender", "女性", "女"),
    ("table3", "category", "劳动合同终止", "终止"), ("table3", "reason_code", "t9", "T09"),
    ("table3", "reason_code", "法律、行政法规规定的其他情形", "T09"),
    ("table3", "compensated", "Y", "是"), ("table3", "compensated", "N", "否"), ("table3", "compensated", "已支付", "是"),
    ("table3", "compensated", "无", "否"),
]


@pytest.mark.parametrize("table,key,typed,stored", ROSTER_CASES)
def test_roster_cells_take_everyday_spellings_and_store_the_canonical_value(table, key, typed, stored):
    if key == "gender" and stored == "女":
        over = {"gender": typed, "id_number": (lambda f: f + id_check_char(f))("14010519900101122")}
    else:
        over = {key: typed}
    raw = (row2 if table == "table2" else row3)(**over)
    clean, errors = RowChecker(table, period_end=END_2023).check(5, raw)
    assert errors == [] and clean[key] == stored


@pytest.mark.parametrize("key,typed,stored", [
    ("education", " 本 科 ", "大学本科"), ("education", "本科\u3000", "大学本科"), ("special_job", "ｙ", "是"),
    ("insured", "Ｙｅｓ", "是"), ("id_type", "ＰＡＳＳＰＯＲＴ", "护照"), ("hukou", "城镇 户口", "城镇"),
])
def test_aliases_match_after_full_width_and_space_normalization(key, typed, stored):
    over = {key: typed, "id_number": "E12345678"} if key == "id_type" else {key: typed}
    clean, errors = RowChecker("table2", period_end=END_2023).check(5, row2(**over))
    assert errors == [] and clean[key] == stored


def test_every_coded_roster_column_has_everyday_spellings():
    table = reference.aliases()
    for col in CODED:
        if col.codes in ("division", "industry", "industry_division", "termination_reason"):
            continue  # codes: the name alone and the short code are the everyday spellings (below)
        assert table["lists"].get(col.codes) or table["columns"].get(col.key), col.key


def test_column_only_spellings_stay_in_their_column():
    checker = RowChecker("table2", period_end=END_2023)
    assert checker.check(5, row2(insured="已参保"))[1] == []
    clean, errors = checker.check(6, row2(special_job="已参保", id_number=None))
    assert clean["special_job"] is None and any(e["column"] == "是否特殊工种" for e in errors)


def test_a_value_that_fits_nothing_lists_the_canonical_values_only():
    errors = RowChecker("table2", period_end=END_2023).check(5, row2(education="幼儿园"))[1]
    assert [e["message"] for e in errors] == [
        "文化程度应为以下之一：博士研究生、硕士研究生、大学本科、大学专科、中等专科、技工学校、高中、初中、小学、其他（填写的是“幼儿园”）"]
    errors = RowChecker("table3", period_end=END_2023).check(5, row3(reason_code="T08"))[1]
    assert errors[0]["message"].startswith("原因代码应为以下之一：T01、T02、T03")


# -- 表一 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key,typed,stored", [
    ("unit_type", "公司", "企业"), ("unit_type", "民非", "民办非企业单位"), ("economic_type", "民营", "私营"),
    ("economic_type", "外资", "外商投资"), ("affiliation", "县级", "县"), ("affiliation", "省属", "省"),
    ("foreign_invested", "N", "否"), ("foreign_invested", 0, "否"), ("foreign_invested", "内资", "否"),
    ("labor_dispatch", "y", "是"), ("labor_dispatch", "1", "是"), ("industry", "信息传输、软件和信息技术服务业", "I"),
])
def test_table1_coded_fields_take_everyday_spellings(key, typed, stored):
    over = {key: typed}
    if key == "industry":
        over["industry_division"] = "软件和信息技术服务业"  # a 大类 by its name alone, too
    values, errors = clean_table1(factories.table1(10, **over), TABLE1_DEFAULTS)
    assert errors == [] and values[key] == stored
    if key == "industry":
        assert values["industry_division"] == "65"


# -- the reference data ------------------------------------------------------------------------------
def test_every_coded_column_builds_its_lookup():
    for col in CODED:
        lookup = code_lookup(col)  # raises on a spelling standing for two values
        for choice in col.choices():
            assert choice in lookup


def test_alias_file_names_known_lists_columns_and_values():
    table = reference.aliases()
    for name, by_value in table["lists"].items():
        values = reference.codes()[name]
        for value in by_value:
            assert value in values, (name, value)
    coded_keys = {c.key: c for c in CODED}
    for key, by_value in table["columns"].items():
        assert key in coded_keys, key
        for value in by_value:
            assert value in coded_keys[key].code_list(), (key, value)


def test_no_alias_stands_for_two_values_or_is_another_value_of_its_list():
    table = reference.aliases()
    for col in CODED:
        seen: dict[str, str] = {}
        for by_value in (table["lists"].get(col.codes or "", {}), table["columns"].get(col.key, {})):
            for value, spellings in by_value.items():
                for spelling in spellings:
                    key = normalize(spelling)
                    assert seen.setdefault(key, value) == value, (col.key, spelling, seen[key], value)
        canonical = {normalize(code): code for choice in col.choices()
                     for code in (choice.split(" ", 1)[0] if col.codes in ("industry", "industry_division",
                                  "division", "termination_reason") else choice,)}
        for key, value in seen.items():
            assert canonical.get(key, value) == value, (col.key, key, "is another value of the list")


def test_a_contradicting_alias_file_is_refused(monkeypatch):
    bad = {"lists": {"hukou": {"城镇": ["农村户口"], "农村": ["农村户口"]}}, "columns": {}}
    monkeypatch.setattr("chalicelib.domain.tables.aliases", lambda: bad)
    col = next(c for c in COLUMNS["table2"] if c.key == "hukou")
    with pytest.raises(ValueError, match="农村户口"):
        code_lookup.__wrapped__(col)
    bad = {"lists": {"hukou": {"城镇": ["农村"]}}, "columns": {}}
    monkeypatch.setattr("chalicelib.domain.tables.aliases", lambda: bad)
    with pytest.raises(ValueError, match="农村"):
        code_lookup.__wrapped__(col)
    bad = {"lists": {"hukou": {"城市": ["城里"]}}, "columns": {}}
    monkeypatch.setattr("chalicelib.domain.tables.aliases", lambda: bad)
    with pytest.raises(ValueError, match="城市"):
        code_lookup.__wrapped__(col)


def test_the_alias_file_is_plain_json_with_a_comment():
    raw = json.loads((reference._DIR / "aliases.json").read_text(encoding="utf-8"))
    assert set(raw) == {"_comment", "lists", "columns"}


# -- the blank forms keep the canonical values -------------------------------------------------------
@pytest.mark.parametrize("table", ["table1", "table2", "table3"])
def test_blank_form_dropdowns_offer_only_canonical_values(table):
    book = load_workbook(io.BytesIO(blank_form(table)))
    sheet = book[CODE_SHEET]
    columns = list(sheet.iter_cols(values_only=True))
    by_list = {col[0]: [v for v in col[1:] if v is not None] for col in columns}
    for col in COLUMNS[table]:
        if col.codes:  # each list under its Chinese name (excel/sheets.py CODE_LIST_TITLES)
            assert by_list[CODE_LIST_TITLES[col.codes]] == col.choices()
    table_aliases = reference.aliases()
    for col in COLUMNS[table]:
        if col.codes:
            extra = {s for v in table_aliases["lists"].get(col.codes, {}).values() for s in v}
            extra |= {s for v in table_aliases["columns"].get(col.key, {}).values() for s in v}
            assert not extra & set(by_list[CODE_LIST_TITLES[col.codes]]), col.key
