"""The outbox: messages are written with the action that caused them, then delivered here.

Delivery failures are recorded and retried later; they never undo or block the action.
"""
from __future__ import annotations

import logging
import uuid

from ..domain.model import Message
from ..ports import Clock, Sender, Store

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def message(clock: Clock, *, channel: str, to: str, subject: str, body: str) -> Message:
    return Message(id=uuid.uuid4().hex, channel=channel, to=to, subject=subject, body=body, created_at=clock.now())


class Outbox:
    def __init__(self, store: Store, sender: Sender, clock: Clock):
        self.store, self.sender, self.clock = store, sender, clock

    def deliver_pending(self, limit: int = 100) -> int:
        """Try to send what is pending; returns how many were sent."""
        sent = 0
        for m in self.store.pending_messages(limit):
            try:
                self.sender.send(m)
            except Exception:  # any sender failure: keep the message for the next run
                log.warning("sending message %s failed", m.id, exc_info=True)
                attempts = m.attempts + 1
                self.store.mark_message(m.model_copy(update={
                    "attempts": attempts, "status": "failed" if attempts >= MAX_ATTEMPTS else "pending"}))
                continue
            self.store.mark_message(m.model_copy(update={"status": "sent", "attempts": m.attempts + 1,
                                                         "sent_at": self.clock.now()}))
            sent += 1
        return sent
