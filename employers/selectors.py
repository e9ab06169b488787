"""Reads of vacancies."""

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import Actor, Perm, require
from employers.models import SyncRun, Vacancy
from fairplatform.errors import NotFound


def open_vacancy_filter() -> Q:
    """Published and not past its last day (today counts, in the platform's zone)."""
    return Q(status=Vacancy.Status.PUBLISHED) & (
        Q(expires_on__isnull=True) | Q(expires_on__gte=timezone.localdate())
    )


def vacancies_open() -> QuerySet[Vacancy]:
    return Vacancy.objects.filter(open_vacancy_filter())


def access_open_vacancy(*, vacancy_id: int) -> Vacancy:
    """A public vacancy page exists while the vacancy is open; after that it is gone (404)."""
    vacancy = vacancies_open().select_related("employer", "sector").filter(pk=vacancy_id).first()
    if vacancy is None:
        raise NotFound("vacancy.not_found", _("This vacancy does not exist or is no longer open."))
    return vacancy


def sync_runs_recent(*, actor: Actor, limit: int = 50) -> QuerySet[SyncRun]:
    require(actor, Perm.VACANCY_IMPORT)
    return SyncRun.objects.order_by("-started_at")[:limit]


def access_sync_run(*, actor: Actor, run_id: int) -> SyncRun:
    require(actor, Perm.VACANCY_IMPORT)
    run = SyncRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound("vacancy_sync.not_found", _("This import run does not exist."))
    return run
