"""The 填报助手's step engine and FAQ matcher (domain/assistant.py, domain/faq.py), pure: one question at a time,
answers parsed with the code lists' everyday spellings and checked by the forms' own rules (a Check handed in),
上一步 / 修改… / 重新开始, questions answered from the FAQ or handed to a person, personal data masked in the
transcript, the password never kept, and each phase ending with the Action the service carries out."""
from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain import assistant as a
from chalicelib.domain import faq
from chalicelib.domain.tables import clean_table1
from tests import factories

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)
DEFAULTS = {"unit_name": "山西演示科技有限公司1", "uscc": factories.uscc(1), "unit_type": "企业",
            "economic_type": "私营", "industry": "I", "industry_division": None, "affiliation": "其他",
            "foreign_invested": "否", "labor_dispatch": "否", "registration_division": "140105",
            "registered_address": "太原市小店区长治路1号", "business_address": "太原市小店区长治路1号",
            "legal_representative": "张三", "contact_name": "李四", "contact_phone": "13800000001"}


def no_problems(phase, answers, c):
    return []


def table1_rules(phase, answers, c):
    return a.table1_problems(answers, c.context["defaults"])


def talk(c: a.Conversation, *texts: str, check=no_problems) -> a.Outcome:
    out = a.Outcome(c, [])
    for t in texts:
        out = a.hear(out.conversation, t, NOW, check)
    return out


def registering() -> a.Conversation:
    return talk(a.start("c1", None, NOW).conversation, "注册新单位").conversation


def filling_table1() -> a.Conversation:
    c = a.start("c2", "u1", NOW, filer_name="李四").conversation
    out = a.hear(c, "填报表一", NOW, no_problems)
    assert out.action == a.Action("start_table1")
    return a.settle(out.conversation, out.action, a.Result(True, {
        "filing_id": "f1", "year": 2025, "defaults": DEFAULTS, "authority_code": "140105"}), NOW).conversation


def test_registration_asks_one_question_at_a_time_and_names_the_bureau_after_the_place():
    out = talk(registering(), factories.uscc(1), "山西演示科技有限公司1", "2015年6月1日", "企业", "私营",
               "软件", "其他", "N", "否")
    assert out.said[-1].text.startswith("工商注册地在哪个县") and out.said[-1].link == "/register"
    assert out.conversation.answers["industry"] == "I" and out.conversation.answers["foreign_invested"] is False
    assert out.conversation.answers["founded_on"] == "2015-06-01"
    out = talk(out.conversation, "小店")
    assert out.said[0].text.startswith("您的备案审核机关将是：太原市小店区人力资源和社会保障局")
    assert out.said[-1].text == "注册地址是？"
    assert out.conversation.context["authority"] == "140105"


def test_a_foreign_invested_unit_is_told_it_files_with_the_province_and_again_when_that_changes():
    out = talk(registering(), factories.uscc(1), "某公司", "2015-06-01", "企业", "私营", "I", "其他", "是", "否", "小店区")
    assert "山西省人力资源和社会保障厅" in out.said[0].text and "外商投资" in out.said[0].text
    out = talk(out.conversation, "修改是否外商投资", "否")
    assert out.said[0].text.startswith("您的备案审核机关将是：太原市小店区")


def test_an_ambiguous_or_unknown_choice_is_asked_again_with_its_candidates():
    c = talk(registering(), factories.uscc(1), "某公司", "2015-06-01", "企业", "私营").conversation
    out = talk(c, "服务")
    assert "对应" in out.said[0].text and len(out.conversation.quick) > 2 and out.conversation.step == "industry"
    out = talk(c, "火星")
    assert "没有“火星”" in out.said[0].text


def test_the_forms_rules_refuse_an_answer_and_the_question_is_asked_again():
    def uscc_rule(phase, answers, c):
        return [{"field": "uscc", "message": "统一社会信用代码校验位不正确"}] if answers.get("uscc") == "BAD" else []
    out = talk(registering(), "bad", check=uscc_rule)
    assert [t.text for t in out.said][0] == "统一社会信用代码校验位不正确"
    assert out.conversation.step == "uscc" and "uscc" not in out.conversation.answers


