"""Domain errors: a dotted code for machines, a translated message for people."""

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    """A refusal the caller can show as it is: HTTP 4xx or a protocol error frame."""

    http_status = 400

    def __init__(self, code: str, message: str | Promise, **data: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.data = data


class NotFound(DomainError):
    """Also raised for objects the actor may not see, so the two cannot be told apart."""

    http_status = 404


class Forbidden(DomainError):
    http_status = 403
