"""The outbox: messages are written with the action that caused them, then delivered here.

Delivery failures are recorded and retried with exponential backoff (by the next action, and by the
scheduled outbox job); they never undo or block the action. The limits on notifications (a daily cap per
recipient, one review request per filing and window: domain/notifications.py) are applied here, when a
message is first due, so every way of writing messages is covered.

At scale (docs/rules.md §8, "A million units"): the store hands out the priority lane before the bulk lane
(reminders); each channel is paced to its provider's sending rate (`rates`, messages a second: SEND_RATES); the
bulk lane goes in batches where the provider takes them (ports.py BatchSender); and a message past its
`expires_at` is dropped and counted, never sent late.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from ..domain import notifications
from ..domain.calendar import local_today
from ..domain.model import Message, MessageKind
from ..ports import AlreadyExists, BatchSender, Clock, Sender, Store, Undeliverable

if TYPE_CHECKING:
    from .wechat import WechatDelivery

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
FIRST_RETRY = dt.timedelta(minutes=1)
LONGEST_WAIT = dt.timedelta(hours=6)


def message(clock: Clock, *, kind: MessageKind, channel: str, to: str, subject: str, body: str,
            topic: str | None = None) -> Message:
    return Message(id=uuid.uuid4().hex, kind=kind, channel=channel, to=to, subject=subject, body=body,
                   topic=topic, created_at=clock.now())


def retry_delay(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes after each failure, at most six hours."""
    delay: dt.timedelta = FIRST_RETRY * 2 ** (attempts - 1)
    return min(delay, LONGEST_WAIT)


class Delivery(NamedTuple):
    """What a delivery run did (the outbox alarms count on it: app.py deliver_outbox)."""
    sent: int
    failed: int  # failed for good in this run
    dropped: int = 0  # past their expires_at: not sent late

    def __add__(self, other: tuple[int, ...]) -> Delivery:  # type: ignore[override]
        return Delivery(*(a + b for a, b in zip(self, other)))


class _Batch(NamedTuple):
    done: Delivery
    settled: int  # no longer pending: sent, held back (see _held_back) or failed for good


def _attempt(send: Callable[[Message], None], m: Message) -> Exception | None:
    try:
        send(m)
    except Exception as e:  # any sender failure: _after_attempt decides between a retry and failed for good
        return e
    return None


def _outcome(m: Message) -> list[str]:
    """What an attempt counts as in a delivery run."""
    if m.status == "sent":
        return ["sent", "settled"]
    if m.status == "failed":
        return ["failed", "settled"]
    return []  # pending again: retried later


class Pace:
    """At most `rate` messages a second per channel (a provider's sending quota), by waiting before a send.
    A channel without a rate is not paced."""

    def __init__(self, rates: dict[str, float], sleep: Callable[[float], None] = time.sleep):
        self.gap = {channel: 1 / rate for channel, rate in rates.items() if rate > 0}
        self.next_at: dict[str, float] = {}
        self.sleep = sleep

    def seconds_for(self, channel: str, messages: int) -> float:
        """How long `messages` take on the channel at its rate (0: not paced)."""
        return messages * self.gap.get(channel, 0.0)

    def wait(self, channel: str, messages: int = 1) -> None:
        """Before sending `messages` (a batch counts each of its messages against the rate)."""
        gap = self.gap.get(channel)
        if gap is None:
            return
        now = time.monotonic()
        at = max(now, self.next_at.get(channel, now))
        if at > now:
            self.sleep(at - now)
        self.next_at[channel] = at + gap * messages