def test_back_edit_and_restart():
    c = talk(registering(), factories.uscc(1), "某公司").conversation
    out = talk(c, "上一步")
    assert out.conversation.step == "name" and "name" not in out.conversation.answers
    out = talk(c, "修改信用代码")
    assert f"原来填的是：{factories.uscc(1)}" in out.said[0].text and out.conversation.step == "uscc"
    out = talk(out.conversation, factories.uscc(2))
    assert out.conversation.step == "founded_on"  # back to the first question not answered
    out = talk(c, "重新开始")
    assert out.conversation.phase == a.MENU and out.conversation.answers == {}


def test_the_mobile_asks_for_a_code_and_the_password_ends_the_phase_without_being_kept():
    c = registering()
    c.answers.update({s.key: "x" for s in a.REGISTER_STEPS[:-3]})
    c.step = "filer_mobile"
    out = talk(c, "13800000001")
    assert out.action == a.Action("send_code", {"mobile": "13800000001"})
    assert out.conversation.transcript[-1].text == "138****0001"
    after = a.settle(out.conversation, out.action, a.Result(True), NOW)
    assert after.said[0].text == "验证码已发送到138****0001。" and after.conversation.step == "verification_code"
    out = talk(after.conversation, "123456", "Passw0rd!26")
    assert out.action is not None and out.action.name == "register" and out.action.data["password"] == "Passw0rd!26"
    assert "Passw0rd!26" not in out.conversation.model_dump_json() and "123456" not in str(out.conversation.transcript)
    refused = a.settle(out.conversation, out.action, a.Result(False, message="注册信息有误", problems=[
        {"field": "verification_code", "message": "验证码不正确，还可再试4次"}]), NOW)
    assert refused.conversation.step == "verification_code" and "还可再试4次" in refused.said[0].text
    done = a.settle(out.conversation, out.action, a.Result(True, {"unit_name": "某公司", "authority_name": "某局",
                                                                  "phone": "12333"}), NOW)
    assert done.conversation.phase == a.REGISTERED and done.conversation.answers == {}  # personal data dropped
    assert done.said[0].link == "/login?next=/assistant"


def test_table1_offers_the_divisions_of_the_units_section_and_checks_the_numbers_as_they_come():
    c = filling_table1()
    assert "65 软件和信息技术服务业" in c.quick and not any(q.startswith("01 ") for q in c.quick)
    out = talk(c, "65", "同注册地址", "李四", "0351-1234567", "40", "20", check=table1_rules)
    assert out.conversation.answers["business_address"] == DEFAULTS["registered_address"]
    assert out.conversation.quick[0] == "20"  # the rest of 在册
    out = talk(out.conversation, "19", check=table1_rules)
    assert out.said[0].text == "在册职工人数40 ≠ 其中男20 + 其中女19（合计39），请核对"
    assert "female" not in out.conversation.answers
    out = talk(out.conversation, "二十", check=table1_rules)
    assert "整数" in out.said[0].text


def test_table1_problems_are_those_of_the_form_on_the_answers_given():
    answers = {"industry_division": "65", "employees": 10, "male": 6, "female": 4, "on_post": 10, "off_post": 0,
               "insured_pension": 11}
    assert [p["field"] for p in a.table1_problems(answers, DEFAULTS)] == ["insured_pension"]
    full = {**factories.table1(3)}
    _, errors = clean_table1({**DEFAULTS, **full}, DEFAULTS)
    assert errors == [] and a.table1_problems(full, DEFAULTS) == []
    assert [p["field"] for p in a.table1_problems({"industry_division": "01"}, DEFAULTS)] == ["industry_division"]


