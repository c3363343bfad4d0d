"""docs/rules.md §13: the password rule, and how long a name waits after failed sign-ins."""
import datetime as dt

import pytest

from chalicelib.domain.sign_in import SignInGuard, wait_text
from chalicelib.services.token_signer import password_problem

T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("password, rule", [
    ("Short-1", "密码至少10位"),
    (" " * 12, "该密码过于常见，容易被猜中，请换一个"),
    ("password123", "该密码过于常见，容易被猜中，请换一个"),
    ("Woaini1314", "该密码过于常见，容易被猜中，请换一个"),
    ("a123456789", "该密码过于常见，容易被猜中，请换一个"),
    ("QWERTYUIOP", "该密码过于常见，容易被猜中，请换一个"),
    ("x91140100MA0K1234X5", "密码不能包含统一社会信用代码"),
    ("call-13912345678", "密码不能包含手机号码"),
    ("Xd-Op-Spring-Rain", "密码不能包含账号名"),
])
def test_a_new_password_is_refused_saying_which_rule(password, rule):
    assert password_problem(password, username="xd-op", uscc="91140100MA0K1234X5", mobile="13912345678") == rule


def test_a_long_uncommon_password_is_fine():
    assert password_problem("晋阳湖畔-春风2026", username="xd-op") is None
    assert password_problem("Staff-Passw0rd") is None


def guard_after(failures: int) -> SignInGuard:
    guard = SignInGuard(key="k")
    for i in range(failures):
        guard = guard.counted(T0 + dt.timedelta(seconds=i))
    return guard


def test_five_failures_bring_a_wait_that_doubles_and_stops_at_ten_minutes():
    assert guard_after(4).wait(T0 + dt.timedelta(seconds=4)) == dt.timedelta(0)
    last = T0 + dt.timedelta(seconds=4)
    assert guard_after(5).wait(last) == dt.timedelta(seconds=30)
    assert guard_after(6).wait(T0 + dt.timedelta(seconds=5)) == dt.timedelta(seconds=60)
    assert guard_after(30).wait(T0 + dt.timedelta(seconds=29)) == dt.timedelta(minutes=10)


def test_a_quiet_window_starts_the_count_again():
    guard = guard_after(8)
    later = T0 + dt.timedelta(minutes=16)
    assert guard.wait(later) == dt.timedelta(0) and guard.counted(later).attempts == 1


def test_waits_read_in_minutes_and_seconds():
    assert [wait_text(dt.timedelta(seconds=s)) for s in (0.2, 30, 60, 150)] == ["1秒", "30秒", "1分钟", "2分30秒"]
