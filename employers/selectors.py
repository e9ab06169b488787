"""Reads of vacancies."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from employers.models import Vacancy


def open_vacancy_filter() -> Q:
    """Published and not past its last day (today counts, in the platform's zone)."""
    return Q(status=Vacancy.Status.PUBLISHED) & (
        Q(expires_on__isnull=True) | Q(expires_on__gte=timezone.localdate())
    )


def vacancies_open() -> QuerySet[Vacancy]:
    return Vacancy.objects.filter(open_vacancy_filter())
