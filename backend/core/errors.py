"""Domain errors and the one JSON error shape: {"code", "message", "details"}."""

from __future__ import annotations

from typing import Any

from .messages import message_for

STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "bad_request",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    502: "service_unavailable",
    503: "service_unavailable",
}


class DomainError(Exception):
    """A refusal the user can act on. Services raise these; core.api turns them into HTTP."""

    status: int = 400
    default_code: str = "bad_request"

    def __init__(
        self,
        code: str | None = None,
        message: str | None = None,
        details: dict[str, Any] | None = None,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.message = message or message_for(self.code)
        self.details = details or {}
        self.headers = headers or {}
        if status is not None:
            self.status = status
        super().__init__(f"{self.code}: {self.message}")

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class BadRequest(DomainError):
    status = 400
    default_code = "bad_request"


class Unauthorized(DomainError):
    status = 401
    default_code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Conflict(DomainError):
    status = 409
    default_code = "conflict"


class ValidationFailed(DomainError):
    status = 422
    default_code = "validation_error"


class RateLimited(DomainError):
    status = 429
    default_code = "rate_limited"


class ServiceUnavailable(DomainError):
    status = 503
    default_code = "service_unavailable"


def error_body(code: str, message: str | None = None, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message or message_for(code), "details": details or {}}
