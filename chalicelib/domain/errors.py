"""Domain errors. Each carries the HTTP status and API error code it maps to (docs/api.md)."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class ValidationFailed(DomainError):
    status, code = 422, "validation_failed"


class Unauthenticated(DomainError):
    status, code = 401, "unauthenticated"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class SecondFactorRequired(DomainError):
    """The password was right; the sign-in goes on with a code from the authenticator app (`challenge`)."""
    status, code = 401, "second_factor_required"

    def __init__(self, message: str, challenge: str) -> None:
        super().__init__(message)
        self.challenge = challenge


class Locked(DomainError):
    status, code = 423, "locked"


class RateLimited(DomainError):
    status, code = 429, "rate_limited"

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds, sent as Retry-After


def retry_headers(e: DomainError) -> dict[str, str]:
    """The Retry-After header of a refusal that says when to come back."""
    seconds = getattr(e, "retry_after", None)
    return {"Retry-After": str(seconds)} if seconds else {}


class Unavailable(DomainError):
    """A service the request needs (WeChat's server) did not answer: try again later."""
    status, code = 503, "unavailable"


class TooLarge(DomainError):
    status, code = 413, "too_large"


def problem(message: str, *, column: str | None = None, field: str | None = None,
            row: int | None = None) -> dict[str, Any]:
    """One entry of an error's `details` (docs/api.md): row and Chinese column name where known."""
    return {"row": row, "column": column, "field": field, "message": message}
