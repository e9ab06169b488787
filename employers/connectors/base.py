"""The one interface every vacancy source implements; `employers.vacancy_sync` drives it."""

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from employers.models import Vacancy
from employers.rejection_texts import problem
from employers.vacancy_records import Rejection, Tombstone, VacancyRecord

log = logging.getLogger(__name__)

Item = VacancyRecord | Tombstone | Rejection


@dataclass(frozen=True)
class Position:
    """A keyset position in the source's change stream: (updated_at, source_ref)."""

    at: datetime
    ref: str


@dataclass(frozen=True)
class Batch:
    items: list[Item]
    # Where the next read starts once this batch has committed; None when the source has no
    # stream position (a file).
    position: Position | None
    deletions_up_to: datetime | None = None


class Connector(Protocol):
    source: Vacancy.Source
    # False for a file: one batch, no stream position, no full reconciliation.
    incremental: bool

    def changes(self, start: Position | None) -> Iterator[Batch]:
        """Records changed at or after `start` (everything when None), in keyset order."""
        ...

    def deletions(self, since: datetime | None) -> Iterator[Batch]:
        """Vacancies deleted at the source without a tombstone row."""
        ...

    def active_refs(self) -> Iterable[str]:
        """Every reference the source currently publishes, for the full reconciliation."""
        ...

    def close(self) -> None: ...


def unreadable(source_ref: str, payload: dict[str, Any], exc: Exception) -> Rejection:
    """A record whose building failed in a way no check foresaw, rejected on its own: failing
    the batch would stop every later run at the same record."""
    log.exception("Vacancy record %r could not be read", source_ref)
    error = f"{type(exc).__name__}: {exc}"
    return Rejection(source_ref, [problem("unreadable", error=error)], payload)
