"""The bulk lane through a batch-sending provider: reminders go many to a call, paced per message; each message's
own failure is its own (retried or failed for good), a failed call is an attempt of each; other messages go one
by one, first."""
from __future__ import annotations

import datetime as dt
import uuid

from chalicelib.adapters.embedded.sqlite_store import SqliteStore
from chalicelib.domain.model import Message, MessageKind
from chalicelib.ports import Undeliverable
from chalicelib.services.outbox import Outbox


class Bulk:
    def __init__(self, fail_call: bool = False):
        self.calls: list[list[str]] = []
        self.fail_call = fail_call

    def send(self, message: Message) -> None:
        self.calls.append([message.to])

    def batch_size(self, channel: str) -> int:
        return 3

    def send_batch(self, messages: list[Message]) -> list[Exception | None]:
        self.calls.append([m.to for m in messages])
        if self.fail_call:
            raise RuntimeError("provider down")
        return [Undeliverable("地址无效") if m.to == "bad" else RuntimeError("busy") if m.to == "busy" else None
                for m in messages]


def queue(store, clock, kind: MessageKind, *recipients: str) -> None:
    for n, to in enumerate(recipients):
        m = Message(id=uuid.uuid4().hex, channel="email", to=to, subject="s", body="b", kind=kind,
                    created_at=clock.now() + dt.timedelta(seconds=n))
        assert store.claim_notice(f"n#{m.id}", clock.now(), [m])


def test_reminders_go_three_to_a_call_after_the_other_messages(tmp_path, clock):
    store, sender = SqliteStore(tmp_path / "t.db"), Bulk()
    queue(store, clock, MessageKind.REMINDER, "a", "b", "bad", "busy", "e")
    queue(store, clock, MessageKind.DECISION, "decision")
    done = Outbox(store, sender, clock).deliver_for(10)
    assert sender.calls == [["decision"], ["a", "b", "bad"], ["busy", "e"]]
    assert (done.sent, done.failed) == (4, 1)
    status = {m.to: (m.status, m.attempts) for m in store.list_messages()}
    assert status["bad"] == ("failed", 1) and status["busy"] == ("pending", 1) and status["e"] == ("sent", 1)


def test_a_failed_call_is_an_attempt_of_each_message(tmp_path, clock):
    store = SqliteStore(tmp_path / "t.db")
    queue(store, clock, MessageKind.REMINDER, "a", "b")
    assert Outbox(store, Bulk(fail_call=True), clock).deliver_for(10).sent == 0
    assert {(m.status, m.attempts) for m in store.list_messages()} == {("pending", 1)}


def test_an_action_sends_its_own_messages_at_once_never_the_days_reminders(tmp_path, clock):
    store, sender = SqliteStore(tmp_path / "t.db"), Bulk()
    queue(store, clock, MessageKind.REMINDER, "a", "b")
    queue(store, clock, MessageKind.DECISION, "decision")
    Outbox(store, sender, clock, rates={"email": 0.01}).deliver_soon()  # a reminder would wait 100 s for its turn
    assert sender.calls == [["decision"]]
    assert sorted(m.status for m in store.list_messages()) == ["pending", "pending", "sent"]
