"""The pure rules behind the limits on notifications (domain/notifications.py)."""
from __future__ import annotations

import datetime as dt

from chalicelib.domain import notifications, reference
from chalicelib.domain.filing import Filing
from chalicelib.domain.model import Message, MessageKind

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 6, 29, 1, 0, tzinfo=UTC)  # 09:00 in Beijing


def mail(kind=MessageKind.REVIEW_REQUEST, topic="review#f1#0", to="rev@hrss.example.cn") -> Message:
    return Message(id="m", kind=kind, topic=topic, channel="email", to=to, subject="s", body="b", created_at=T0)


def test_a_rejection_starts_a_new_review_topic_a_withdrawal_does_not():
    f = Filing(id="f1", uscc="U", unit_name="单位", authority_code="140105", year=2025, kind="annual",
               tables=("table1",), created_at=T0, updated_at=T0)
    first = f.submit(actor="u", now=T0, receipt_no="R1")
    again = first.withdraw(actor="u", now=T0).submit(actor="u", now=T0, receipt_no="R2")
    after_rejection = again.review(decision="reject", reason="缺表二", actor="r", now=T0).submit(
        actor="u", now=T0, receipt_no="R3")
    assert notifications.review_topic(first) == notifications.review_topic(again) == "review#f1#0"
    assert notifications.review_topic(after_rejection) == "review#f1#1"


def test_windows_are_clock_hours_in_beijing_and_keys_do_not_spell_out_addresses():
    at = {minute: notifications.coalesce_claim(mail(), T0 + dt.timedelta(minutes=minute)) for minute in (0, 59, 60)}
    assert at[0] == at[59] != at[60]
    assert "rev@" not in at[0] and "rev@" not in notifications.daily_counter(mail(), T0)
    assert notifications.coalesce_claim(mail(topic=None), T0) is None


def test_the_daily_job_is_not_capped_and_the_day_is_beijings():
    assert notifications.daily_cap(mail(kind=MessageKind.DIGEST)) is None
    assert notifications.daily_cap(mail(kind=MessageKind.REMINDER)) is None
    email_cap = reference.policy().messages_per_recipient_per_day["email"]
    assert notifications.daily_cap(mail(kind=MessageKind.REVIEW_REQUEST)) == email_cap
    assert notifications.daily_cap(mail(kind=None)) == email_cap  # stored before kinds were kept
    evening_utc = dt.datetime(2026, 6, 29, 16, 30, tzinfo=UTC)  # 00:30 on 30 June in Beijing
    assert notifications.daily_counter(mail(), evening_utc).endswith("#2026-06-30")