class Outbox:
    def __init__(self, store: Store, sender: Sender, clock: Clock, channels: tuple[str, ...] = ("email", "sms"),
                 rates: dict[str, float] | None = None, wechat: WechatDelivery | None = None):
        self.store, self.sender, self.clock, self.channels = store, sender, clock, channels
        self.pace = Pace(rates or {})
        self.wechat = wechat  # review results and reminders as subscribe messages instead of SMS (docs/wechat.md)

    def recent(self, limit: int = 200) -> list[Message]:
        """The latest messages, newest first (the local demo mailbox)."""
        return self.store.list_messages(limit)

    def deliver_pending(self, limit: int = 100) -> int:
        """Send what is pending and due; returns how many were sent."""
        return self._deliver_batch(limit).done.sent

    def backlog(self, limit: int) -> int:
        """How many messages are still pending (counted up to `limit`)."""
        return len(self.store.pending_messages(limit))

    def _deliver_batch(self, limit: int, *, priority_only: bool = False) -> _Batch:
        tally: Counter[str] = Counter()  # sent / failed (for good) / dropped / settled
        counts: Counter[tuple[str, str, str]] = Counter()
        waiting: dict[str, list[Message]] = {}  # the bulk lane, by channel, for a batch-sending provider

        def mark(m: Message) -> None:
            self.store.mark_message(m)
            if outcome := notifications.counted_outcome(m):
                counts[(m.channel, m.authority_code or "", outcome)] += 1

        def send(chunk: list[Message]) -> None:
            if len(chunk) == 1 and self.wechat and (by_wechat := self.wechat.sent_instead(chunk[0], self.clock.now())):
                mark(by_wechat)
                tally.update(_outcome(by_wechat))
                return
            self.pace.wait(chunk[0].channel, len(chunk))
            if len(chunk) == 1:
                errors: list[Exception | None] = [_attempt(self.sender.send, chunk[0])]
            else:
                assert isinstance(self.sender, BatchSender)
                try:
                    errors = self.sender.send_batch(chunk)
                except Exception as e:  # the whole call failed: each message's attempt did
                    errors = [e] * len(chunk)
            for m, error in zip(chunk, errors):
                after = self._after_attempt(m, error, self.clock.now())
                mark(after)
                tally.update(_outcome(after))

        for m in self.store.pending_messages(limit):
            if priority_only and notifications.is_bulk(m):  # the bulk lane comes last: the rest is bulk too
                break
            now = self.clock.now()
            if m.next_attempt_at and m.next_attempt_at > now:
                continue
            if held := self._held_back(m, now):
                mark(held)
                tally.update(["settled", "dropped"] if held.status == "dropped" else ["settled"])
                continue
            size = self.sender.batch_size(m.channel) if isinstance(self.sender, BatchSender) else 1
            if size > 1 and notifications.is_bulk(m):
                chunk = waiting.setdefault(m.channel, [])
                chunk.append(m)
                if len(chunk) == size:
                    send(waiting.pop(m.channel))
                continue
            send([m])
        for chunk in waiting.values():
            send(chunk)
        if counts:  # once per batch: the day's counts per channel and authority (domain/notifications.py)
            self.store.count_deliveries(local_today(self.clock.now()), counts)
        return _Batch(Delivery(tally["sent"], tally["failed"], tally["dropped"]), tally["settled"])

    @staticmethod
    def _after_attempt(m: Message, error: Exception | None, now: dt.datetime) -> Message:
        """The message after an attempt that raised `error` (None: sent)."""
        attempts = m.attempts + 1
        if error is None:
            return m.model_copy(update={"status": "sent", "attempts": attempts, "sent_at": now,
                                        "next_attempt_at": None})
        if isinstance(error, Undeliverable):  # retrying cannot help (e.g. no SMS template for it): failed, and why
            log.warning("message %s cannot be delivered: %s", m.id, error)
            return m.model_copy(update={"attempts": attempts, "status": "failed", "reason": str(error),
                                        "next_attempt_at": None})
        log.warning("sending message %s failed: %r", m.id, error)  # kept for a later attempt
        return m.model_copy(update={"attempts": attempts, "status": "failed" if attempts >= MAX_ATTEMPTS else "pending",
                                    "next_attempt_at": now + retry_delay(attempts)})

    def _held_back(self, m: Message, now: dt.datetime) -> Message | None:
        """The message marked as not sent, and why; None when it may go out."""
        if notifications.expired(m, now):  # a retry too: late is worse than not at all
            return m.model_copy(update={"status": "dropped", "reason": notifications.expired_reason(),
                                        "next_attempt_at": None})
        if m.channel not in self.channels:  # e.g. no e-mail where SES is not offered: the SMS twin goes out
            return m.model_copy(update={"status": "skipped", "reason": notifications.channel_missing_reason(m)})
        if m.attempts:  # a retry: it passed the limits, and was counted, on its first attempt
            return None
        # coalescing first, so that a message not sent for it does not use up the recipient's day
        if key := notifications.coalesce_claim(m, now):
            try:
                self.store.claim(key, now)
            except AlreadyExists:
                return m.model_copy(update={"status": "coalesced", "reason": notifications.coalesced_reason()})
        cap = notifications.daily_cap(m)
        if cap is not None and self.store.next_sequence(notifications.daily_counter(m, now)) > cap:
            return m.model_copy(update={"status": "skipped", "reason": notifications.over_cap_reason(m, cap)})
        return None

    def deliver_for(self, seconds: float, batch: int = 200) -> Delivery:
        """Deliver batch after batch until a batch settles nothing (nothing due is left) or the time budget
        is spent."""
        total = Delivery(0, 0)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            done = self._deliver_batch(batch)
            total += done.done
            if not done.settled:
                break
        return total

    def deliver_soon(self) -> None:
        """Right after an action: try to send the priority lane (the action's own messages; never a day's
        reminders, which would hold the request up), but never let delivery fail the action."""
        try:
            self._deliver_batch(100, priority_only=True)
        except Exception:
            log.warning("outbox delivery failed; the scheduled job will retry", exc_info=True)
