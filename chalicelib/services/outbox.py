"""The outbox: messages are written with the action that caused them, then delivered here.

Delivery failures are recorded and retried with exponential backoff (by the next action, and by the
scheduled outbox job); they never undo or block the action.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
import uuid

from ..domain.model import Message
from ..ports import Clock, Sender, Store

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
FIRST_RETRY = dt.timedelta(minutes=1)
LONGEST_WAIT = dt.timedelta(hours=6)


def message(clock: Clock, *, channel: str, to: str, subject: str, body: str) -> Message:
    return Message(id=uuid.uuid4().hex, channel=channel, to=to, subject=subject, body=body, created_at=clock.now())


def retry_delay(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes after each failure, at most six hours."""
    delay: dt.timedelta = FIRST_RETRY * 2 ** (attempts - 1)
    return min(delay, LONGEST_WAIT)


class Outbox:
    def __init__(self, store: Store, sender: Sender, clock: Clock, channels: tuple[str, ...] = ("email", "sms")):
        self.store, self.sender, self.clock, self.channels = store, sender, clock, channels

    def recent(self, limit: int = 200) -> list[Message]:
        """The latest messages, newest first (the local demo mailbox)."""
        return self.store.list_messages(limit)

    def deliver_pending(self, limit: int = 100) -> int:
        """Send what is pending and due; returns how many were sent."""
        sent = 0
        now = self.clock.now()
        for m in self.store.pending_messages(limit):
            if m.next_attempt_at and m.next_attempt_at > now:
                continue
            if m.channel not in self.channels:  # e.g. no e-mail where SES is not offered: the SMS twin goes out
                self.store.mark_message(m.model_copy(update={"status": "skipped"}))
                continue
            try:
                self.sender.send(m)
            except Exception:  # any sender failure: keep the message for a later attempt
                log.warning("sending message %s failed", m.id, exc_info=True)
                attempts = m.attempts + 1
                self.store.mark_message(m.model_copy(update={
                    "attempts": attempts, "status": "failed" if attempts >= MAX_ATTEMPTS else "pending",
                    "next_attempt_at": now + retry_delay(attempts)}))
                continue
            self.store.mark_message(m.model_copy(update={"status": "sent", "attempts": m.attempts + 1,
                                                         "sent_at": now, "next_attempt_at": None}))
            sent += 1
        return sent

    def deliver_for(self, seconds: float, batch: int = 200) -> int:
        """Deliver batch after batch until nothing due is left or the time budget is spent."""
        sent, deadline = 0, time.monotonic() + seconds
        while time.monotonic() < deadline and (n := self.deliver_pending(batch)):
            sent += n
        return sent

    def deliver_soon(self) -> None:
        """Right after an action: try to send, but never let delivery fail the action."""
        try:
            self.deliver_pending()
        except Exception:
            log.warning("outbox delivery failed; the scheduled job will retry", exc_info=True)
