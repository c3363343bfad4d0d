"""The providers as the outbox meets them, and as bootstrap.build wires them (SMS_PROVIDER on an installation):
a review request goes out as its template, a refusal is retried with the outbox's backoff, a message whose
template is not configured is failed with the reason."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.embedded.sqlite_store import SqliteStore
from chalicelib.adapters.sms.base import Template
from chalicelib.adapters.sms.tencent import TencentSms
from chalicelib.domain.filing import Filing
from chalicelib.domain.model import Account, Role
from chalicelib.services import messages
from chalicelib.services.outbox import Outbox
from chalicelib.settings import from_env
from tests.senders.conftest import APP_ID, SIGN
from tests.senders.fake_providers import KEY_ID, SECRET

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)
TEMPLATES = {"review_request": Template("2000001"), "approved": Template("2000002"),
             "rejected": Template("2000003")}  # no "reminder"


def submitted(n: int = 1) -> Filing:
    filing = Filing(id=f"F{n:04d}", uscc=f"91140105MA0L{n:05d}X", unit_name="太原市示例有限公司",
                    authority_code="140105", year=2025, kind="annual", tables=("table1",), created_at=NOW,
                    updated_at=NOW)
    return filing.submit(actor="filer", now=NOW, receipt_no=f"BA-140105-2025-{n:06d}")


REVIEWER = Account(username="op1", password_hash="x", role=Role.OPERATOR, scope="140105", display_name="王五",
                   mobile="13900139000", created_at=NOW)


@pytest.fixture
def outbox(tmp_path, clock, tencent):
    sender = TencentSms(KEY_ID, SECRET, app_id=APP_ID, sign_name=SIGN, templates=TEMPLATES, endpoint=tencent.url)
    store = SqliteStore(tmp_path / "t.db")
    return Outbox(store, sender, clock, channels=("sms",)), store


def queue(store, clock, msgs) -> None:
    assert store.claim_notice(f"test#{msgs[0].id}", clock.now(), msgs)


def test_a_review_request_goes_out_as_its_template(outbox, clock, tencent):
    box, store = outbox
    [request] = messages.review_requested(clock, submitted(), REVIEWER, "https://filing.example.cn/act/t0k3n")
    assert (request.template, request.params) == ("review_request", {"unit": "太原市示例有限公司", "year": "2025",
                                                                     "kind": "年度备案"})
    queue(store, clock, [request])
    assert box.deliver_pending() == 1
    assert [m.status for m in store.list_messages()] == ["sent"]
    [got] = tencent.received
    assert got["TemplateParamSet"] == ["太原市示例有限公司", "2025", "年度备案"] and got["PhoneNumberSet"] == ["+8613900139000"]
    assert "t0k3n" not in json.dumps(got, ensure_ascii=False)  # links are never template variables


def test_a_refusal_is_retried_with_the_outboxs_backoff(outbox, clock, tencent):
    box, store = outbox
    tencent.fail_next.append(("LimitExceeded.PhoneNumberDailyLimit", "单个手机号日下发短信条数超过设定的上限"))
    queue(store, clock, messages.review_requested(clock, submitted(), REVIEWER, "https://x/act/t"))
    assert box.deliver_pending() == 0
    [m] = store.list_messages()
    assert (m.status, m.attempts, m.next_attempt_at) == ("pending", 1, NOW + dt.timedelta(minutes=1))
    assert box.deliver_pending() == 0 and tencent.received == []  # not due yet
    clock.advance(minutes=1)
    assert box.deliver_pending() == 1
    [m] = store.list_messages()
    assert (m.status, m.attempts) == ("sent", 2) and len(tencent.received) == 1


def test_a_message_without_a_configured_template_fails_with_the_reason(outbox, clock, tencent):
    box, store = outbox
    reminder = messages.sms(clock, kind=messages.MessageKind.REMINDER, to="13800138000", subject="提醒",
                            body="【劳动用工备案】…", template="reminder",
                            params={"unit": "示例", "year": "2025", "when": "将于2026年3月31日截止"})
    queue(store, clock, [reminder])
    assert box.deliver_pending() == 0
    [m] = store.list_messages()
    assert (m.status, m.attempts, m.next_attempt_at) == ("failed", 1, None)
    assert "reminder" in (m.reason or "") and "SMS_TEMPLATES" in (m.reason or "")
    clock.advance(hours=7)
    assert box.deliver_pending() == 0 and store.pending_messages() == [] and tencent.received == []


def test_decisions_carry_their_own_templates():
    from tests.conftest import FakeClock
    clock, filing = FakeClock(NOW), submitted()
    unit = type("U", (), {"filer_email": "f@example.cn", "filer_mobile": "13800138000"})()
    approved = filing.review(decision="approve", reason=None, actor="op1", now=NOW)
    rejected = filing.review(decision="reject", reason="表二第3行身份证号有误", actor="op1", now=NOW)
    [_, ok] = messages.review_decided(clock, approved, unit, "https://x/employer")
    [_, no] = messages.review_decided(clock, rejected, unit, "https://x/employer")
    assert (ok.template, ok.params) == ("approved", {"year": "2025", "kind": "年度备案",
                                                     "receipt": "BA-140105-2025-000001"})
    assert (no.template, no.params) == ("rejected", {"year": "2025", "kind": "年度备案", "receipt": "BA-140105-2025-000001",
                                                     "reason": "表二第3行身份证号有误"})


def test_an_installation_with_sms_provider_sends_sms_there_and_keeps_email_in_the_mailbox(tmp_path, clock,
                                                                                         aliyun):
    settings = from_env({"BACKEND": "embedded", "DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 40,
                         "SMS_PROVIDER": "aliyun", "SMS_SIGN_NAME": SIGN, "SMS_ENDPOINT": aliyun.url,
                         "SMS_ACCESS_KEY_ID": KEY_ID, "SMS_ACCESS_KEY_SECRET": SECRET,
                         "SMS_TEMPLATES": json.dumps({"review_request": "SMS_100000001"})})
    c = bootstrap.build(settings, clock=clock)
    reviewer = REVIEWER.model_copy(update={"email": "op1@example.cn"})
    queue(c.store, clock, messages.review_requested(clock, submitted(), reviewer, "https://x/act/t"))
    assert c.outbox.deliver_pending() == 2
    assert {m.channel: m.status for m in c.store.list_messages()} == {"email": "sent", "sms": "sent"}
    [got] = aliyun.received
    assert (got["TemplateCode"], got["PhoneNumbers"]) == ("SMS_100000001", "13900139000")


def test_without_sms_provider_an_installation_keeps_the_local_mailbox(tmp_path, clock):
    from chalicelib.adapters.embedded.mailbox import LocalMailbox
    settings = from_env({"BACKEND": "embedded", "DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 40})
    assert settings.sms is None and isinstance(bootstrap.build(settings, clock=clock).sender, LocalMailbox)
