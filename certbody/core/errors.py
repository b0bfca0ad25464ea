"""Domain errors: raised by services, turned into clear messages by pages and the API."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused business operation. `code` is machine-readable, `message` is for people."""

    code = "domain_error"
    http_status = 409

    def __init__(self, message: Any, *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(str(message))
        self.message = str(message)
        if code:
            self.code = code
        self.details = details or {}


class IllegalTransition(DomainError):
    code = "illegal_transition"


class NotAllowed(DomainError):
    """The actor lacks the role or the object relation for the step."""

    code = "forbidden"
    http_status = 403


class NotIndependent(DomainError):
    """ISO/IEC 17065 7.5/7.6/7.13: the person took part in the evaluation."""

    code = "not_independent"


class InvalidInput(DomainError):
    code = "invalid"
    http_status = 422


class NotFound(DomainError):
    code = "not_found"
    http_status = 404
