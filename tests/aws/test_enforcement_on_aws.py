"""Enforcement follow-up on the AWS backend (docs/rules.md §15): a 责令限期改正 recorded through the API reaches the
unit's filer through SES and SNS, the unit stays on the list after it files (read from DynamoDB's enforcement
listing) until its reviewer records 已改正; a 太原市 department account reads it, read-only."""
import datetime as dt

from chalicelib.domain.model import Role
from tests import factories
from tests.aws.test_reminders_on_aws import file_2025
from tests.aws_emulator import sent_messages

PASSWORD = "Review-Passw0rd"


def test_an_order_is_sent_and_kept_on_the_list_until_corrected(aws_app, clock):
    api, c, aws = aws_app
    c.accounts.create_reviewer("xiaodian", PASSWORD, "140105", "小店区审核员")
    c.accounts.create_reviewer("ty-jiancha", PASSWORD, "140100", "太原监察", role=Role.DATA_SHARING)
    for serial in (1, 2):
        assert api.call("POST", "/employers/register",
                        factories.registration(serial, filer_mobile=f"1390000000{serial}"))[0] == 201
    clock.current = dt.datetime(2026, 7, 9, 1, 0, tzinfo=dt.timezone.utc)
    before = sent_messages(aws.endpoint)
    reviewer = api.login("xiaodian", PASSWORD)
    status, record = api.call("POST", f"/overdue/{factories.uscc(2)}/enforcement", {
        "year": 2025, "step": "order", "notice_number": "令7号", "notice_date": "2026-07-09",
        "deadline": "2026-07-20"}, reviewer)
    assert status == 200 and record["stage"] == "ordered"
    sent = sent_messages(aws.endpoint)
    assert [m["subject"] for m in sent.emails[len(before.emails):]] == [
        "【责令限期改正】请于2026年7月20日前完成2025年度劳动用工备案"]
    assert [m["to"] for m in sent.sms[len(before.sms):]] == ["+8613900000002"]

    file_2025(api, 2)
    reviewer = api.login("xiaodian", PASSWORD)
    listed = api.call("GET", "/overdue?year=2025", token=reviewer)[1]["items"]
    assert [(i["uscc"], i["filing_status_label"]) for i in listed] == [(factories.uscc(1), "未填报"),
                                                                      (factories.uscc(2), "已提交，待审核")]
    assert listed[1]["enforcement"]["may_correct"] is True
    department = api.login("ty-jiancha", PASSWORD)
    assert [i["uscc"] for i in api.call("GET", "/overdue?year=2025&step=ordered", token=department)[1]["items"]] == [
        factories.uscc(2)]
    assert api.call("POST", f"/overdue/{factories.uscc(2)}/enforcement", {"year": 2025, "step": "correct"},
                    department)[0] == 403
    assert api.call("POST", f"/overdue/{factories.uscc(2)}/enforcement", {"year": 2025, "step": "correct"},
                    reviewer)[0] == 200
    assert [i["uscc"] for i in api.call("GET", "/overdue?year=2025", token=reviewer)[1]["items"]] == [
        factories.uscc(1)]
