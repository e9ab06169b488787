"""Domain errors: a dotted code for machines, a translated message for people."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
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


@contextmanager
def unique_or(error: ValidationError) -> Iterator[None]:
    """Turn a unique-constraint race (two saves that both passed validation) into `error`.

    The savepoint keeps the caller's transaction usable, so the caller rolls back as a whole.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise error from exc
