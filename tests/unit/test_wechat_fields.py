"""A notification as a WeChat subscribe message (docs/wechat.md): each field within its type's limit, so WeChat does
not refuse it with 47003."""
from __future__ import annotations

import datetime as dt

from chalicelib.domain.wechat import WechatBinding, character_string, phrase, subscribe_message, thing

AT = dt.datetime(2026, 3, 2, 2, 30, tzinfo=dt.timezone.utc)  # 10:30 in Beijing


def test_a_rejection_becomes_a_review_result_with_every_field_cut_to_its_limit():
    reason = "表二第12行至第40行人员的劳动合同期限与表一填报的签订情况不一致，请核对"
    sub = subscribe_message("rejected", {"year": "2025", "kind": "年度备案", "receipt": "BA-140105-2025-000001",
                                         "reason": reason}, AT)
    assert sub.template == "review_result"
    assert sub.data == {"thing1": "2025年年度备案", "character_string2": "BA-140105-2025-000001",
                        "phrase3": "审核不通过", "thing4": reason[:19] + "…", "time5": "2026年3月2日 10:30"}
    assert len(sub.data["thing4"]) == 20


def test_a_reminder_becomes_a_deadline_reminder_and_other_messages_stay_sms():
    sub = subscribe_message("reminder", {"unit": "山西省太原市小店区某某某某某某建筑工程有限责任公司", "year": "2025",
                                         "when": "已逾期5天"}, AT)
    assert sub.template == "deadline_reminder" and len(sub.data["thing1"]) == 20
    assert sub.data["thing2"] == "2025年度劳动用工备案" and sub.data["thing3"] == "已逾期5天"
    assert subscribe_message("verification_code", {"code": "123456", "minutes": "10"}, AT) is None
    assert subscribe_message(None, None, AT) is None


def test_the_limits_of_the_field_types():
    assert thing("一 二\n三") == "一 二 三" and len(thing("字" * 30)) == 20
    assert character_string("回执BA-1 2" + "9" * 40) == "BA-1 2" + "9" * 26  # no Chinese, at most 32
    assert phrase("撤销 通过了吗ok") == "撤销通过了"


def test_an_acceptance_is_used_once():
    binding = WechatBinding(openid="o", username="u", bound_at=AT).accepting(["T", "T"])
    once = binding.using("T")
    assert once.accepted == {"T": 1} and once.version == binding.version + 1
    assert once.using("T").using("T") is None and binding.using("other") is None
    assert binding.refused("T").accepted == {"T": 0}
