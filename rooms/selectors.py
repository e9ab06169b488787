"""Reads of fairs, booths, calls and the agenda, shaped for the pages that show them."""

from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Organisation, User
from accounts.permissions import Actor, Perm, can
from employers.models import Vacancy
from employers.selectors import open_vacancy_filter, vacancies_open
from fairplatform.errors import NotFound
from rooms.models import (
    Booking,
    BookingWindow,
    Booth,
    Fair,
    InterviewSession,
    Invitation,
    Slot,
    WaitlistEntry,
)


def fairs_upcoming() -> QuerySet[Fair]:
    """Published and live fairs that have not ended, soonest first."""
    return (
        Fair.objects.filter(
            status__in=[Fair.Status.PUBLISHED, Fair.Status.LIVE], ends_at__gt=timezone.now()
        )
        .select_related("organiser")
        .prefetch_related("sectors")
        .annotate(
            booth_count=Count(
                "booths", filter=Q(booths__participation=Booth.Participation.CONFIRMED)
            )
        )
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
    """The booths candidates see: those their employers confirmed."""
    return (
        fair.booths.filter(participation=Booth.Participation.CONFIRMED)
        .select_related("employer", "employer__sector")
        .prefetch_related(Prefetch("vacancies", queryset=vacancies_open()))
        .order_by("employer__legal_name")
    )


def access_booth(*, actor: Actor, booth_id: int) -> Booth:
    booth = (
        Booth.objects.select_related("fair", "fair__organiser", "employer", "employer__sector")
        .filter(pk=booth_id)
        .first()
    )
    if booth is None or not can(actor, Perm.BOOTH_VIEW, booth):
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


def booths_awaiting_answer(*, user: User) -> QuerySet[Booth]:
    """Booths organisers approved for this person's employers that wait for their answer."""
    employer_orgs = Membership.objects.filter(
        user=user, role__in=[Membership.Role.EMPLOYER_ADMIN, Membership.Role.RECRUITER]
    ).values("organisation_id")
    return (
        Booth.objects.filter(
            employer__organisation_id__in=employer_orgs,
            participation=Booth.Participation.INVITED,
        )
        .exclude(fair__status=Fair.Status.CLOSED)
        .select_related("fair", "fair__organiser", "employer")
        .prefetch_related("vacancies")
        .order_by("fair__starts_at", "employer__legal_name")
    )


# --- the agenda ------------------------------------------------------------------------------


def _held_bookings() -> "Prefetch[str, QuerySet[Booking], str]":
    """Each slot's live booking (at most one), as `slot.held`."""
    return Prefetch(
        "bookings",
        queryset=Booking.objects.filter(state__in=Booking.HOLDING_STATES).select_related(
            "candidate", "interview"
        ),
        to_attr="held",
    )


def slots_by_day(slots: Iterable[Slot]) -> list[tuple[date, list[Slot]]]:
    """Slots grouped by their day in their fair's zone, in order; fairs in other zones on the
    same day make groups of their own, so each group's times are read in one zone."""
    days: dict[tuple[date, str], list[Slot]] = {}
    for slot in slots:
        day = slot.starts_at.astimezone(slot.fair.zone).date()
        days.setdefault((day, slot.fair.timezone), []).append(slot)
    return [(day, day_slots) for (day, _zone), day_slots in days.items()]


def _slots_free(now: datetime) -> QuerySet[Slot]:
    return (
        Slot.objects.filter(state=Slot.State.OPEN, starts_at__gt=now)
        .exclude(fair__status=Fair.Status.DRAFT)
        .select_related("fair", "vacancy")
    )


def booth_slots_open(*, booth: Booth, now: datetime) -> QuerySet[Slot]:
    """The times a candidate can still pick at a booth."""
    return _slots_free(now).filter(booth=booth)


def office_slots_open(*, fair: Fair, now: datetime) -> QuerySet[Slot]:
    """The times a candidate can still pick with the fair's CPI or EURES offices (the help desk,
    remote or at the office), with the office's name."""
    return _slots_free(now).filter(fair=fair, office__isnull=False).select_related("office")


def slots_of_place(
    *, booth: Booth | None = None, office: Organisation | None = None, now: datetime
) -> QuerySet[Slot]:
    """A booth's or an office's slots that have not ended, with who booked each."""
    place = Q(booth=booth) if booth is not None else Q(office=office)
    return (
        Slot.objects.filter(place, ends_at__gt=now)
        .select_related("fair", "vacancy", "host")
        .prefetch_related(_held_bookings())
    )


def agenda_of(*, user: User, since: datetime, until: datetime) -> QuerySet[Slot]:
    """The slots this person hosts between two moments, booked or not, with the bookings."""
    return (
        Slot.objects.filter(host=user, ends_at__gt=since, starts_at__lt=until)
        .exclude(state=Slot.State.CANCELLED)
        .select_related("fair", "vacancy", "booth__employer", "office")
        .prefetch_related(_held_bookings())
    )


def booking_counts_of_fair(*, fair: Fair) -> dict[str, int]:
    """How the fair's booked interviews went: booked (still to come), attended, no-shows and
    cancellations."""
    states = Booking.State
    return Booking.objects.filter(slot__fair=fair).aggregate(
        **{state: Count("pk", filter=Q(state=state)) for state in states.values}
    )


def bookings_of(*, user: User, now: datetime) -> QuerySet[Booking]:
    """The candidate's interviews still to come or under way, soonest first."""
    return (
        Booking.objects.filter(candidate=user, state=Booking.State.BOOKED, slot__ends_at__gt=now)
        .select_related("slot__fair", "slot__booth__employer", "slot__office", "slot__vacancy")
        .select_related("interview")
        .order_by("slot__starts_at")
    )


def access_booking(*, actor: Actor, booking_id: int, now: datetime) -> Booking:
    """The candidate's own active booking; one error for 'missing' and 'not yours'."""
    booking = (
        bookings_of(user=actor, now=now).filter(pk=booking_id).first()
        if isinstance(actor, User)
        else None
    )
    if booking is None:
        raise NotFound("agenda.booking_not_found", _("This booking does not exist."))
    return booking


def invitations_of(
    *, user: User, now: datetime, booth: Booth | None = None
) -> QuerySet[Invitation]:
    """Invitations to book that the candidate has not used yet and can still use."""
    used = Booking.objects.filter(state=Booking.State.BOOKED, invitation__isnull=False).values(
        "invitation_id"
    )
    invitations = Invitation.objects.filter(candidate=user, expires_at__gt=now).exclude(pk__in=used)
    if booth is not None:
        invitations = invitations.filter(booth=booth)
    return invitations.select_related("booth__employer", "booth__fair", "vacancy").order_by(
        "expires_at"
    )


def slots_to_move_to(*, booking: Booking, now: datetime) -> QuerySet[Slot]:
    """The free times of the same booth or office a booking can move to."""
    slot = booking.slot
    same_place = (
        Q(booth_id=slot.booth_id) if slot.booth_id is not None else Q(office_id=slot.office_id)
    )
    return _slots_free(now).filter(same_place)


def booking_window_to_open(*, booth: Booth) -> BookingWindow | None:
    """The booth's booking window if booking there has not opened yet."""
    return BookingWindow.objects.filter(booth=booth, drawn_at__isnull=True).first()


def access_own_waitlist_entry(*, actor: User, entry_id: int) -> WaitlistEntry:
    """The actor's own place on a waitlist, still waiting; one error for anything else."""
    entry = (
        WaitlistEntry.objects.select_related("booth__employer")
        .filter(pk=entry_id, candidate=actor, state=WaitlistEntry.State.WAITING)
        .first()
    )
    if entry is None:
        raise NotFound("agenda.waitlist_not_found", _("You are not on this waitlist."))
    return entry


def waitlist_entry_of(*, user: User, booth: Booth) -> WaitlistEntry | None:
    return WaitlistEntry.objects.filter(
        booth=booth, candidate=user, state=WaitlistEntry.State.WAITING
    ).first()
