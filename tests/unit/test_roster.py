"""表二/表三 row checks (docs/rules.md §5) and the Excel pitfalls of §6, as the filer sees them."""
import datetime as dt

import pytest

from chalicelib.domain.identifiers import id_check_char
from chalicelib.domain.roster import RowChecker, parse_date

END_2023 = dt.date(2023, 12, 31)


def rid(first17: str) -> str:
    return first17 + id_check_char(first17)


MAN = rid("14010519900101123")  # born 1990-01-01, 男
WOMAN = rid("14010519850315002")  # born 1985-03-15, 女


def person(**over) -> dict:
    row = {
        "seq": 1.0, "name": "张三", "id_type": "居民身份证", "id_number": MAN, "gender": "男",
        "birth_date": dt.date(1990, 1, 1), "hukou": "城镇", "education": "大学本科", "phone": "13800000000",
        "employment_form": "全日制", "post_category": "其他", "special_job": "否", "workplace": "太原市小店区",
        "hire_date": dt.date(2015, 3, 1), "contract_term": "固定期限", "contract_start": dt.date(2021, 3, 1),
        "contract_end": dt.date(2024, 2, 29), "insured": "是",
    }
    row.update(over)
    return row


def ended(**over) -> dict:
    row = {
        "seq": 1, "name": "李四", "id_type": "居民身份证", "id_number": WOMAN, "gender": "女",
        "contract_start": dt.date(2020, 7, 1), "contract_end": dt.date(2023, 6, 30),
        "ended_on": dt.date(2023, 6, 30), "category": "终止", "reason_code": "T02",
        "compensated": "否", "compensation": None, "years_of_service": 3.0,
    }
    row.update(over)
    return row


def check2(row_no=5, **over):
    return RowChecker("table2", period_end=END_2023).check(row_no, person(**over))


def check3(row_no=5, **over):
    return RowChecker("table3", period_end=END_2023).check(row_no, ended(**over))


def only(errors, column):
    """The one problem, which must be on `column` (the user reads row + column + message)."""
    assert len(errors) == 1, errors
    (e,) = errors
    assert (e["row"], e["column"]) == (5, column), e
    return e["message"]


# -- 表二 --------------------------------------------------------------------------------------
def test_valid_row_is_cleaned():
    clean, errors = check2(name=" 张三\u3000", id_number=MAN.lower().replace("8", "８"), contract_start=44256.0)
    assert errors == []
    assert clean["name"] == "张三"
    assert clean["id_number"] == MAN
    assert clean["seq"] == 1
    assert clean["birth_date"] == "1990-01-01"
    assert clean["contract_start"] == "2021-03-01"  # Excel serial 44256


@pytest.mark.parametrize("key,title", [("name", "姓名"), ("id_number", "证件号码"), ("hire_date", "入职日期"),
                                       ("education", "文化程度"), ("insured", "是否参加社会保险")])
def test_required_fields(key, title):
    assert only(check2(**{key: "  "})[1], title) == f"请填写{title}"


def test_optional_fields_may_be_empty():
    assert check2(seq=None, phone=None)[1] == []


def test_code_outside_list_names_the_allowed_values():
    message = only(check2(hukou="外籍")[1], "户口性质")
    assert message == "户口性质应为以下之一：城镇、农村（填写的是“外籍”）"


def test_code_tolerates_spaces():
    clean, errors = check2(employment_form=" 全日制 ", hukou="城 镇")
    assert errors == [] and clean["hukou"] == "城镇"


def test_bad_check_digit():
    assert "校验位" in only(check2(id_number=MAN[:17] + ("1" if MAN[17] != "1" else "2"))[1], "证件号码")


def test_fifteen_digit_id_refused():
    assert "18位" in only(check2(id_number="140105900101123")[1], "证件号码")


@pytest.mark.parametrize("value", [1.40105199001011e17, "1.40105E+17", "1.40105199001011E+17"])
def test_id_stored_as_number(value):
    assert "被Excel存成了数字" in only(check2(id_number=value)[1], "证件号码")


def test_other_id_types_skip_resident_checks():
    assert check2(id_type="护照", id_number="E12345678", gender="女")[1] == []
    assert "5至30位" in only(check2(id_type="护照", id_number="E1")[1], "证件号码")


def test_gender_must_match_id():
    assert "证件号码显示为男" in only(check2(gender="女")[1], "性别")


