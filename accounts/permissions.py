"""Who may do what, in one place: HTTP views and WebSocket handlers both ask `can`/`require`.

Rules are plain functions of (user, object) so they read like the policy they implement.
"""

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Organisation, User
from fairplatform.errors import Forbidden

Actor = User | AnonymousUser
Role = Membership.Role
PUBLIC_OFFICES = frozenset({Organisation.Kind.CPI, Organisation.Kind.EURES})


class Perm(StrEnum):
    STAFF_AREA_ENTER = "staff:enter"
    FAIR_CREATE = "fair:create"
    FAIR_VIEW = "fair:view"
    FAIR_MANAGE = "fair:manage"
    BOOTH_VIEW = "booth:view"
    BOOTH_EDIT = "booth:edit"
    BOOTH_ANSWER = "booth:answer"
    EMPLOYER_EDIT = "employer:edit"
    STAFF_ACCOUNT_CREATE = "organisation:staff.create"
    EMPLOYER_CREATE = "employer:create"
    INTERVIEW_START = "interview:start"
    INTERVIEW_HOST = "interview:host"
    CV_MANAGE = "cv:manage"
    CV_VIEW = "cv:view"
    CV_REVIEW = "cv:review"
    SLOT_PUBLISH = "slot:publish"
    SLOT_MANAGE = "slot:manage"
    SLOT_BOOK = "slot:book"
    BOOKING_CANCEL = "booking:cancel"
    BOOKING_RESCHEDULE = "booking:reschedule"
    BOOKING_INVITE = "booking:invite"
    BOOKING_WINDOW_SET = "booking:window.set"
    WAITLIST_JOIN = "waitlist:join"
    CANDIDATE_VIEW = "candidate:view"
    VACANCY_IMPORT = "vacancy:import"
    VACANCY_PRESELECT = "vacancy:preselect"
    VACANCY_EDIT = "vacancy:edit"


def has_role(user: Actor, organisation_id: int, *roles: str) -> bool:
    if not user.is_authenticated:
        return False
    return any(m.organisation_id == organisation_id and m.role in roles for m in _memberships(user))


def _memberships(user: User) -> list[Membership]:
    # Cached on the user object: one query per request or socket, however many checks follow.
    cached: list[Membership] | None = getattr(user, "_membership_cache", None)
    if cached is None:
        cached = list(user.memberships.select_related("organisation"))
        user._membership_cache = cached  # type: ignore[attr-defined]
    return cached


def forget_memberships(user: User) -> None:
    """Long-lived sockets call this so a revoked role stops working without a reconnect."""
    user.__dict__.pop("_membership_cache", None)


def _is_staff_member(user: Actor, _obj: object) -> bool:
    return user.is_authenticated and bool(_memberships(user))


def _organises(user: Actor, organisation: Organisation) -> bool:
    return has_role(user, organisation.pk, Role.ORGANISER)


def _can_create_staff(user: Actor, organisation: Organisation) -> bool:
    """Organisers staff their own office and onboard employers; employer admins staff their own."""
    if has_role(user, organisation.pk, Role.ORGANISER, Role.EMPLOYER_ADMIN):
        return True
    return organisation.kind == Organisation.Kind.EMPLOYER and _is_organiser_anywhere(user)


def _is_organiser_anywhere(user: Actor) -> bool:
    """An organiser at a public office (CPI or EURES): the regional powers (onboarding any
    employer, the vacancy sources, pre-selecting for any vacancy) are the public service's, not
    a private operator's, however its roles are named."""
    return user.is_authenticated and any(
        m.role == Role.ORGANISER and m.organisation.kind in PUBLIC_OFFICES
        for m in _memberships(user)
    )


def _can_view_fair(user: Actor, fair: Any) -> bool:
    return fair.status != fair.Status.DRAFT or _can_manage_fair(user, fair)


def _can_manage_fair(user: Actor, fair: Any) -> bool:
    return has_role(user, fair.organiser_id, Role.ORGANISER)


def _can_edit_booth(user: Actor, booth: Any) -> bool:
    return _can_manage_fair(user, booth.fair) or has_role(
        user, booth.employer.organisation_id, Role.EMPLOYER_ADMIN, Role.RECRUITER
    )


def _can_view_booth(user: Actor, booth: Any) -> bool:
    """As its fair; a booth its employer has not confirmed only for whoever may edit it."""
    return _can_view_fair(user, booth.fair) and (booth.is_confirmed or _can_edit_booth(user, booth))


def _answers_for_employer(user: Actor, booth: Any) -> bool:
    """Taking part in a fair is the employer's own decision: its people, not the organisers."""
    return has_role(user, booth.employer.organisation_id, Role.EMPLOYER_ADMIN, Role.RECRUITER)


def _can_edit_employer(user: Actor, employer: Any) -> bool:
    return has_role(user, employer.organisation_id, Role.EMPLOYER_ADMIN)


def _can_start_interview(user: Actor, booth: Any) -> bool:
    """At a booth: its employer's people or the fair's organisers. Without a booth (a CPI
    meeting): CPI staff only, so an employer cannot reach jobseekers outside the fairs."""
    if booth is not None:
        return _can_edit_booth(user, booth)
    return _is_cpi_staff(user)


def _hosts_interview(user: Actor, session: Any) -> bool:
    return user.is_authenticated and any(
        p.user_id == user.pk and p.role == "host" for p in session.participants.all()
    )


def _is_cpi_staff(user: Actor, _obj: object = None) -> bool:
    """Organisers and operators of a public employment service (CPI or EURES): a role at a
    private operator, however named, does not open every candidate's CV."""
    return user.is_authenticated and any(
        m.role in (Role.ORGANISER, Role.CPI_OPERATOR) and m.organisation.kind in PUBLIC_OFFICES
        for m in _memberships(user)
    )


