"""The Alibaba Cloud and Tencent Cloud senders against fakes that check requests as the providers do: the
signature recomputed from what arrived, the approved signature name and templates, the number's format."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from chalicelib.adapters.sms.aliyun import AliyunSms
from chalicelib.adapters.sms.base import SmsProviderError, Template
from chalicelib.adapters.sms.tencent import TencentSms
from chalicelib.domain.model import Message, MessageKind
from chalicelib.ports import Undeliverable
from tests.senders.conftest import APP_ID, SIGN
from tests.senders.fake_providers import KEY_ID, SECRET

ALIYUN_TEMPLATES = {"review_request": Template("SMS_100000001"), "approved": Template("SMS_100000002"),
                    "rejected": Template("SMS_100000003", ("year", "kind", "receipt", "reason")),
                    "revoked": Template("SMS_100000005")}
TENCENT_TEMPLATES = {"review_request": Template("2000001", ("unit", "year", "kind")), "approved": Template("2000002"),
                     "rejected": Template("2000003", ("reason", "year", "kind", "receipt")),  # the template's own order
                     "revoked": Template("2000005")}
NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)


def sms(template: str | None, params: dict[str, str] | None, to: str = "13800138000",
        kind: MessageKind = MessageKind.DECISION) -> Message:
    return Message(id=uuid.uuid4().hex, channel="sms", to=to, subject="s", body="【劳动用工备案】全文", created_at=NOW,
                   kind=kind, template=template, params=params)


def aliyun_sender(fake, secret: str = SECRET, key_id: str = KEY_ID, **kw) -> AliyunSms:
    return AliyunSms(key_id, secret, sign_name=SIGN, templates=ALIYUN_TEMPLATES, endpoint=fake.url, **kw)


def tencent_sender(fake, secret: str = SECRET, key_id: str = KEY_ID, **kw) -> TencentSms:
    return TencentSms(key_id, secret, app_id=APP_ID, sign_name=SIGN, templates=TENCENT_TEMPLATES,
                      endpoint=fake.url, **kw)


REVIEW = sms("review_request", {"unit": "太原市示例建筑工程有限公司", "year": "2025", "kind": "年度备案"},
             to="+86 138-0013-8000", kind=MessageKind.REVIEW_REQUEST)
# every character class the percent-encoding treats differently: space, * ~ + & = % / quotes, CJK, full width
AWKWARD = sms("rejected", {"year": "2025", "kind": "年度备案", "receipt": "BA-140105-2025-000007",
                           "reason": "表二第3行 * ~ + & = % / \"引号\" 【签名】{变量}\n第二行（全角）"})


# Alibaba Cloud

def test_aliyun_sends_the_template_its_variables_and_the_plain_mainland_number(aliyun):
    aliyun_sender(aliyun).send(REVIEW)
    [got] = aliyun.received
    assert got["PhoneNumbers"] == "13800138000" and got["SignName"] == SIGN
    assert got["TemplateCode"] == "SMS_100000001"
    assert got["TemplateParam"] == {"unit": "太原市示例建筑工程有限公司", "year": "2025", "kind": "年度备案"}
    assert (got["RegionId"], got["AccessKeyId"]) == ("cn-hangzhou", KEY_ID)


def test_aliyun_signature_holds_for_awkward_characters(aliyun):
    aliyun_sender(aliyun, param_max_chars=60).send(AWKWARD)
    [got] = aliyun.received
    # brackets and braces are taken out (the signature's 【】, template braces), lines joined
    assert got["TemplateParam"]["reason"] == "表二第3行 * ~ + & = % / \"引号\" 签名变量 第二行（全角）"


def test_aliyun_values_are_cut_to_what_the_templates_allow(aliyun):
    aliyun_sender(aliyun, param_max_chars=5).send(AWKWARD)
    assert aliyun.received[0]["TemplateParam"]["reason"] == "表二第3行"


def test_aliyun_refusal_is_a_provider_error_with_its_code(aliyun):
    aliyun.fail_next.append(("isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控Permits:10"))
    with pytest.raises(SmsProviderError, match="isv.BUSINESS_LIMIT_CONTROL") as refused:
        aliyun_sender(aliyun).send(REVIEW)
    assert refused.value.code == "isv.BUSINESS_LIMIT_CONTROL" and aliyun.received == []
    aliyun_sender(aliyun).send(REVIEW)  # the next attempt goes through
    assert len(aliyun.received) == 1


def test_aliyun_bad_credentials_meet_the_signature_check(aliyun):
    with pytest.raises(SmsProviderError) as refused:
        aliyun_sender(aliyun, secret="not-the-secret").send(REVIEW)
    assert refused.value.code == "SignatureDoesNotMatch"
    with pytest.raises(SmsProviderError) as refused:
        aliyun_sender(aliyun, key_id="LTAI-unknown").send(REVIEW)
    assert refused.value.code == "InvalidAccessKeyId.NotFound"
    assert aliyun.received == []


def test_aliyun_refuses_a_stale_timestamp(aliyun):
    with pytest.raises(SmsProviderError) as refused:
        aliyun_sender(aliyun, now=lambda: dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=20)).send(REVIEW)
    assert refused.value.code == "InvalidTimeStamp.Expired"


def test_aliyun_template_not_approved_is_the_providers_error(aliyun):
    sender = AliyunSms(KEY_ID, SECRET, sign_name=SIGN, templates={"approved": Template("SMS_999")},
                       endpoint=aliyun.url)
    with pytest.raises(SmsProviderError) as refused:
        sender.send(sms("approved", {"year": "2025", "receipt": "R1"}))
    assert refused.value.code == "isv.SMS_TEMPLATE_ILLEGAL"


def test_aliyun_fixed_text_template_sends_no_variables(aliyun):
    sender = AliyunSms(KEY_ID, SECRET, sign_name=SIGN, templates={"reminder": Template("SMS_100000009", ())},
                       endpoint=aliyun.url)
    sender.send(sms(None, None, kind=MessageKind.REMINDER))  # a message without variables: the kind's template
    [got] = aliyun.received
    assert got["TemplateCode"] == "SMS_100000009" and "TemplateParam" not in got or got["TemplateParam"] == {}


def test_an_unreachable_endpoint_is_a_provider_error(aliyun):
    url = aliyun.url
    aliyun.close()
    with pytest.raises(SmsProviderError) as refused:
        AliyunSms(KEY_ID, SECRET, sign_name=SIGN, templates=ALIYUN_TEMPLATES, endpoint=url, timeout=2).send(REVIEW)
    assert refused.value.code == "unreachable"


# Tencent Cloud

def test_tencent_sends_the_template_id_positional_variables_and_e164_number(tencent):
    tencent_sender(tencent).send(REVIEW)
    [got] = tencent.received
    assert got["PhoneNumberSet"] == ["+8613800138000"]
    assert (got["SmsSdkAppId"], got["SignName"], got["TemplateId"]) == (APP_ID, SIGN, "2000001")
    assert got["TemplateParamSet"] == ["太原市示例建筑工程有限公司", "2025", "年度备案"]
    assert got["headers"]["x-tc-region"] == "ap-guangzhou"


def test_tencent_variables_follow_the_configured_order(tencent):
    tencent_sender(tencent, param_max_chars=60).send(AWKWARD)
    assert tencent.received[0]["TemplateParamSet"] == [
        "表二第3行 * ~ + & = % / \"引号\" 签名变量 第二行（全角）", "2025", "年度备案", "BA-140105-2025-000007"]


def test_tencent_refusal_per_number_and_per_request(tencent):
    tencent.fail_next.append(("LimitExceeded.PhoneNumberDailyLimit", "单个手机号日下发短信条数超过设定的上限"))
    with pytest.raises(SmsProviderError) as refused:
        tencent_sender(tencent).send(REVIEW)
    assert refused.value.code == "LimitExceeded.PhoneNumberDailyLimit"
    wrong_app = TencentSms(KEY_ID, SECRET, app_id="1400999999", sign_name=SIGN, templates=TENCENT_TEMPLATES,
                           endpoint=tencent.url)
    with pytest.raises(SmsProviderError) as refused:
        wrong_app.send(REVIEW)
    assert refused.value.code == "InvalidParameterValue.SdkAppIdNotExist"
    assert tencent.received == []


def test_tencent_bad_credentials_meet_the_signature_check(tencent):
    with pytest.raises(SmsProviderError) as refused:
        tencent_sender(tencent, secret="not-the-secret").send(REVIEW)
    assert refused.value.code == "AuthFailure.SignatureFailure"
    with pytest.raises(SmsProviderError) as refused:
        tencent_sender(tencent, key_id="AKID-unknown").send(REVIEW)
    assert refused.value.code == "AuthFailure.SecretIdNotFound"
    with pytest.raises(SmsProviderError) as refused:
        tencent_sender(tencent, now=lambda: dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=6)).send(REVIEW)
    assert refused.value.code == "AuthFailure.SignatureExpire"


def test_tencent_variable_count_must_match_the_approved_template(tencent):
    sender = TencentSms(KEY_ID, SECRET, app_id=APP_ID, sign_name=SIGN, endpoint=tencent.url,
                        templates={"approved": Template("2000002", ("year",))})
    with pytest.raises(SmsProviderError) as refused:
        sender.send(sms("approved", {"year": "2025", "receipt": "R1"}))
    assert refused.value.code == "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"


# what never reaches a provider

@pytest.mark.parametrize("make", [aliyun_sender, tencent_sender], ids=["aliyun", "tencent"])
def test_what_cannot_be_sent_is_undeliverable_and_never_sent(make, aliyun, tencent):
    fake = aliyun if make is aliyun_sender else tencent
    sender = make(fake)
    with pytest.raises(Undeliverable, match="reminder"):  # no template configured for the kind
        sender.send(sms(None, None, kind=MessageKind.REMINDER))
    with pytest.raises(Undeliverable, match="reason"):  # the configured variables include one it lacks
        sender.send(sms("rejected", {"year": "2025", "receipt": "R1"}))
    with pytest.raises(Undeliverable, match="没有参数"):  # an old message without variables, template with some
        sender.send(sms("approved", None))
    with pytest.raises(Undeliverable, match="大陆"):
        sender.send(sms("approved", {"year": "2025", "receipt": "R1"}, to="+85291234567"))
    assert fake.received == []


def interim_and_correction_messages() -> list[Message]:
    """The SMS of an interim 表三 filing and of a correction name their kind (docs/sms.md `kind`)."""
    from chalicelib.domain.filing import Filing
    from chalicelib.domain.model import Account, Role
    from chalicelib.services import messages
    from tests.conftest import FakeClock

    clock = FakeClock(NOW)
    reviewer = Account(username="op1", password_hash="x", role=Role.OPERATOR, scope="140105", display_name="王五",
                       mobile="13900139000", created_at=NOW)
    unit = type("U", (), {"filer_email": "f@example.cn", "filer_mobile": "13800138000"})()
    out = []
    for kind, no in (("interim", 0), ("correction", 1)):
        filing = Filing(id="F1", uscc="U1", unit_name="太原市示例有限公司", authority_code="140105", year=2025,
                        kind=kind, tables=("table3",), created_at=NOW, updated_at=NOW, correction_no=no)
        filing = filing.submit(actor="filer", now=NOW, receipt_no="BA-140105-2025-000001")
        [request] = messages.review_requested(clock, filing, reviewer, "https://x/act/t")
        approved = filing.review(decision="approve", reason=None, actor="op1", now=NOW)
        revoked = approved.revoke(reason="名册有误", actor="op1", now=NOW, window_days=30)
        out += [request, messages.review_decided(clock, approved, unit, "https://x")[1],
                messages.review_decided(clock, revoked, unit, "https://x")[1]]
    return out


def test_aliyun_sms_name_the_filings_kind(aliyun):
    for m in interim_and_correction_messages():
        aliyun_sender(aliyun).send(m)
    assert [(r["TemplateCode"], r["TemplateParam"]["kind"]) for r in aliyun.received] == [
        ("SMS_100000001", "表三备案"), ("SMS_100000002", "表三备案"), ("SMS_100000005", "表三备案"),
        ("SMS_100000001", "年度备案更正"), ("SMS_100000002", "年度备案更正"), ("SMS_100000005", "年度备案更正")]
    assert aliyun.received[2]["TemplateParam"]["reason"] == "名册有误"


def test_tencent_sms_name_the_filings_kind(tencent):
    for m in interim_and_correction_messages():
        tencent_sender(tencent).send(m)
    sets = [r["TemplateParamSet"] for r in tencent.received]
    assert sets[0] == ["太原市示例有限公司", "2025", "表三备案"]
    assert sets[2] == ["2025", "表三备案", "BA-140105-2025-000001", "名册有误"]  # revoked: its default order
    assert sets[4] == ["2025", "年度备案更正", "BA-140105-2025-000001"]