def test_birth_date_must_match_id():
    assert "1990-01-01" in only(check2(birth_date="1990-01-02")[1], "出生日期")


def test_birth_date_contradicting_id_is_one_problem():
    # the age check goes by the ID, so a typo in 出生日期 is not also reported as child labour
    assert "1990-01-01" in only(check2(birth_date="2010-01-01")[1], "出生日期")


def test_age_at_least_16_on_hire_date():
    assert "未满16周岁" in only(check2(hire_date="2005-12-31")[1], "入职日期")
    assert check2(hire_date="2006-01-01")[1] == []  # the 16th birthday


def test_fixed_term_needs_end_after_start():
    assert "应填写合同终止日期" in only(check2(contract_end=None)[1], "合同终止日期")
    assert "晚于合同起始日期" in only(check2(contract_end=dt.date(2021, 3, 1))[1], "合同终止日期")


def test_open_ended_has_no_end():
    assert "不应填写" in only(check2(contract_term="无固定期限")[1], "合同终止日期")
    assert check2(contract_term="无固定期限", contract_end=None)[1] == []


def test_task_contract_end_optional():
    assert check2(contract_term="以完成一定工作任务为期限", contract_end=None)[1] == []


@pytest.mark.parametrize("key,title", [("hire_date", "入职日期"), ("contract_start", "合同起始日期")])
def test_dates_not_after_period_end(key, title):
    assert "2023-12-31" in only(check2(**{key: "2024-01-01", "contract_end": "2025-01-01"})[1], title)
    assert check2(**{key: "2023-12-31", "contract_end": "2025-01-01"})[1] == []


def test_duplicate_id_names_the_first_row():
    checker = RowChecker("table2", period_end=END_2023)
    assert checker.check(3, person())[1] == []
    assert checker.check(4, person(id_number=WOMAN, gender="女", birth_date="1985-03-15"))[1] == []
    _, errors = checker.check(9, person(id_number=MAN.lower()))
    assert errors == [{"row": 9, "column": "证件号码", "field": "id_number", "message": "与第3行证件号码重复"}]


def test_phone_as_number_and_garbage():
    clean, errors = check2(phone=13800000000.0)
    assert errors == [] and clean["phone"] == "13800000000"
    assert "联系电话" in only(check2(phone="1.38E+10")[1], "联系电话")


def test_unreadable_date_message():
    message = only(check2(hire_date="去年三月")[1], "入职日期")
    assert "去年三月" in message and "2023-01-01" in message


def test_several_problems_in_one_row():
    _, errors = check2(name=None, hukou="x", hire_date="2030-01-01", contract_end="2035-01-01")
    assert {e["column"] for e in errors} == {"姓名", "户口性质", "入职日期"}


# -- 表三 --------------------------------------------------------------------------------------
def test_table3_valid_and_cleaned():
    clean, errors = check3(reason_code="T02 合同期满，单位维持或提高条件而劳动者不续订", compensation="0")
    assert errors == []
    assert clean["reason_code"] == "T02" and clean["compensation"] == "0.00" and clean["years_of_service"] == 3


def test_table3_required_and_code():
    assert only(check3(ended_on=None)[1], "终止或解除日期") == "请填写终止或解除日期"
    assert "T01" in only(check3(reason_code="X99")[1], "原因代码")


def test_table3_category_follows_code_letter():
    assert "类别应为“解除”" in only(check3(reason_code="R02")[1], "类别")
    assert check3(reason_code="R02", category="解除")[1] == []


def test_table3_compensation_follows_reason():
    msg = only(check3(reason_code="T01", compensation=5000)[1], "是否支付经济补偿")
    assert "应为“是”" in msg
    assert check3(reason_code="T01", compensated="是", compensation=5000.5)[1] == []
    assert "应为“否”" in only(check3(reason_code="R06", category="解除", compensated="是", compensation=1)[1],
                             "是否支付经济补偿")


def test_table3_per_law_allows_either():
    assert check3(reason_code="T09")[1] == []
    assert check3(reason_code="T09", compensated="是", compensation="1,200.00元")[1] == []


def test_table3_paid_needs_amount_and_amount_not_negative():
    assert "金额" in only(check3(reason_code="T01", compensated="是")[1], "经济补偿金额（元）")
    assert "负数" in only(check3(compensation=-1.0)[1], "经济补偿金额（元）")


