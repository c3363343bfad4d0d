"""How often a name may be tried at the sign-in (docs/rules.md §13). Pure rules.

Every attempt on a name is counted *before* its password is checked, by a conditional write of the name's
guard, so concurrent guesses cannot slip past the count. After `lockout_threshold` attempts with no success
between them, each next attempt waits: `sign_in_first_delay_seconds`, doubling with each further one, never
more than `sign_in_max_delay_minutes`. There is no lock: once the wait is over, the right password (and second
factor) signs in. A success clears the count; so does `lockout_window_minutes` without any attempt. The guard
is keyed by the name as typed (hashed), so a name with no account behaves exactly like one with an account.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math

from pydantic import BaseModel

from .reference import policy


def guard_key(username: str) -> str:
    """The guard's key: the same for the same name, whether or not an account has it (never the name itself:
    it is often a password typed into the wrong box)."""
    return hashlib.sha256(username.strip().lower().encode("utf-8", "replace")).hexdigest()[:32]


class SignInGuard(BaseModel):
    key: str
    attempts: int = 0  # counted attempts since the last success (or the last quiet window)
    last_at: dt.datetime | None = None
    version: int = 0  # 0: not stored yet

    def _current(self, now: dt.datetime) -> int:
        quiet = self.last_at is None or now - self.last_at >= dt.timedelta(minutes=policy().lockout_window_minutes)
        return 0 if quiet else self.attempts

    def wait(self, now: dt.datetime) -> dt.timedelta:
        """How long until the name may be tried again (zero: now)."""
        attempts = self._current(now)
        if attempts < policy().lockout_threshold or self.last_at is None:
            return dt.timedelta(0)
        return max(dt.timedelta(0), self.last_at + delay(attempts) - now)

    def counted(self, now: dt.datetime) -> "SignInGuard":
        """One more attempt, counted before its password is checked (the caller checks `wait` first)."""
        return self.model_copy(update={"attempts": self._current(now) + 1, "last_at": now,
                                       "version": self.version + 1})

    def cleared(self) -> "SignInGuard":
        return self.model_copy(update={"attempts": 0, "version": self.version + 1})

    @property
    def delayed(self) -> bool:
        return self.attempts >= policy().lockout_threshold


def delay(attempts: int) -> dt.timedelta:
    """The wait after `attempts` counted attempts (at least the threshold)."""
    p = policy()
    doublings = min(attempts - p.lockout_threshold, 20)
    return min(dt.timedelta(seconds=p.sign_in_first_delay_seconds * 2 ** doublings),
               dt.timedelta(minutes=p.sign_in_max_delay_minutes))


def wait_text(wait: dt.timedelta) -> str:
    """A wait in words a user reads ("2分30秒", "45秒")."""
    seconds = max(1, math.ceil(wait.total_seconds()))
    minutes, seconds = divmod(seconds, 60)
    return (f"{minutes}分" if minutes else "") + (f"{seconds}秒" if seconds or not minutes else "钟")
