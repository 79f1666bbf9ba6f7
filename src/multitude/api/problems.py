"""The errors a request can meet, each with its HTTP status. They render as JSON under /api
and as an HTML page elsewhere (see errors.py); their message is what the person reads, so it
names what is wrong. Nothing else reaches a client: an unexpected exception becomes a bare 500."""

from __future__ import annotations

__all__ = ["Conflict", "Forbidden", "Invalid", "NotFound", "Problem", "TooManyAttempts", "Unauthenticated"]


class Problem(Exception):
    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Unauthenticated(Problem):
    """No valid session or token: log in first."""

    status = 401


class Forbidden(Problem):
    """The caller may not do this here; the message gives the rule's reason."""

    status = 403


class NotFound(Problem):
    status = 404


class Conflict(Problem):
    """The request is well formed but clashes with what exists (a name already taken)."""

    status = 409


class Invalid(Problem):
    """The request is malformed; `field` names the part that is wrong."""

    status = 422


class TooManyAttempts(Problem):
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
