"""Reads of vacancies."""

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import Actor, Perm, require
from employers.models import SectorSection, SyncRun, Vacancy
from fairplatform.errors import NotFound


def open_vacancy_filter() -> Q:
    """Published and not past its last day (today counts, in the platform's zone)."""
    return Q(status=Vacancy.Status.PUBLISHED) & (
        Q(expires_on__isnull=True) | Q(expires_on__gte=timezone.localdate())
    )


def vacancy_division(vacancy: Vacancy) -> int | None:
    """The vacancy's ATECO/NACE division (the code's first two digits), if it has a code."""
    head = (vacancy.sector_ateco or vacancy.sector_nace).split(".")[0]
    return int(head) if head.isascii() and head.isdigit() else None


def vacancy_in_sections(vacancy: Vacancy, sections: list[SectorSection]) -> bool:
    """The same section, or (across ATECO 2007 and 2025, whose letters differ) a division in
    one of the sections' ranges: what a fair's sectors take in, for proposals and searches."""
    if any(vacancy.sector_id == section.pk for section in sections):
        return True
    division = vacancy_division(vacancy)
    return division is not None and any(
        s.division_from <= division <= s.division_to for s in sections
    )


def vacancies_open() -> QuerySet[Vacancy]:
    return Vacancy.objects.filter(open_vacancy_filter())


def access_open_vacancy(*, vacancy_id: int) -> Vacancy:
    """A public vacancy page exists while the vacancy is open; after that it is gone (404)."""
    vacancy = vacancies_open().select_related("employer", "sector").filter(pk=vacancy_id).first()
    if vacancy is None:
        raise NotFound("vacancy.not_found", _("This vacancy does not exist or is no longer open."))
    return vacancy


def sync_runs(*, actor: Actor) -> QuerySet[SyncRun]:
    """Every import run, newest first."""
    require(actor, Perm.VACANCY_IMPORT)
    return SyncRun.objects.order_by("-started_at", "-pk")


def access_sync_run(*, actor: Actor, run_id: int) -> SyncRun:
    require(actor, Perm.VACANCY_IMPORT)
    run = SyncRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound("vacancy_sync.not_found", _("This import run does not exist."))
    return run
