"""Reads of fairs and booths, shaped for the pages that show them."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, User
from accounts.permissions import Actor, Perm, can
from employers.models import Vacancy
from employers.selectors import open_vacancy_filter, vacancies_open
from fairplatform.errors import NotFound
from rooms.models import Booth, Fair, InterviewSession


def fairs_upcoming() -> QuerySet[Fair]:
    """Published and live fairs that have not ended, soonest first."""
    return (
        Fair.objects.filter(
            status__in=[Fair.Status.PUBLISHED, Fair.Status.LIVE], ends_at__gt=timezone.now()
        )
        .select_related("organiser")
        .prefetch_related("sectors")
        .annotate(booth_count=Count("booths"))
        .order_by("starts_at")
    )


def access_fair(*, actor: Actor, fair_id: int) -> Fair:
    """The fair if this actor may see it; one error for 'missing' and 'hidden' alike."""
    fair = (
        Fair.objects.select_related("organiser")
        .prefetch_related("sectors")
        .filter(pk=fair_id)
        .first()
    )
    if fair is None or not can(actor, Perm.FAIR_VIEW, fair):
        raise NotFound("fair.not_found", _("This fair does not exist or is not public yet."))
    return fair


def fair_booths(*, fair: Fair) -> QuerySet[Booth]:
    return (
        fair.booths.select_related("employer", "employer__sector")
        .prefetch_related(Prefetch("vacancies", queryset=vacancies_open()))
        .order_by("employer__legal_name")
    )


def access_booth(*, actor: Actor, booth_id: int) -> Booth:
    booth = (
        Booth.objects.select_related("fair", "fair__organiser", "employer", "employer__sector")
        .filter(pk=booth_id)
        .first()
    )
    if booth is None or not can(actor, Perm.FAIR_VIEW, booth.fair):
        raise NotFound("booth.not_found", _("This booth does not exist or is not public yet."))
    return booth


def booth_open_vacancies(*, booth: Booth) -> QuerySet[Vacancy]:
    return booth.vacancies.filter(open_vacancy_filter()).select_related("sector")


def access_interview(*, actor: Actor, session_id: int) -> InterviewSession:
    """The call if the actor is one of its participants; one error for 'missing' and 'not yours'."""
    session = (
        InterviewSession.objects.filter(pk=session_id, participants__user_id=actor.pk)
        .prefetch_related("participants__user")
        .first()
        if actor.is_authenticated
        else None
    )
    if session is None:
        raise NotFound("interview.not_found", _("This call does not exist or is not yours."))
    return session


def interviews_of(*, user: User) -> QuerySet[InterviewSession]:
    """The open calls this person takes part in, newest first."""
    return (
        InterviewSession.objects.filter(
            participants__user=user, state__in=InterviewSession.OPEN_STATES
        )
        .prefetch_related("participants__user")
        .order_by("-created_at")
    )


def fairs_managed_by(*, user: User) -> QuerySet[Fair]:
    organiser_of = Membership.objects.filter(user=user, role=Membership.Role.ORGANISER).values(
        "organisation_id"
    )
    if user.is_superuser:
        fairs = Fair.objects.all()
    else:
        fairs = Fair.objects.filter(organiser_id__in=organiser_of)
    return fairs.annotate(booth_count=Count("booths")).order_by("-starts_at")


def booths_editable_by(*, user: User) -> QuerySet[Booth]:
    employer_orgs = Membership.objects.filter(
        user=user, role__in=[Membership.Role.EMPLOYER_ADMIN, Membership.Role.RECRUITER]
    ).values("organisation_id")
    organiser_of = Membership.objects.filter(user=user, role=Membership.Role.ORGANISER).values(
        "organisation_id"
    )
    return (
        Booth.objects.filter(
            Q(employer__organisation_id__in=employer_orgs) | Q(fair__organiser_id__in=organiser_of)
        )
        .select_related("fair", "employer")
        .order_by("fair__starts_at", "employer__legal_name")
    )
