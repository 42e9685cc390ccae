"""Domain errors. Each carries the wire `code` and the HTTP status; one handler renders them all
as `{"error": {"code": ..., "message": ...}}` (PARTNER_API.md)."""

from __future__ import annotations


class CarbonLedgerError(Exception):
    """Base of every error a client may see. The message says what to fix."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def body(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}


class InvalidInput(CarbonLedgerError):
    """The request is malformed (400)."""

    status = 400
    code = "invalid_request"


class Unauthorized(CarbonLedgerError):
    """The caller could not be authenticated (401)."""

    status = 401
    code = "unauthorized"


class Forbidden(CarbonLedgerError):
    """The caller is known but may not do this (403)."""

    status = 403
    code = "forbidden"


class NotFound(CarbonLedgerError):
    """The thing asked for does not exist, or is not the caller's to see (404)."""

    status = 404
    code = "not_found"


class Conflict(CarbonLedgerError):
    """The request conflicts with the current state (409)."""

    status = 409
    code = "conflict"


class Gone(CarbonLedgerError):
    """The thing asked for existed but has expired (410)."""

    status = 410
    code = "gone"


class TooLarge(CarbonLedgerError):
    """The request body is over the limit (413)."""

    status = 413
    code = "batch_too_large"


class RateLimited(CarbonLedgerError):
    """Too many requests; `retry_after` seconds to wait (429)."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InsufficientPoints(Conflict):
    """A transfer would take an account below zero (409); nothing was moved."""

    code = "insufficient_points"


class LoginThrottled(RateLimited):
    """Too many failed logins for one account; `retry_after` seconds to wait (429)."""

    code = "too_many_attempts"


class DatabaseUnavailable(CarbonLedgerError):
    """No writable database answers (a failover is under way); nothing was changed, and the same
    request may be sent again after `retry_after` seconds (503)."""

    status = 503
    code = "unavailable"

    def __init__(self, retry_after: int = 2) -> None:
        super().__init__(
            "the database is switching servers; nothing was changed — "
            f"send the same request again in {retry_after} s"
        )
        self.retry_after = retry_after
