"""Domain errors. Each carries the HTTP status it maps to and, where one is to blame, the field."""

from __future__ import annotations


class DomainError(Exception):
    """A request that cannot be done as asked; nothing was changed."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidRequestError(DomainError):
    """The body does not have the shape the endpoint reads (a wrong type, a missing field)."""

    code = "invalid_request"


class NotFoundError(DomainError):
    """The named thing does not exist."""

    status_code = 404
    code = "not_found"


class ConflictError(DomainError):
    """The request clashes with the current state (a duplicate, or not enough stock)."""

    status_code = 409
    code = "conflict"


class InsufficientStockError(ConflictError):
    """A sale or transfer asked for more units than the warehouse has."""

    code = "insufficient_stock"


class TooLargeError(DomainError):
    """An upload is larger than the limit for its field."""

    status_code = 413
    code = "too_large"


class ValidationFailedError(DomainError):
    """The request is well-formed but a value breaks a rule."""

    status_code = 422
    code = "validation_error"


class AuthenticationError(DomainError):
    """No valid credentials were given."""

    status_code = 401
    code = "not_authenticated"


class PermissionDeniedError(DomainError):
    """The user is known but may not do this."""

    status_code = 403
    code = "forbidden"
