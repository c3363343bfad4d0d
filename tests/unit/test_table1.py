"""表一 (docs/rules.md §5): every field and check, each with a failing and a passing case."""
import datetime as dt

import pytest

from chalicelib.domain.model import Unit
from chalicelib.domain.tables import TABLE1, TABLE1_UNIT, clean_table1, signing_rate, table1_defaults
from tests import factories

UNIT = Unit(**{k: v for k, v in factories.registration().items() if k != "password"}, authority_code="140105",
            registered_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
DEFAULTS = table1_defaults(UNIT)


def clean(**over):
    return clean_table1(factories.table1(10, **over), DEFAULTS)


def columns(errors):
    return {e["column"] for e in errors}


def only(errors, column):
    assert [e["column"] for e in errors] == [column], errors
    return errors[0]["message"]


def test_valid_table1_and_signing_rate():
    values, errors = clean(contracts_signed=8, signed_fixed_lt3=8)
    assert errors == [] and signing_rate(values) == 0.8
    assert signing_rate({**values, "contracts_due": 0}) is None


def test_every_spec_field_is_a_column():
    titles = [c.title for c in TABLE1]
    for title in ("单位名称", "统一社会信用代码", "单位类型", "经济类型", "所属行业门类", "所属行业大类", "隶属关系",
                  "是否外商投资", "是否劳务派遣机构", "注册地行政区划", "注册地址", "经营地址", "法定代表人", "联系人",
                  "联系电话", "在册职工人数", "其中男", "其中女", "在岗人数", "不在岗人数", "农民工人数",
                  "劳务派遣用工人数", "非全日制用工人数", "应签劳动合同人数", "已签劳动合同人数",
                  "以完成一定工作任务为期限", "固定期限3年以下", "固定期限3年（含）至10年", "固定期限10年以上及无固定期限",
                  "年末参加养老保险人数", "年末参加医疗保险人数", "年末参加工伤保险人数", "年末参加失业保险人数",
                  "上年度职工平均工资（元）"):
        assert title in titles


def test_unit_fields_prefilled_from_registration():
    values, errors = clean_table1({k: v for k, v in factories.table1(10).items()
                                   if k in ("industry_division",) or k not in {c.key for c in TABLE1_UNIT}}, DEFAULTS)
    assert errors == []
    assert values["unit_name"] == UNIT.name and values["uscc"] == UNIT.uscc
    assert values["foreign_invested"] == "否" and values["registration_division"] == "140105"
    assert values["business_address"] == UNIT.registered_address and values["contact_name"] == UNIT.filer_name


def test_last_approved_table1_overrides_registration():
    defaults = table1_defaults(UNIT, {"business_address": "太原市小店区新址8号", "industry_division": "64",
                                      "employees": 99, "uscc": "X"})
    assert defaults["business_address"] == "太原市小店区新址8号" and defaults["industry_division"] == "64"
    assert "employees" not in defaults and defaults["uscc"] == UNIT.uscc


@pytest.mark.parametrize("key,title", [(c.key, c.title) for c in TABLE1_UNIT if c.key != "uscc"])
def test_unit_fields_are_required(key, title):
    message = only(clean(**{key: ""})[1], title)
    assert message in (f"请填写{title}", f"请选择{title}")


def test_uscc_cannot_be_changed_in_table1():
    assert "不能在表一中修改" in only(clean(uscc=factories.uscc(2))[1], "统一社会信用代码")
    assert clean(uscc=UNIT.uscc.lower())[1] == []


@pytest.mark.parametrize("key,bad,good", [
    ("unit_type", "商店", "企业"), ("economic_type", "混合", "私营"), ("affiliation", "区", "县"),
    ("industry", "Z", "I 信息传输、软件和信息技术服务业"), ("foreign_invested", "也许", False),
    ("labor_dispatch", "x", "是"),
])
def test_coded_fields_take_only_their_list(key, bad, good):
    assert "不在可选范围内" in only(clean(**{key: bad})[1], next(c.title for c in TABLE1 if c.key == key))
    values, errors = clean(**{key: good}, **({"industry_division": "65"} if key == "industry" else {}))
    assert errors == [] and values[key] == {"I 信息传输、软件和信息技术服务业": "I", False: "否"}.get(good, good)


def test_industry_division_must_belong_to_the_section():
    assert "不属于门类I" in only(clean(industry_division="13")[1], "所属行业大类")  # 13 农副食品加工业 is C
    values, errors = clean(industry="C", industry_division=13.0)  # a number cell from Excel
    assert errors == [] and values["industry_division"] == "13"
    assert clean(industry="A", industry_division="1")[0]["industry_division"] == "01"


def test_registration_division_must_be_a_shanxi_county():
    assert "不在可选范围内" in only(clean(registration_division="140100")[1], "注册地行政区划")  # a city
    assert "不在可选范围内" in only(clean(registration_division="110105")[1], "注册地行政区划")  # Beijing
    assert clean(registration_division="140106 太原市迎泽区")[0]["registration_division"] == "140106"


def test_contact_phone_digits_only():
    assert "联系电话" in only(clean(contact_phone="电话号码")[1], "联系电话")
    assert clean(contact_phone="０３５１－１２３４５６７")[0]["contact_phone"] == "0351-1234567"


def test_text_fields_limited_to_200_characters():
    assert "200" in only(clean(registered_address="路" * 201)[1], "注册地址")


def test_each_identity_fails_and_passes():
    cases = [  # (over, failing column) — SPEC §5's checks in order
        ({"male": 7}, "其中男"),  # 在册 = 男 + 女
        ({"on_post": 9}, "在岗人数"),  # 在册 = 在岗 + 不在岗
        ({"migrant_workers": 11}, "农民工人数"),  # 农民工 ≤ 在册
        ({"contracts_due": 11, "contracts_signed": 11, "signed_fixed_lt3": 11}, "应签劳动合同人数"),  # 应签 ≤ 在册
        ({"contracts_due": 5}, "已签劳动合同人数"),  # 已签 ≤ 应签
        ({"signed_fixed_lt3": 9}, "已签劳动合同人数"),  # 已签 = four buckets
        ({"insured_pension": 11}, "年末参加养老保险人数"),
        ({"insured_medical": 11}, "年末参加医疗保险人数"),
        ({"insured_injury": 11}, "年末参加工伤保险人数"),
        ({"insured_unemployment": 11}, "年末参加失业保险人数"),
    ]
    for over, column in cases:
        assert column in columns(clean(**over)[1]), over
    # the limits themselves pass
    assert clean(migrant_workers=10, male=10, female=0, on_post=0, off_post=10)[1] == []
    assert clean(contracts_due=10, contracts_signed=10, signed_task=4, signed_fixed_lt3=3, signed_fixed_3to10=2,
                 signed_fixed_ge10_open=1)[1] == []


def test_counts_are_non_negative_integers():
    errors = clean(part_time=-1, dispatched="三", average_wage="")[1]
    messages = {e["message"] for e in errors}
    assert {"非全日制用工人数不能为负数", "劳务派遣用工人数应为整数", "请填写上年度职工平均工资（元）"} <= messages
    assert clean(part_time=0, dispatched="２", average_wage=65000.0)[1] == []


def test_counts_are_bounded_and_absurd_ones_named():
    """A count of 10^30 once saved and then broke every approval (integer overflow in the counters)."""
    errors = clean_table1(factories.table1(10**30, part_time="9" * 5000, dispatched=1e30, average_wage=10_000_001),
                          DEFAULTS)[1]
    assert {(e["field"], e["message"]) for e in errors} >= {
        ("employees", "在册职工人数不能超过10000000"), ("part_time", "非全日制用工人数应为整数"),
        ("dispatched", "劳务派遣用工人数不能超过10000000"), ("average_wage", "上年度职工平均工资（元）不能超过10000000")}
    assert not [e for e in clean(part_time=10_000_000)[1] if e["field"] == "part_time"]


def test_unit_field_and_count_errors_are_reported_together():
    assert columns(clean(unit_type="", male=99)[1]) == {"单位类型", "其中男"}


def test_format_and_consistency_problems_come_in_one_round_with_the_numbers():
    """A mistyped count hides no other problem (issue 17 item 2): every rule whose counts are valid is checked."""
    errors = clean_table1(factories.table1(40, male=20, female=19, migrant_workers="很多", contracts_signed=41,
                                           insured_medical=45, industry="A"), DEFAULTS)[1]
    messages = {e["field"]: e["message"] for e in errors}
    assert messages["male"] == "在册职工人数40 ≠ 其中男20 + 其中女19（合计39），请核对"
    assert messages["migrant_workers"] == "农民工人数应为整数"
    assert "已签劳动合同人数41超过了应签劳动合同人数40" in [e["message"] for e in errors]
    assert messages["insured_medical"] == "年末参加医疗保险人数45超过了在册职工人数40"
    assert "industry_division" in messages  # 大类65 is not in 门类A
    assert [e["message"] for e in errors].count("已签劳动合同人数41 ≠ 以完成一定工作任务为期限0 + 固定期限3年以下40"
                                                " + 固定期限3年（含）至10年0 + 固定期限10年以上及无固定期限0（合计40），请核对") == 1