def test_a_zero_report_skips_to_the_wage_and_saves_zeros():
    out = talk(filling_table1(), "65", "同注册地址", "李四", "0351-1234567", "0", check=table1_rules)
    assert "零申报" in out.said[0].text and out.conversation.step == "average_wage"
    out = talk(out.conversation, "0", check=table1_rules)
    assert out.action is not None and out.action.name == "save_table1"
    assert out.action.data["table1"]["contracts_signed"] == 0 and out.action.data["filing_id"] == "f1"


def test_a_question_is_answered_and_the_step_asked_again():
    c = talk(registering(), factories.uscc(1)).conversation
    out = talk(c, "没有员工怎么备案？")
    assert "零申报" in out.said[0].text and out.said[1].text.startswith("单位名称是？")
    assert out.conversation.step == "name" and "name" not in out.conversation.answers
    out = talk(c, "明天下雨吗？")
    assert out.said[0].text.startswith("这个问题我还答不上来。转人工：电话0351-3046820")


def test_id_numbers_typed_into_the_chat_are_masked_in_the_transcript():
    out = talk(a.start("c3", None, NOW).conversation, "11010519491231002X 这个人怎么报？")
    assert out.conversation.transcript[1].text.startswith("110105********002X")


@pytest.mark.parametrize("question, entry", [
    ("什么时候截止？", "deadline"), ("外资企业到哪备案", "foreign"), ("忘了密码", "password"),
    ("被退回了怎么办", "rejected"), ("合同3年算哪一类", "buckets"), ("收不到短信", "code"),
    ("以前在省里报过还要注册吗", "old-system"), ("员工离职了要报什么表", "table3-alone"),
])
def test_the_faq_matches_everyday_words(question, entry):
    assert faq.match(question).id == entry


def test_the_faq_has_enough_answers_and_hands_off_what_it_cannot_answer():
    assert len(faq.entries()) >= 20 and len({e.id for e in faq.entries()}) == len(faq.entries())
    assert faq.match("今天天气怎么样") is None
    assert "0351-3046820" in faq.handoff(None) and "0351-3046820" in faq.handoff("140105")  # none published


def test_a_conversation_expires_30_days_after_its_last_message():
    c = a.start("c4", None, NOW).conversation
    later = NOW + dt.timedelta(days=20)
    c = a.hear(c, "注册新单位", later, no_problems).conversation
    assert not c.expired(later + dt.timedelta(days=29)) and c.expired(later + dt.timedelta(days=30))


def test_table1_needs_a_signed_in_filer():
    out = talk(a.start("c5", None, NOW).conversation, "填报表一")
    assert out.action is None and "先登录" in out.said[0].text and out.said[0].link == "/login?next=/assistant"


# 表二/表三 rows by chat ---------------------------------------------------------------------------------------
def row_rules(phase, answers, c):
    from chalicelib.domain.roster import RowChecker
    from chalicelib.domain.row_versions import online_table3
    table = "table3" if phase == a.TABLE3_ROW else "table2"
    raw = online_table3(answers) if table == "table3" else answers
    return RowChecker(table, period_end=dt.date(2025, 12, 31)).check(0, raw)[1]


def table1_saved(tables=("table1", "table2", "table3")) -> a.Conversation:
    c = filling_table1()
    c.context.update(tables=list(tables), period_end="2025-12-31")
    c = c.model_copy(update={"answers": {"employees": 2, "business_address": "太原市小店区长治路1号"}})
    return a.settle(c, a.Action("save_table1"), a.Result(True, {"filing_id": "f1"}), NOW).conversation


