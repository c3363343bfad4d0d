"""Signed action links in notifications: bound to a purpose, a filing's submission and an account; expiring;
single use.

The link's GET only shows a confirmation page (mail scanners open links); the POST acts, and claims the
link's nonce so it cannot act twice. Expiry is measured on the app's clock (the issue time is signed in).
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from ..domain.reference import policy
from ..ports import Clock
from .token_signer import TokenInvalid, TokenSigner

REVIEW = "review-filing"


class LinkRefused(Exception):
    """Why a link cannot be used, in words for the page."""


@dataclass(frozen=True)
class ActionLink:
    purpose: str
    filing_id: str
    username: str
    nonce: str
    submission: str | None  # the receipt number of the submission the link was sent for

    @property
    def claim_key(self) -> str:
        return f"link#{self.nonce}"


class ActionLinks:
    def __init__(self, signer: TokenSigner, clock: Clock, base_url: str):
        self.signer, self.clock, self.base_url = signer, clock, base_url.rstrip("/")

    @property
    def max_age(self) -> dt.timedelta:
        return dt.timedelta(days=policy().action_link_days)

    def url(self, purpose: str, filing_id: str, username: str, submission: str) -> str:
        token = self.signer.sign("action-link", {"p": purpose, "f": filing_id, "u": username, "s": submission,
                                                  "n": secrets.token_urlsafe(12),
                                                  "t": int(self.clock.now().timestamp())})
        return f"{self.base_url}/act/{token}"

    def read(self, token: str, *, purpose: str, username: str) -> ActionLink:
        """The link's claims, if it is genuine, unexpired, for `purpose` and for this account."""
        try:
            data = self.signer.load("action-link", token, max_age_seconds=None)
            issued = dt.datetime.fromtimestamp(int(data["t"]), dt.timezone.utc)
        except (TokenInvalid, KeyError, TypeError, ValueError):
            raise LinkRefused("链接无效或已被篡改，请登录系统在审核列表中办理") from None
        if self.clock.now() - issued > self.max_age:
            raise LinkRefused(f"链接已过期（有效期{self.max_age.days}天），请登录系统在审核列表中办理")
        if data.get("p") != purpose:
            raise LinkRefused("链接用途不符，请登录系统办理")
        if data.get("u") != username:
            raise LinkRefused("此链接是发给其他审核员的，请使用您本人收到的链接，或在审核列表中办理")
        return ActionLink(data["p"], data["f"], data["u"], data["n"], data.get("s"))