def test_table3_date_within_period():
    assert "2023-01-01至2023-12-31" in only(check3(ended_on="2022-12-31", contract_end="2022-12-31")[1],
                                          "终止或解除日期")
    assert "2023-01-01至2023-12-31" in only(check3(ended_on="2024-01-01")[1], "终止或解除日期")


def test_table3_same_person_twice_is_allowed():
    checker = RowChecker("table3", period_end=END_2023)
    assert checker.check(2, ended())[1] == [] and checker.check(3, ended())[1] == []


def test_table3_years_must_be_whole_number():
    assert "整数" in only(check3(years_of_service="三年")[1], "本单位工作年限")


def test_numbers_and_money_are_bounded():
    assert only(check3(years_of_service=10**30)[1], "本单位工作年限") == "本单位工作年限不能超过10000000"
    assert "整数" in only(check3(years_of_service="9" * 5000)[1], "本单位工作年限")
    paid = {"reason_code": "T01", "compensated": "是"}
    assert only(check3(**paid, compensation="1000000000.01")[1], "经济补偿金额（元）") == \
        "经济补偿金额（元）不能超过1000000000元"
    assert "金额数字" in only(check3(**paid, compensation="1e100000")[1], "经济补偿金额（元）") or \
        "不能超过" in only(check3(**paid, compensation="1e100000")[1], "经济补偿金额（元）")
    assert check3(**paid, compensation="1000000000")[1] == []


# -- dates (SPEC §6) ----------------------------------------------------------------------------
@pytest.mark.parametrize("value", [
    dt.date(2023, 1, 1), dt.datetime(2023, 1, 1, 8, 30), "2023-01-01", "2023/1/1", "2023.1.1", "2023年1月1日",
    "20230101", 20230101.0, "２０２３－０１－０１", "２０２３年１月１日", " 2023-01-01 00:00:00 ", 44927, 44927.75,
])
def test_parse_date_forms(value):
    assert parse_date(value) == dt.date(2023, 1, 1)


def test_parse_date_excel_serial_edges():
    assert parse_date(1) == dt.date(1900, 1, 1)
    assert parse_date(61) == dt.date(1900, 3, 1)  # after Excel's fictitious 1900-02-29


@pytest.mark.parametrize("value", ["2023-02-30", "2023-1", "abc", "45000", 0, 60, 1e9, True, "1800-01-01"])
def test_parse_date_rejects(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_parse_date_empty():
    assert parse_date(None) is None and parse_date("  ") is None


@pytest.mark.parametrize("odd", [
    {"name": "张\u200b三"}, {"name": " 李四 "}, {"name": "王" * 201}, {"name": "   "}, {"name": 12.0},
    {"id_number": "1.40105E+17"}, {"id_number": "1e5ABCD"}, {"id_number": rid("14010519900101999").lower()},
    {"id_number": " " + rid("14010519900101999")}, {"id_type": "护照", "id_number": "e12345"},
    {"phone": "138 0000 0000"}, {"phone": "1380"}, {"phone": None}, {"phone": 13800000000.0},
    {"seq": 3.5}, {"seq": -1.0}, {"seq": "7"}, {"seq": None}])
def test_an_odd_cell_among_a_thousand_plain_ones_is_checked_as_when_alone(odd):
    """序号, names, ID numbers and phones of a big roster are checked a column at a time while every cell of the
    batch is plain: one odd cell in a batch gets the clean value and the messages it gets checked alone."""
    def plain(n):
        born = dt.date(1980, 1, 1) + dt.timedelta(days=n)
        number = rid(f"140105{born:%Y%m%d}{n % 1000:03d}")
        return person(seq=float(n), name=f"职工{n}", phone=f"138{n:08d}", id_number=number, birth_date=born,
                      gender="男" if int(number[16]) % 2 else "女")
    rows = [(n, plain(n)) for n in range(2, 1300)]
    rows[1200] = (1202, {**rows[1200][1], **odd})
    found = list(RowChecker("table2", period_end=END_2023).checked(
        (n, [row[c] for c in RowChecker("table2", period_end=END_2023).keys]) for n, row in rows))
    alone = RowChecker("table2", period_end=END_2023).check(1202, rows[1200][1])
    assert found[1200] == (1202, *alone)
    assert all(not problems for n, _, problems in found if n != 1202)
