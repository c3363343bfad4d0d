"""The limits on notifications as the outbox applies them, on both backends (they count with the store's named
sequences and coalesce with its claims): a daily cap per recipient and channel that the daily job's messages
are not held to, and one review request per filing, review round, recipient and window."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from chalicelib.domain import reference
from chalicelib.domain.model import Message, MessageKind
from chalicelib.services.outbox import Outbox
from tests.conftest import FakeClock

MORNING = dt.datetime(2026, 6, 29, 1, 0, tzinfo=dt.timezone.utc)  # 09:00 in Beijing, the day before the deadline
REVIEWER = "rev@hrss.example.cn"


class RecordingSender:
    def __init__(self, failures: int = 0):
        self.sent: list[Message] = []
        self.failures = failures  # how many sends fail before they start succeeding

    def send(self, message: Message) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("mail server unreachable")
        self.sent.append(message)


@pytest.fixture
def small_caps(monkeypatch):
    """Two e-mails and one SMS a day per recipient; review requests coalesced per hour."""
    small = reference.policy().__class__(**{**reference.policy().__dict__,
                                            "messages_per_recipient_per_day": {"email": 2, "sms": 1},
                                            "review_request_coalesce_minutes": 60})
    monkeypatch.setattr("chalicelib.domain.notifications.policy", lambda: small)


def queue(store, clock, kind: MessageKind, *, to: str = REVIEWER, channel: str = "email",
          topic: str | None = None) -> Message:
    m = Message(id=uuid.uuid4().hex, kind=kind, topic=topic, channel=channel, to=to, subject="s", body="b",
                created_at=clock.now())
    assert store.claim_notice(f"test#{m.id}", clock.now(), [m])  # any write that carries messages will do
    clock.advance(seconds=1)  # the outbox takes the oldest first
    return m


def status(store, m: Message) -> tuple[str, str | None]:
    stored = next(x for x in store.list_messages(500) if x.id == m.id)
    return stored.status, stored.reason


def test_a_recipient_over_the_daily_cap_gets_nothing_more_that_day_except_the_daily_job(store, small_caps):
    clock, sender = FakeClock(MORNING), RecordingSender()
    outbox = Outbox(store, sender, clock)
    first, second, third = (queue(store, clock, MessageKind.DECISION) for _ in range(3))
    sms = [queue(store, clock, MessageKind.DECISION, channel="sms", to="13900000000") for _ in range(2)]
    assert outbox.deliver_pending() == 3
    assert [status(store, m)[0] for m in (first, second, third, *sms)] == ["sent", "sent", "skipped", "sent",
                                                                          "skipped"]
    assert "今天已收到2条邮件，达到每日上限" in status(store, third)[1]
    assert "今天已收到1条短信" in status(store, sms[1])[1]

    clock.advance(hours=8)  # 17:00: still the same day in Beijing
    late = queue(store, clock, MessageKind.REVIEW_REQUEST, topic="review#f1#0")
    digest = queue(store, clock, MessageKind.DIGEST)
    reminder = queue(store, clock, MessageKind.REMINDER)
    outbox.deliver_pending()
    assert status(store, late)[0] == "skipped"
    assert status(store, digest)[0] == status(store, reminder)[0] == "sent"  # once a day by their own claims

    clock.advance(hours=7)  # 00:00 the next day in Beijing
    tomorrow = queue(store, clock, MessageKind.DECISION)
    assert outbox.deliver_pending() == 1 and status(store, tomorrow) == ("sent", None)
    assert [m.id for m in sender.sent] == [first.id, second.id, sms[0].id, digest.id, reminder.id, tomorrow.id]


def test_review_requests_go_out_once_per_filing_round_recipient_and_window(store, small_caps):
    clock, sender = FakeClock(MORNING), RecordingSender()
    outbox = Outbox(store, sender, clock)
    first = queue(store, clock, MessageKind.REVIEW_REQUEST, topic="review#f1#0")
    other_reviewer = queue(store, clock, MessageKind.REVIEW_REQUEST, to="rev2@hrss.example.cn", topic="review#f1#0")
    outbox.deliver_pending()
    clock.advance(minutes=20)
    again = queue(store, clock, MessageKind.REVIEW_REQUEST, topic="review#f1#0")  # withdrawn and submitted again
    after_rejection = queue(store, clock, MessageKind.REVIEW_REQUEST, topic="review#f1#1")
    outbox.deliver_pending()
    # (the cap is two e-mails a day: the coalesced request did not use up a place)
    assert [status(store, m)[0] for m in (first, other_reviewer, again, after_rejection)] == [
        "sent", "sent", "coalesced", "sent"]
    assert "60分钟内已发给该收件人" in status(store, again)[1]

    clock.advance(minutes=40)  # the next window
    next_window = queue(store, clock, MessageKind.REVIEW_REQUEST, to="rev2@hrss.example.cn", topic="review#f1#0")
    outbox.deliver_pending()
    assert status(store, next_window)[0] == "sent"
    assert [m.id for m in sender.sent] == [first.id, other_reviewer.id, after_rejection.id, next_window.id]


def test_a_retried_message_is_not_held_back_by_its_own_first_attempt(store, small_caps):
    clock, sender = FakeClock(MORNING), RecordingSender(failures=1)
    outbox = Outbox(store, sender, clock)
    request = queue(store, clock, MessageKind.REVIEW_REQUEST, topic="review#f1#0")
    assert outbox.deliver_pending() == 0 and status(store, request)[0] == "pending"
    clock.advance(minutes=1)  # the first retry is due
    assert outbox.deliver_pending() == 1
    assert status(store, request) == ("sent", None) and [m.id for m in sender.sent] == [request.id]


def test_the_job_keeps_delivering_past_a_batch_that_was_all_held_back(store, small_caps):
    clock, sender = FakeClock(MORNING), RecordingSender()
    outbox = Outbox(store, sender, clock)
    held = [queue(store, clock, MessageKind.DECISION, to=f"u{n}@example.com", channel="wechat") for n in range(3)]
    clock.advance(seconds=1)
    later = queue(store, clock, MessageKind.DECISION)
    assert outbox.deliver_for(30, batch=3).sent == 1
    assert {status(store, m)[0] for m in held} == {"skipped"} and status(store, later)[0] == "sent"
