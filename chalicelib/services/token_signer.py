"""Passwords (scrypt, a slow KDF from the standard library) and signed bearer tokens."""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "scrypt$%d$%d$%d$%s$%s" % (_N, _R, _P, base64.b64encode(salt).decode(), base64.b64encode(digest).decode())


def verify_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


MIN_PASSWORD_LENGTH = 10


@functools.cache
def _common_passwords() -> frozenset[str]:
    text = (Path(__file__).resolve().parent.parent / "reference" / "common_passwords.txt").read_text("utf-8")
    return frozenset(line.lower() for line in text.splitlines() if line and not line.startswith("#"))


def password_problem(password: str, *, username: str = "", uscc: str = "", mobile: str = "") -> str | None:
    """The first rule of docs/rules.md §13 a new password breaks, in words saying which (None: it is fine).
    Passwords set before this rule keep working; it applies when one is set or changed."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少{MIN_PASSWORD_LENGTH}位"
    lowered = password.lower()
    for value, name in ((uscc, "统一社会信用代码"), (mobile, "手机号码"), (username, "账号名")):
        if len(value.strip()) >= 3 and value.strip().lower() in lowered:
            return f"密码不能包含{name}"
    if lowered in _common_passwords() or lowered.strip() in _common_passwords() or not password.strip():
        return "该密码过于常见，容易被猜中，请换一个"
    return None


class TokenInvalid(Exception):
    pass


class TokenExpired(TokenInvalid):
    pass


class TokenSigner:
    """Bearer tokens and session cookies: signed, expiring, bound to a purpose (salt)."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def sign(self, purpose: str, payload: dict[str, Any]) -> str:
        return URLSafeTimedSerializer(self._secret, salt=purpose).dumps(payload)

    def load(self, purpose: str, token: str, max_age_seconds: int | None) -> dict[str, Any]:
        """The payload (a dict, as `sign` takes it); TokenExpired or TokenInvalid otherwise."""
        try:
            payload = URLSafeTimedSerializer(self._secret, salt=purpose).loads(token, max_age=max_age_seconds)
        except SignatureExpired:
            raise TokenExpired(purpose) from None
        except BadSignature:
            raise TokenInvalid(purpose) from None
        if not isinstance(payload, dict):
            raise TokenInvalid(purpose)
        return payload

    def verify(self, purpose: str, token: str, max_age_seconds: int) -> dict[str, Any] | None:
        try:
            return self.load(purpose, token, max_age_seconds)
        except TokenInvalid:
            return None
