"""The China stack's channel: CHANNELS=sms with SMS_PROVIDER=aliyun|tencent, built by bootstrap.build for
BACKEND=aws over the emulator's table. SMS goes to the provider (a fake on 127.0.0.1 that checks signatures as
the provider does), never to SNS; e-mail is skipped as the channel is missing."""
from __future__ import annotations

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.sms.aliyun import AliyunSms
from chalicelib.adapters.sms.tencent import TencentSms
from chalicelib.domain.model import Account, Role
from chalicelib.services import messages
from chalicelib.settings import Settings, SmsSettings
from tests.aws_emulator import SENDER_EMAIL, sent_messages
from tests.senders.conftest import ALIYUN_APPROVED, APP_ID, SIGN, TENCENT_APPROVED
from tests.senders.fake_providers import KEY_ID, SECRET, FakeAliyun, FakeTencent
from tests.senders.test_outbox_and_wiring import submitted

TEMPLATES = {"aliyun": {"review_request": ("SMS_100000001", None)},
             "tencent": {"review_request": ("2000001", ("unit", "year", "kind"))}}


@pytest.fixture(params=["aliyun", "tencent"])
def provider(request, monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    fake = FakeAliyun({SIGN}, ALIYUN_APPROVED) if request.param == "aliyun" else \
        FakeTencent(APP_ID, {SIGN}, TENCENT_APPROVED)
    yield request.param, fake
    fake.close()


def test_a_china_stack_sends_sms_through_the_configured_provider(aws_adapters, clock, provider):
    name, fake = provider
    sms = SmsSettings(name, SIGN, TEMPLATES[name], KEY_ID, SECRET, app_id=APP_ID, endpoint=fake.url)
    settings = Settings("aws", "https://filing.example.cn", "aws-test-secret-" + "y" * 32, channels=("sms",),
                        table_name=aws_adapters.table_name, bucket_name=aws_adapters.bucket, mail_from=SENDER_EMAIL,
                        sms=sms)
    c = bootstrap.build(settings, clock=clock, aws_session=aws_adapters.clients.boto3)
    senders = c.sender.senders  # type: ignore[attr-defined]
    assert isinstance(senders["sms"], AliyunSms if name == "aliyun" else TencentSms) and "email" not in senders
    reviewer = Account(username="op1", password_hash="x", role=Role.OPERATOR, scope="140105", display_name="王五",
                       email="op1@example.cn", mobile="13900139000", created_at=clock.now())
    queued = messages.review_requested(clock, submitted(), reviewer, "https://x/a")
    assert c.store.claim_notice("t#1", clock.now(), queued)
    assert c.outbox.deliver_pending() == 1
    assert {m.channel: m.status for m in c.store.list_messages()} == {"email": "skipped", "sms": "sent"}
    assert len(fake.received) == 1
    assert sent_messages(aws_adapters.endpoint).sms == []  # nothing through SNS
