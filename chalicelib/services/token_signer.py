"""Passwords (scrypt, a slow KDF from the standard library) and signed bearer tokens."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
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


def password_problem(password: str) -> str | None:
    if len(password) < 8:
        return "密码至少8位"
    kinds = sum(any(test(c) for c in password) for test in (str.isdigit, str.islower, str.isupper))
    if kinds < 2 and not any(not c.isalnum() for c in password):
        return "密码应包含字母、数字或符号中的至少两类"
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