def _owns_profile(user: Actor, profile: Any) -> bool:
    return user.is_authenticated and profile.user_id == user.pk


def _can_view_cv(user: Actor, version: Any) -> bool:
    return _can_view_candidate(user, version.profile)


def _can_view_candidate(user: Actor, profile: Any) -> bool:
    """A candidate's CV and photo: the candidate, CPI staff, and recruiters of employers the
    candidate shares the CV with now (a withdrawn share stops access at once)."""
    if not user.is_authenticated:
        return False
    if _owns_profile(user, profile) or _is_cpi_staff(user):
        return True
    employer_orgs = [
        m.organisation_id
        for m in _memberships(user)
        if m.role in (Role.EMPLOYER_ADMIN, Role.RECRUITER)
    ]
    return (
        bool(employer_orgs)
        and profile.cv_shares.filter(
            employer__organisation_id__in=employer_orgs, withdrawn_at__isnull=True
        ).exists()
    )


def _can_publish_slots(user: Actor, place: Any) -> bool:
    """At a booth: as for editing it. For a CPI office: its organisers and operators."""
    if isinstance(place, Organisation):
        return has_role(user, place.pk, Role.ORGANISER, Role.CPI_OPERATOR)
    return _can_edit_booth(user, place)


def _can_manage_slot(user: Actor, slot: Any) -> bool:
    """Whoever may publish at its place now: a host who has left the employer or the office
    loses their slots with the role."""
    return _can_publish_slots(user, slot.booth or slot.office)


def _can_book_slot(user: Actor, slot: Any) -> bool:
    return (
        user.is_authenticated
        and slot.host_id != user.pk
        and _can_view_fair(user, slot.fair)
        and (slot.booth is None or slot.booth.is_confirmed)
    )


def _can_cancel_booking(user: Actor, booking: Any) -> bool:
    """The candidate, or whoever may manage the slot (an employer calling an interview off)."""
    return (user.is_authenticated and booking.candidate_id == user.pk) or _can_manage_slot(
        user, booking.slot
    )


def _works_on_vacancy(user: Actor, vacancy: Any) -> bool:
    """Ranking candidates for a vacancy and editing what it asks: its employer's admins and
    recruiters, and CPI/EURES organisers (imported vacancies often have no employer account;
    the CPI pre-selects). Without a vacancy: whether this person does so for any."""
    if _is_organiser_anywhere(user):
        return True
    if vacancy is None:
        return user.is_authenticated and any(
            m.role in (Role.EMPLOYER_ADMIN, Role.RECRUITER) for m in _memberships(user)
        )
    return vacancy.employer_id is not None and has_role(
        user, vacancy.employer.organisation_id, Role.EMPLOYER_ADMIN, Role.RECRUITER
    )


def _can_join_waitlist(user: Actor, booth: Any) -> bool:
    return user.is_authenticated and _can_view_fair(user, booth.fair)


RULES: dict[Perm, Callable[[Actor, Any], bool]] = {
    Perm.STAFF_AREA_ENTER: _is_staff_member,
    Perm.FAIR_CREATE: _organises,
    Perm.FAIR_VIEW: _can_view_fair,
    Perm.FAIR_MANAGE: _can_manage_fair,
    Perm.BOOTH_VIEW: _can_view_booth,
    Perm.BOOTH_EDIT: _can_edit_booth,
    Perm.BOOTH_ANSWER: _answers_for_employer,
    Perm.EMPLOYER_EDIT: _can_edit_employer,
    Perm.STAFF_ACCOUNT_CREATE: _can_create_staff,
    Perm.EMPLOYER_CREATE: lambda user, _obj: _is_organiser_anywhere(user),
    Perm.INTERVIEW_START: _can_start_interview,
    Perm.INTERVIEW_HOST: _hosts_interview,
    Perm.CV_MANAGE: _owns_profile,
    Perm.CV_VIEW: _can_view_cv,
    Perm.CV_REVIEW: _is_cpi_staff,
    Perm.SLOT_PUBLISH: _can_publish_slots,
    Perm.SLOT_MANAGE: _can_manage_slot,
    Perm.SLOT_BOOK: _can_book_slot,
    Perm.BOOKING_CANCEL: _can_cancel_booking,
    Perm.BOOKING_RESCHEDULE: lambda user, booking: (
        user.is_authenticated and booking.candidate_id == user.pk
    ),
    Perm.BOOKING_INVITE: _can_edit_booth,
    # Windows ration a popular booth's time: a fairness policy of the fair, not of the employer.
    Perm.BOOKING_WINDOW_SET: lambda user, booth: _can_manage_fair(user, booth.fair),
    Perm.WAITLIST_JOIN: _can_join_waitlist,
    Perm.CANDIDATE_VIEW: _can_view_candidate,
    # The vacancy sources serve the whole region: any CPI or EURES organiser runs and reads them.
    Perm.VACANCY_IMPORT: lambda user, _obj: _is_organiser_anywhere(user),
    Perm.VACANCY_PRESELECT: _works_on_vacancy,
    Perm.VACANCY_EDIT: _works_on_vacancy,
}


def can(user: Actor, perm: Perm, obj: object = None) -> bool:
    if user.is_authenticated and user.is_active and user.is_superuser:
        return True
    if user.is_authenticated and not user.is_active:
        return False
    return RULES[perm](user, obj)


def require(user: Actor, perm: Perm, obj: object = None) -> None:
    if not can(user, perm, obj):
        raise Forbidden("permission.denied", _("You are not allowed to do this."), perm=str(perm))
