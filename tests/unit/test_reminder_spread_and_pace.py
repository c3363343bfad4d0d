"""Issue 21's pure rules: a step's window and each unit's day in it, when a reminder expires, and pacing a
channel to its provider's rate."""
from __future__ import annotations

import datetime as dt
import time

from chalicelib.domain.reminders import current_step, reminder_expires, send_day, spread_days
from chalicelib.services.outbox import Pace
from chalicelib.settings import SettingsError, _send_rates

D = dt.date


def test_a_window_never_reaches_the_next_step_and_every_unit_has_a_day_in_it():
    d30 = current_step(2025, D(2026, 5, 31))
    d1 = current_step(2025, D(2026, 6, 29))
    assert (d30.key, spread_days(d30), d1.key, spread_days(d1)) == ("D-30", 3, "D-1", 1)
    days = {send_day(f"91140000MA{n:08d}", d30) for n in range(200)}
    assert days == {D(2026, 5, 31), D(2026, 6, 1), D(2026, 6, 2)}  # about a third each
    assert send_day("X", d30) == send_day("X", d30)


def test_a_reminder_expires_when_the_next_step_begins_in_beijing():
    assert reminder_expires(current_step(2025, D(2026, 6, 29))) == dt.datetime(2026, 6, 30, 16, tzinfo=dt.timezone.utc)
    assert reminder_expires(current_step(2025, D(2026, 5, 31))).date() == D(2026, 6, 22)  # D-7 starts 23 June


def test_a_paced_channel_never_goes_faster_than_its_rate():
    pace = Pace({"sms": 100})
    start = time.monotonic()
    for _ in range(11):
        pace.wait("sms")
        pace.wait("email")  # not paced
    assert time.monotonic() - start >= 0.1
    assert pace.seconds_for("sms", 360_000) == 3600 and pace.seconds_for("email", 10) == 0


def test_send_rates_are_read_from_the_environment():
    assert _send_rates("email=14, sms=20") == {"email": 14.0, "sms": 20.0}
    try:
        _send_rates("email=fast")
    except SettingsError as e:
        assert "SEND_RATES" in str(e)
    else:
        raise AssertionError("accepted")
