"""A sender's Undeliverable (ports.py) ends a message at once: failed, with the reason, never retried; any other
failure is one attempt, retried with backoff."""
from __future__ import annotations

import datetime as dt
import uuid

from chalicelib.adapters.embedded.sqlite_store import SqliteStore
from chalicelib.domain.model import Message, MessageKind
from chalicelib.ports import Undeliverable
from chalicelib.services.outbox import Outbox


class Refusing:
    def __init__(self, error: Exception):
        self.error, self.calls = error, 0

    def send(self, message: Message) -> None:
        self.calls += 1
        raise self.error


def _queued(store, clock) -> None:
    m = Message(id=uuid.uuid4().hex, channel="sms", to="13800138000", subject="s", body="b", created_at=clock.now(),
                kind=MessageKind.DECISION)
    assert store.claim_notice("n#1", clock.now(), [m])


def test_undeliverable_is_failed_at_once_with_its_reason(tmp_path, clock):
    store, sender = SqliteStore(tmp_path / "t.db"), Refusing(Undeliverable("没有为“approved”配置短信模板"))
    _queued(store, clock)
    assert Outbox(store, sender, clock).deliver_pending() == 0
    [m] = store.list_messages()
    assert (m.status, m.reason, m.attempts, m.next_attempt_at) == ("failed", "没有为“approved”配置短信模板", 1, None)
    clock.advance(hours=7)
    assert Outbox(store, sender, clock).deliver_pending() == 0 and sender.calls == 1


def test_any_other_failure_is_retried_with_backoff(tmp_path, clock):
    store, sender = SqliteStore(tmp_path / "t.db"), Refusing(RuntimeError("provider down"))
    _queued(store, clock)
    Outbox(store, sender, clock).deliver_pending()
    [m] = store.list_messages()
    assert (m.status, m.reason, m.attempts) == ("pending", None, 1)
    assert m.next_attempt_at == clock.now() + dt.timedelta(minutes=1)
