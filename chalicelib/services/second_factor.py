"""The staff second factor (docs/rules.md §13): TOTP codes (RFC 6238, pyotp) from an authenticator app enrolled
by QR code at first sign-in, and one-time recovery codes stored hashed. Which roles must use it is policy
(`second_factor_roles`); the 系统安全员 resets it through a 附件2 application (重置动态口令)."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from ..domain.model import Account
from ..domain.reference import policy

ISSUER = "山西劳动用工备案"
RECOVERY_CODES = 10
STEP_SECONDS = 30


def required(account: Account) -> bool:
    return account.role.value in policy().second_factor_roles


def new_secret() -> str:
    import pyotp  # cold start: only enrolment needs it
    return pyotp.random_base32()


def enrolment_uri(secret: str, username: str) -> str:
    """What the QR code holds: an authenticator app's otpauth:// address."""
    import pyotp
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(text: str) -> str:
    """The QR code of `text` as an inline SVG (no image file, no network)."""
    import segno
    svg: str = segno.make(text, error="m").svg_inline(scale=5, border=2)
    return svg


def _step(now: dt.datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step whose TOTP code `code` is (this one or a neighbour, for clock drift), or None."""
    import pyotp
    code = "".join(code.split())
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    for step in (_step(now), _step(now) - 1, _step(now) + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def recovery_codes() -> list[str]:
    """Fresh one-time recovery codes, shown once ("xxxxx-xxxxx", no letters to misread)."""
    alphabet = "23456789abcdefghjkmnpqrstuvwxyz"
    return ["-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(2))
            for _ in range(RECOVERY_CODES)]


def recovery_hash(code: str) -> str:
    """How a recovery code is kept (50 random bits each, and every try goes through the sign-in guard)."""
    return hashlib.sha256("".join(code.lower().split()).encode()).hexdigest()


def accepted(account: Account, code: str, now: dt.datetime) -> Account | None:
    """The account after `code` (a TOTP code not used before, or an unused recovery code) is accepted; None if it
    is not. A used TOTP step and a used recovery code are never accepted again."""
    if account.totp_secret is None:
        return None
    step = matching_step(account.totp_secret, code, now)
    if step is not None:
        return account.model_copy(update={"totp_last_step": step}) if step > account.totp_last_step else None
    hashed = recovery_hash(code)
    if hashed in account.recovery_codes:
        return account.model_copy(update={"recovery_codes": [h for h in account.recovery_codes if h != hashed]})
    return None
