"""The outbox's WeChat channel (docs/wechat.md) on both backends, against the fake WeChat server: a review result
reaches a subscribed WeChat user as a correctly shaped subscribe message instead of its SMS, once per acceptance;
without a subscription, after a refusal (43101, 47003) or with WeChat down, the SMS goes as before; the e-mail
twin and other messages are untouched."""
from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from chalicelib.adapters.wechat import WechatApi
from chalicelib.domain.model import Message, MessageKind, Role
from chalicelib.domain.wechat import WechatBinding
from chalicelib.services import messages
from chalicelib.services.outbox import Outbox
from chalicelib.services.wechat import WechatDelivery
from tests.conftest import FakeClock
from tests.contract.test_store_contract import T0, account, unit
from tests.senders.fake_wechat import APP_ID, APP_SECRET, FakeWechat, fake_wechat  # noqa: F401 (fixture)

MOBILE = "13800000000"  # the filer's, in test_store_contract.unit()
TEMPLATES = {"review_result": "TPL-RESULT", "deadline_reminder": "TPL-REMIND"}
DECISION = {"year": "2025", "kind": "年度备案", "receipt": "BA-140105-2025-000001"}


class Recording:
    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        self.sent.append(message)


@dataclasses.dataclass
class World:
    store: Any
    outbox: Outbox
    sms: Recording
    fake: FakeWechat


@pytest.fixture
def world(store, fake_wechat):  # noqa: F811
    filer = account("U1", scope="U1", role=Role.FILER).model_copy(update={"mobile": MOBILE})
    store.create_unit(unit(), filer)
    sms = Recording()
    clock = FakeClock(T0)
    delivery = WechatDelivery(store, WechatApi(APP_ID, APP_SECRET, api_base=fake_wechat.url), TEMPLATES)
    return World(store, Outbox(store, sms, clock, wechat=delivery), sms, fake_wechat)


def decided(template: str = "approved", **params: str) -> list[Message]:
    """The e-mail and the SMS of a decision, as services/messages.py writes them."""
    clock = FakeClock(T0)
    email = messages.message(clock, kind=MessageKind.DECISION, channel="email", to="a@example.com", subject="审核",
                             body="您单位…")
    sms = messages.sms(clock, kind=MessageKind.DECISION, to=MOBILE, subject="审核", body="【劳动用工备案】您单位…",
                       template=template, params={**DECISION, **params})
    return [email, sms]


def bound(store, *accepted: str, openid: str = "o-filer") -> None:
    binding = WechatBinding(openid=openid, username="U1", mobile=MOBILE, bound_at=T0)
    store.save_wechat_binding(binding.accepting(list(accepted)) if accepted else binding, expected_version=0)


def deliver(world: World, batch: list[Message]) -> dict[str, tuple[str, str]]:
    """Queue and deliver; each message's (status, channel) by the channel it was written for."""
    queue(world.store, batch)
    world.outbox.deliver_pending()
    stored = {m.id: m for m in world.store.list_messages(50)}
    return {m.channel: (stored[m.id].status, stored[m.id].channel) for m in batch}


def queue(store: Any, batch: list[Message]) -> None:
    assert store.claim_notice(f"test#{batch[0].id}", T0, batch)  # any write that carries messages will do


def test_a_subscribed_user_gets_the_review_result_by_wechat_instead_of_sms(world):
    bound(world.store, "TPL-RESULT")
    outcome = deliver(world, decided("rejected", reason="表二缺少部分人员"))
    assert outcome == {"email": ("sent", "email"), "sms": ("sent", "wechat")}
    assert [m.channel for m in world.sms.sent] == ["email"]  # the e-mail twin as always, no SMS
    [sent] = world.fake.sent
    assert sent["touser"] == "o-filer" and sent["template_id"] == "TPL-RESULT"
    assert sent["data"] == {"thing1": {"value": "2025年年度备案"},
                            "character_string2": {"value": "BA-140105-2025-000001"},
                            "phrase3": {"value": "审核不通过"}, "thing4": {"value": "表二缺少部分人员"},
                            "time5": {"value": "2026年3月1日 16:00"}}
    assert world.store.get_wechat_binding("o-filer").accepted == {"TPL-RESULT": 0}


def test_one_acceptance_carries_one_message_then_sms_again(world):
    bound(world.store, "TPL-RESULT")
    assert deliver(world, decided())["sms"] == ("sent", "wechat")
    assert deliver(world, decided())["sms"] == ("sent", "sms")
    assert len(world.fake.sent) == 1 and sorted(m.channel for m in world.sms.sent) == ["email", "email", "sms"]


def test_without_a_binding_or_a_subscription_the_sms_goes(world):
    assert deliver(world, decided())["sms"] == ("sent", "sms")  # nobody bound
    bound(world.store, "TPL-REMIND")  # subscribed to reminders only
    assert deliver(world, decided())["sms"] == ("sent", "sms")
    assert world.fake.sent == [] and world.store.get_wechat_binding("o-filer").accepted == {"TPL-REMIND": 1}


def test_a_refusal_or_wechat_down_falls_back_to_sms_in_the_same_attempt(world):
    bound(world.store, "TPL-RESULT", "TPL-RESULT")
    world.fake.refusing.add("o-filer")  # 43101: the user switched it off; the acceptances counted are void
    assert deliver(world, decided())["sms"] == ("sent", "sms")
    assert world.store.get_wechat_binding("o-filer").accepted == {"TPL-RESULT": 0}
    bound(world.store, "TPL-RESULT", openid="o-other")
    world.fake.close()  # WeChat unreachable
    assert deliver(world, decided())["sms"] == ("sent", "sms")
    assert [m.channel for m in world.sms.sent].count("sms") == 2


def test_a_reminder_goes_by_wechat_and_other_messages_never_do(world):
    bound(world.store, "TPL-REMIND", "TPL-RESULT")
    clock = FakeClock(T0)
    reminder = messages.sms(clock, kind=MessageKind.REMINDER, to=MOBILE, subject="提醒", body="…", template="reminder",
                            params={"unit": "单位", "year": "2025", "when": "将于2026年6月30日截止"})
    notice = messages.sms(clock, kind=MessageKind.ACCOUNT_NOTICE, to=MOBILE, subject="变更", body="…",
                          template="account_notice", params={"unit": "单位", "change": "密码已重置"})
    queue(world.store, [reminder, notice])
    world.outbox.deliver_pending()
    stored = {m.id: m.channel for m in world.store.list_messages(50)}
    assert stored == {reminder.id: "wechat", notice.id: "sms"}
    assert world.fake.sent[0]["data"]["thing3"] == {"value": "将于2026年6月30日截止"}
