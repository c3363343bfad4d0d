"""The daily job's reminders through Alibaba Cloud's SendBatchSms: a hundred numbers a call, each with its own
variables; a number that cannot be sent fails alone, a refused call is an attempt of each of its messages."""
from __future__ import annotations

import datetime as dt
import uuid

from chalicelib.adapters.embedded.sqlite_store import SqliteStore
from chalicelib.adapters.sms.aliyun import AliyunSms
from chalicelib.adapters.sms.base import Template
from chalicelib.domain.model import MessageKind
from chalicelib.services.messages import sms
from chalicelib.services.outbox import Outbox
from tests.senders.conftest import SIGN
from tests.senders.fake_providers import KEY_ID, SECRET

TEMPLATES = {"reminder": Template("SMS_100000004", ("unit", "year", "when"))}


def reminders(store, clock, mobiles) -> None:
    for n, mobile in enumerate(mobiles):
        m = sms(clock, kind=MessageKind.REMINDER, to=mobile, subject="s", body="b", template="reminder",
                params={"unit": f"单位{n}", "year": "2025", "when": "将于2026年6月30日截止"})
        assert store.claim_notice(f"r#{uuid.uuid4().hex}", clock.now(),
                                  [m.model_copy(update={"created_at": clock.now() + dt.timedelta(seconds=n)})])


def test_reminders_go_a_hundred_to_a_call_each_with_its_own_variables(tmp_path, clock, aliyun):
    store = SqliteStore(tmp_path / "t.db")
    mobiles = [f"139{n:08d}" for n in range(150)] + ["+85291234567"]  # the last is not a mainland number
    reminders(store, clock, mobiles)
    sender = AliyunSms(KEY_ID, SECRET, sign_name=SIGN, templates=TEMPLATES, endpoint=aliyun.url)
    done = Outbox(store, sender, clock, channels=("sms",)).deliver_for(30)
    assert (done.sent, done.failed) == (150, 1)
    assert {r["Action"] for r in aliyun.received} == {"SendBatchSms"} and len(aliyun.received) == 150
    assert aliyun.received[7]["TemplateParam"] == {"unit": "单位7", "year": "2025", "when": "将于2026年6月30日截止"}
    [foreign] = [m for m in store.list_messages(200) if m.status == "failed"]
    assert "中国大陆" in foreign.reason


def test_a_refused_call_is_retried_for_each_of_its_messages(tmp_path, clock, aliyun):
    store = SqliteStore(tmp_path / "t.db")
    reminders(store, clock, ["13900000001", "13900000002"])
    aliyun.fail_next.append(("isv.BUSINESS_LIMIT_CONTROL", "触发流控"))
    sender = AliyunSms(KEY_ID, SECRET, sign_name=SIGN, templates=TEMPLATES, endpoint=aliyun.url)
    assert Outbox(store, sender, clock, channels=("sms",)).deliver_for(30).sent == 0
    assert {(m.status, m.attempts) for m in store.list_messages()} == {("pending", 1)}
