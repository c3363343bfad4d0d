from chalicelib.domain.tables import clean_table1, signing_rate
from tests import factories


def columns(errors):
    return {e["column"] for e in errors}


def test_valid_table1_and_signing_rate():
    values, errors = clean_table1(factories.table1(10, contracts_signed=8, signed_fixed_lt3=8))
    assert errors == [] and signing_rate(values) == 0.8


def test_each_identity_is_checked():
    assert "其中男" in columns(clean_table1(factories.table1(10, male=7))[1])
    assert "在岗人数" in columns(clean_table1(factories.table1(10, on_post=9))[1])
    assert "农民工人数" in columns(clean_table1(factories.table1(10, migrant_workers=11))[1])
    assert "应签劳动合同人数" in columns(clean_table1(factories.table1(10, contracts_due=11))[1])
    assert "已签劳动合同人数" in columns(clean_table1(factories.table1(10, contracts_due=5))[1])
    assert "已签劳动合同人数" in columns(clean_table1(factories.table1(10, signed_fixed_lt3=9))[1])
    assert "年末参加医疗保险人数" in columns(clean_table1(factories.table1(10, insured_medical=11))[1])


def test_counts_are_non_negative_integers():
    errors = clean_table1(factories.table1(10, part_time=-1, dispatched="三", average_wage=""))[1]
    messages = {e["message"] for e in errors}
    assert {"非全日制用工人数不能为负数", "劳务派遣用工人数应为整数", "请填写上年度职工平均工资（元）"} <= messages
