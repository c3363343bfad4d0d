"""Limits on notifications (docs/rules.md §8): a daily cap per recipient and channel, and one review request
per filing, review round, recipient and window.

Pure rules. The outbox (services/outbox.py) applies them when it delivers: it counts with the store's named
sequences and coalesces with its single-use claims, so both backends behave alike without a table of their own.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from .calendar import local_today
from .filing import Filing
from .model import Message, MessageKind
from .reference import policy

CHANNEL_LABEL = {"email": "邮件", "sms": "短信"}
# the daily job's messages are already once per unit and step, or per authority and day; and the digest is
# how a reviewer over the cap still hears of filings that wait too long; a 责令限期改正 is once per unit and year,
# and an agency filing for many units must get each one
UNCAPPED = frozenset({MessageKind.REMINDER, MessageKind.DIGEST, MessageKind.ENFORCEMENT})
# Two lanes (docs/rules.md §8): the daily job's reminders are the bulk lane, delivered after every other pending message
# and paced to the provider's quota; everything else (a verification code, a decision, a review request) is
# the priority lane and never waits behind a day's reminders.
BULK = frozenset({MessageKind.REMINDER})


def is_bulk(m: Message) -> bool:
    return m.kind in BULK


def review_topic(filing: Filing) -> str:
    """Withdrawing and submitting again stays one topic; a submission after a rejection starts a new one."""
    return f"review#{filing.id}#{filing.review_round}"


def _recipient(m: Message) -> str:
    # a digest of the address: counter and claim keys do not spell out e-mail addresses or mobile numbers
    return f"{m.channel}#{hashlib.sha256(m.to.encode()).hexdigest()[:24]}"


def daily_cap(m: Message) -> int | None:
    """How many messages of its channel the recipient may get in a day; None: not capped."""
    if m.kind in UNCAPPED:
        return None
    return policy().messages_per_recipient_per_day.get(m.channel)


def daily_counter(m: Message, now: dt.datetime) -> str:
    """The named sequence counting the recipient's messages on this channel today (Beijing time)."""
    return f"messages#{_recipient(m)}#{local_today(now).isoformat()}"


def over_cap_reason(m: Message, cap: int) -> str:
    channel = CHANNEL_LABEL.get(m.channel, m.channel)
    return f"该收件人今天已收到{cap}条{channel}，达到每日上限，本条不再发送；次日恢复发送"


def coalesce_claim(m: Message, now: dt.datetime) -> str | None:
    """The claim the first message of a topic takes for its recipient and window; None: never coalesced.
    Windows are counted from the epoch, so an hour-long window is a clock hour in Beijing too."""
    if m.topic is None:
        return None
    window = policy().review_request_coalesce_minutes * 60
    return f"coalesce#{_recipient(m)}#{m.topic}#{int(now.timestamp()) // window}"


def coalesced_reason() -> str:
    minutes = policy().review_request_coalesce_minutes
    return f"同一备案的审核通知{minutes}分钟内已发给该收件人，本条不再重复发送"


def channel_missing_reason(m: Message) -> str:
    return f"本系统未开通{CHANNEL_LABEL.get(m.channel, m.channel)}渠道"


# The per-day counts of the daily job's messages (an operator page, the metrics): planned when the job plans a
# unit, then one of the others when the outbox settles its message.
OUTCOMES = ("planned", "sent", "failed", "dropped")
OUTCOME_LABEL = {"planned": "计划", "sent": "已发送", "failed": "发送失败", "dropped": "过期未发"}


def counted_outcome(m: Message) -> str | None:
    """The outcome a settled message counts as, per channel and authority; None: not counted (only the
    reminders, which carry their unit's authority, are)."""
    if m.authority_code is None or m.status not in OUTCOMES:
        return None
    return m.status


def expired(m: Message, now: dt.datetime) -> bool:
    return m.expires_at is not None and now >= m.expires_at


def expired_reason() -> str:
    return "未能在有效期内发送（下一步提醒已开始），本条不再发送"