def test_after_table1_a_worker_is_added_field_by_field_with_gender_and_birth_from_the_id():
    c = table1_saved()
    assert c.phase == a.ROWS and c.quick[:3] == [a.ADD_TABLE2, a.ADD_TABLE3, a.SUBMIT]
    number = factories.resident_id("140105", "19900101", 1, True)
    out = talk(c, a.ADD_TABLE2, "王五")
    assert out.said[-1].text == "证件类型是？" and out.conversation.quick[0] == "居民身份证"
    assert out.said[-1].link == "/employer/filings/f1/rows/table2/new"  # the ordinary row form
    out = talk(out.conversation, "居民身份证", number, check=row_rules)
    assert out.said[0].text == "按证件号码：性别男，出生日期1990-01-01，已填好。"
    assert out.said[-1].text.startswith("入职日期是？")  # 性别 and 出生日期 not asked
    out = talk(out.conversation, "2024-03-01", "全日制", "固定期限", check=row_rules)
    assert out.conversation.quick[0] == "同入职日期2024-03-01"
    out = talk(out.conversation, "同入职日期2024-03-01", "2024-01-01", check=row_rules)
    assert out.said[0].text == "合同终止日期应晚于合同起始日期"  # the upload's rule, the same question again
    out = talk(out.conversation, "2027-02-28", "其他", "本科", "城镇", "否", "同经营地址", "是", check=row_rules)
    assert out.action.name == "add_row"
    fields = out.action.data["fields"]
    assert out.action.data["table"] == "table2" and fields["gender"] == "男" and fields["birth_date"] == "1990-01-01"
    assert fields["contract_start"] == "2024-03-01" and fields["workplace"] == "太原市小店区长治路1号"
    assert fields["education"] == "大学本科" and not row_rules(a.TABLE2_ROW, fields, out.conversation)
    assert all(number not in t.text for t in out.conversation.transcript)  # §10: masked in the transcript
    done = a.settle(out.conversation, out.action, a.Result(True, {"filing_id": "f1", "rows": 1}), NOW)
    assert "已将王五（" in done.said[-1].text and "表二现有1行" in done.said[-1].text
    assert number not in done.said[-1].text and done.conversation.answers == {}
    assert done.conversation.quick[:2] == [a.ADD_ANOTHER, a.ADD_TABLE2]
    assert talk(done.conversation, a.ADD_ANOTHER).conversation.phase == a.TABLE2_ROW


def test_a_refused_row_sends_the_chat_back_to_the_named_field():
    c = table1_saved()
    number = factories.resident_id("140105", "19900101", 1, True)
    out = talk(c, a.ADD_TABLE2, "王五", "居民身份证", number, "2024-03-01", "全日制", "无固定期限", "2024-03-01",
               "其他", "本科", "城镇", "否", "太原", "是")
    assert out.action.name == "add_row" and out.action.data["fields"]["contract_term"] == "无固定期限"
    refused = a.settle(out.conversation, out.action, a.Result(False, message="表二这一行有1处需要修改", problems=[
        {"field": "id_number", "message": "证件号码1401**********已在名册中（张三）"}]), NOW)
    assert refused.said[0].text.startswith("证件号码1401") and refused.said[-1].text.startswith("证件号码是？")
    assert refused.conversation.phase == a.TABLE2_ROW and refused.conversation.answers["name"] == "王五"


def test_a_leaver_s_reason_code_fills_category_and_compensation():
    c = table1_saved()
    number = factories.resident_id("140105", "19900101", 2, False)
    out = talk(c, a.ADD_TABLE3, "赵六", "居民身份证", number, "2020-03-01", "无", "2025-09-30", check=row_rules)
    assert "T01 合同期满，单位不续订或降低条件续订" in out.conversation.quick
    out = talk(out.conversation, "R03", check=row_rules)
    assert out.said[0].text == "原因代码R03属于解除情形，依法无需支付经济补偿，已填好。"
    assert out.said[-1].text.startswith("在本单位工作了几年")  # 是否支付 and the amount not asked
    out = talk(out.conversation, "5", check=row_rules)
    fields = out.action.data["fields"]
    assert out.action.data["table"] == "table3" and fields["category"] == "解除" and fields["compensated"] == "否"
    assert fields["gender"] == "女" and fields["contract_end"] is None and not row_rules(a.TABLE3_ROW, fields, c)


def test_a_zero_report_or_a_filing_without_table3_offers_only_its_tables():
    c = table1_saved(tables=("table1", "table2"))
    assert a.ADD_TABLE3 not in c.quick
    assert talk(c, a.ADD_TABLE3).conversation.phase == a.ROWS
