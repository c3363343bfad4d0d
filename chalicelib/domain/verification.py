"""SMS verification codes (docs/rules.md §12): pure rules. A code is stored only as a salted hash, lives
`verification_code_minutes`, allows `verification_code_tries` wrong answers, and a number gets a new one at most
every `verification_resend_seconds` and `verification_codes_per_number_per_day` times a (Beijing) day; one client
address asks for at most `verification_codes_per_address_per_day` (policy.json). services/verification.py applies
them with the store's conditional writes and named sequences, so concurrent requests cannot beat them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from enum import StrEnum

from pydantic import BaseModel

from .calendar import local_today
from .reference import policy


class Purpose(StrEnum):
    """What a code proves; a code for one purpose never serves another."""
    REGISTER = "register"  # the filer's mobile, before the unit is created
    RESET = "reset"  # 忘记密码: the registered mobile of a unit's account
    CONTACT = "contact"  # a signed-in person's new mobile
    REBIND = "rebind"  # the new 单位管理员's mobile, when a reviewer rebinds a lost unit
    CLERK = "clerk"  # a new 经办人's mobile, read out to the 单位管理员 who adds the account


PURPOSE_LABEL = {Purpose.REGISTER: "注册", Purpose.RESET: "找回密码", Purpose.CONTACT: "更换手机号",
                 Purpose.REBIND: "单位管理员变更", Purpose.CLERK: "添加经办人"}


class VerificationCode(BaseModel):
    """The latest code sent to one mobile for one purpose (key: purpose#mobile)."""
    key: str
    salt: str
    code_hash: str
    sent_at: dt.datetime
    expires_at: dt.datetime
    tries: int = 0  # wrong answers so far
    used: bool = False
    subject: str | None = None  # the account a reset code is for (None: the number matched none; it never works)
    version: int = 1


def code_key(purpose: Purpose, mobile: str) -> str:
    return f"{purpose.value}#{mobile}"


def _digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10 ** 6):06d}"


def issued(purpose: Purpose, mobile: str, code: str, now: dt.datetime, *, subject: str | None,
           before: VerificationCode | None) -> VerificationCode:
    salt = secrets.token_hex(8)
    return VerificationCode(key=code_key(purpose, mobile), salt=salt, code_hash=_digest(salt, code), sent_at=now,
                            expires_at=now + dt.timedelta(minutes=policy().verification_code_minutes),
                            subject=subject, version=before.version + 1 if before else 1)


def wait_seconds(before: VerificationCode | None, now: dt.datetime) -> int:
    """How long until another code may be sent to the number (0: now)."""
    if before is None:
        return 0
    left = before.sent_at + dt.timedelta(seconds=policy().verification_resend_seconds) - now
    return max(0, int(left.total_seconds() + 0.999))


def matches(record: VerificationCode, code: str) -> bool:
    return hmac.compare_digest(record.code_hash, _digest(record.salt, code.strip()))


def spent(record: VerificationCode | None, now: dt.datetime) -> bool:
    """No longer usable: absent, used, expired or out of tries."""
    return (record is None or record.used or record.expires_at <= now
            or record.tries >= policy().verification_code_tries)


def day_counters(mobile: str, address: str, now: dt.datetime) -> tuple[str, str]:
    """The named sequences counting today's codes to a number and asked from a client address (digests: counter
    names do not spell out numbers or addresses)."""
    day = local_today(now).isoformat()
    return f"sms-code#number#{_short_digest(mobile)}#{day}", f"sms-code#address#{_short_digest(address)}#{day}"


def _short_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def mobile_problem(mobile: str) -> str | None:
    if not re.fullmatch(r"1[0-9]{10}", mobile):  # ASCII digits only (str.isdigit takes other scripts' too)
        return "请填写11位手机号码"
    return None
