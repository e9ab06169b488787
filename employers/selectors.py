"""Reads of vacancies."""

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from employers.models import Vacancy
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
