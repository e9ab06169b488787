"""The interview agenda: slots, bookings, invitations, booking windows and waitlists, and the rooms
that open themselves at slot time.

Locks are always taken in the order candidate's user row → slot rows (by id) → booking row, so no
two services wait on each other in a cycle. The candidate's row serialises their own bookings (the
quotas cannot be raced); the slot's row decides who gets it: of many people booking one slot at
once, the first to lock it wins and the others find it booked (`agenda.slot_taken`).
"""

import logging
import random
from datetime import datetime, timedelta
from typing import NoReturn

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from accounts.permissions import Perm, can, require
from accounts.phones import phone_to_e164
from candidates.models import CVShare
from candidates.services import cv_share_for_meeting
from employers.models import Vacancy
from fairplatform.audit import audit_record
from fairplatform.errors import DomainError, NotFound
from rooms import reminders
from rooms.interviews import interview_start
from rooms.models import (
    Attendance,
    Booking,
    BookingWindow,
    Booth,
    Fair,
    InterviewSession,
    Invitation,
    Slot,
    WaitlistEntry,
)

logger = logging.getLogger(__name__)

Kind = reminders.Kind
WAITLIST_SCAN = 50


# --- publishing ------------------------------------------------------------------------------


@transaction.atomic
def slots_publish(
    *,
    actor: User,
    fair_id: int,
    starts_at: datetime,
    ends_at: datetime,
    length_minutes: int,
    buffer_minutes: int = 0,
    booth_id: int | None = None,
    office_id: int | None = None,
    vacancy_id: int | None = None,
    mode: str = Slot.Mode.REMOTE,
    place: str = "",
    invitation_only: bool = False,
    now: datetime | None = None,
) -> list[Slot]:
    """A series of slots of `length_minutes`, `buffer_minutes` apart, from `starts_at` for as
    many as fit before `ends_at`, at a booth or at a CPI office."""
    now = now or timezone.now()
    fair = Fair.objects.filter(pk=fair_id).first()
    if fair is None:
        raise NotFound("fair.not_found", _("This fair does not exist."))
    booth, office = _slot_place(actor, fair, booth_id, office_id)
    if invitation_only and booth is None:
        raise DomainError("agenda.invalid", _("Only employers' booths have invitation-only slots."))
    vacancy = _vacancy_for(fair, booth, vacancy_id)
    if length_minutes < settings.AGENDA_MIN_SLOT_MINUTES or buffer_minutes < 0:
        raise DomainError(
            "agenda.invalid",
            _("A slot lasts at least %(n)d minutes.") % {"n": settings.AGENDA_MIN_SLOT_MINUTES},
        )
    if starts_at <= now:
        raise DomainError("agenda.past", _("Slots must start in the future."))
    if starts_at < fair.starts_at or ends_at > fair.ends_at:
        raise DomainError("agenda.outside_fair", _("Slots must fall within the fair's dates."))
    length = timedelta(minutes=length_minutes)
    starts = _series(starts_at, ends_at, length, timedelta(minutes=buffer_minutes))
    # The host's row serialises their publishing, so two series cannot overlap by a race.
    _lock_user(actor)
    if Slot.objects.filter(
        host=actor,
        state__in=[Slot.State.OPEN, Slot.State.BOOKED],
        starts_at__lt=starts[-1] + length,
        ends_at__gt=starts[0],
    ).exists():
        raise DomainError("agenda.overlap", _("You already have slots at these times."))
    slots = [
        Slot(
            fair=fair,
            booth=booth,
            office=office,
            vacancy=vacancy,
            host=actor,
            starts_at=start,
            ends_at=start + length,
            mode=mode,
            place=place.strip(),
            invitation_only=invitation_only,
        )
        for start in starts
    ]
    # The slots differ only in times computed above (each ends after it starts): checking the
    # first checks them all, without a round of validation queries per slot.
    slots[0].full_clean()
    Slot.objects.bulk_create(slots)
    audit_record(
        actor=actor,
        action="rooms.slots.published",
        obj=booth or fair,
        count=len(slots),
        first=slots[0].pk,
        last=slots[-1].pk,
    )
    waitlist = WaitlistEntry.objects.filter(booth=booth, state=WaitlistEntry.State.WAITING)
    if booth is not None and waitlist.exists():
        for slot in slots:
            _fill_from_waitlist(slot, now)
    return slots


def _slot_place(
    actor: User, fair: Fair, booth_id: int | None, office_id: int | None
) -> tuple[Booth | None, Organisation | None]:
    if booth_id is not None and office_id is None:
        booth = Booth.objects.select_related("fair", "employer").filter(pk=booth_id, fair=fair)
        found = booth.first()
        if found is None:
            raise NotFound("booth.not_found", _("This booth does not exist."))
        require(actor, Perm.SLOT_PUBLISH, found)
        return found, None
    if office_id is not None and booth_id is None:
        office = Organisation.objects.filter(
            pk=office_id, kind__in=[Organisation.Kind.CPI, Organisation.Kind.EURES]
        ).first()
        if office is None:
            raise NotFound("agenda.office_not_found", _("This office does not exist."))
        require(actor, Perm.SLOT_PUBLISH, office)
        return None, office
    raise DomainError("agenda.invalid", _("Choose a booth or a CPI office."))


def _series(
    starts_at: datetime, ends_at: datetime, length: timedelta, buffer: timedelta
) -> list[datetime]:
    starts = []
    moment = starts_at
    while moment + length <= ends_at:
        starts.append(moment)
        moment += length + buffer
    if not starts:
        raise DomainError("agenda.invalid", _("The time range is shorter than one slot."))
    return starts


def _vacancy_for(fair: Fair, booth: Booth | None, vacancy_id: int | None) -> Vacancy | None:
    if vacancy_id is None:
        return None
    offered = (
        booth.vacancies.all()
        if booth
        else Vacancy.objects.filter(
            booths__fair=fair, booths__participation=Booth.Participation.CONFIRMED
        )
    )
    vacancy = offered.filter(pk=vacancy_id).first()
    if vacancy is None:
        raise DomainError("agenda.invalid_vacancy", _("This position is not offered here."))
    return vacancy


@transaction.atomic
def slot_cancel(*, actor: User, slot_id: int, now: datetime | None = None) -> Slot:
    """The host withdraws a slot; a candidate who booked it is told."""
    now = now or timezone.now()
    slot = _locked_slots([slot_id]).get(slot_id)
    if slot is None or not can(actor, Perm.SLOT_MANAGE, slot):
        raise NotFound("agenda.slot_not_found", _("This slot does not exist."))
    if slot.state == Slot.State.CANCELLED:
        raise DomainError("agenda.slot_cancelled", _("This slot has already been cancelled."))
    if slot.starts_at <= now:
        raise DomainError("agenda.slot_past", _("This time has already passed."))
    booking = Booking.objects.select_for_update().filter(slot=slot, state=Booking.State.BOOKED)
    for held in booking:
        _cancel(held, actor=actor, now=now)
    slot.state = Slot.State.CANCELLED
    slot.save(update_fields=["state", "updated_at"])
    audit_record(actor=actor, action="rooms.slot.cancelled", obj=slot)
    return slot


# --- booking ---------------------------------------------------------------------------------


def _lock_user(user: User) -> None:
    User.objects.select_for_update().get(pk=user.pk)


def _locked_slots(slot_ids: list[int], *, drafts: bool = False) -> dict[int, Slot]:
    """The slots, locked in id order; those of fairs taken back to draft only with `drafts`
    (to give a booking up: nothing is offered there, but nobody is held to it)."""
    slots = (
        Slot.objects.select_for_update(of=("self",))
        .select_related("fair", "booth__fair", "booth__employer", "office", "vacancy")
        .filter(pk__in=slot_ids)
        .order_by("pk")
    )
    if not drafts:
        slots = slots.exclude(fair__status=Fair.Status.DRAFT)
    return {slot.pk: slot for slot in slots}


def _fair_not_open() -> NoReturn:
    """The booking's fair was taken back to draft: its slots are nobody's to change."""
    raise DomainError(
        "agenda.fair_not_open", _("This fair is not open at the moment: bookings cannot change.")
    )


def _window_of(slot: Slot) -> BookingWindow | None:
    if slot.booth_id is None:
        return None
    return BookingWindow.objects.filter(booth_id=slot.booth_id).first()


def _check_can_book(
    candidate: User, slot: Slot, now: datetime, *, moving: Booking | None = None
) -> Invitation | None:
    """Refuse with a clear code, or return the invitation the booking uses. The caller holds the
    candidate's and the slot's row locks."""
    if slot.state == Slot.State.CANCELLED:
        raise DomainError(
            "agenda.slot_cancelled", _("This slot has been cancelled. Choose another time.")
        )
    if slot.starts_at <= now:
        raise DomainError(
            "agenda.slot_past", _("This time has already passed. Choose a later one.")
        )
    if slot.state == Slot.State.BOOKED:
        raise DomainError(
            "agenda.slot_taken", _("Someone else has just booked this time. Choose another one.")
        )
    mine = Booking.objects.filter(candidate=candidate, state=Booking.State.BOOKED)
    if moving is not None:
        mine = mine.exclude(pk=moving.pk)
    window = _window_of(slot)
    if window is not None:
        if window.drawn_at is None:
            raise DomainError(
                "agenda.window_not_open",
                _(
                    "Booking at this booth opens at %(time)s. Join the waitlist to take part in the draw."
                )
                % {"time": slot.fair.moment_label(window.opens_at)},
            )
        if mine.filter(slot__booth=slot.booth).count() >= window.quota_per_candidate:
            raise DomainError(
                "agenda.window_quota",
                _("You can book at most %(n)d interviews at this booth.")
                % {"n": window.quota_per_candidate},
            )
    invitation = _invitation_for(candidate, slot, now, moving) if slot.invitation_only else None
    if slot.vacancy_id and mine.filter(slot__vacancy_id=slot.vacancy_id).exists():
        raise DomainError(
            "agenda.vacancy_booked", _("You already have an interview for this position.")
        )
    if mine.filter(slot__fair_id=slot.fair_id).count() >= settings.AGENDA_MAX_BOOKINGS_PER_FAIR:
        raise DomainError(
            "agenda.fair_quota",
            _("You can book at most %(n)d interviews at this fair. Cancel one first.")
            % {"n": settings.AGENDA_MAX_BOOKINGS_PER_FAIR},
        )
    if mine.filter(slot__starts_at__lt=slot.ends_at, slot__ends_at__gt=slot.starts_at).exists():
        raise DomainError("agenda.clash", _("You already have an interview at this time."))
    return invitation


def _invitation_for(
    candidate: User, slot: Slot, now: datetime, moving: Booking | None
) -> Invitation:
    invitations = Invitation.objects.filter(booth=slot.booth, candidate=candidate)
    if slot.vacancy_id:
        invitations = invitations.filter(Q(vacancy__isnull=True) | Q(vacancy_id=slot.vacancy_id))
    in_use = Booking.objects.filter(state=Booking.State.BOOKED, invitation__isnull=False)
    if moving is not None:
        in_use = in_use.exclude(pk=moving.pk)
    unused = invitations.exclude(pk__in=in_use.values("invitation_id"))
    if not unused.exists():
        raise DomainError(
            "agenda.invitation_required", _("Only candidates invited by the employer can book.")
        )
    invitation = unused.filter(expires_at__gt=now).order_by("-expires_at").first()
    if invitation is None:
        raise DomainError(
            "agenda.invitation_expired",
            _("Your invitation has expired. Ask the employer for a new one."),
        )
    return invitation


def _book(
    candidate: User,
    slot: Slot,
    invitation: Invitation | None,
    *,
    actor: User | None,
    action: str,
    now: datetime,
) -> Booking:
    booking = Booking.objects.create(slot=slot, candidate=candidate, invitation=invitation)
    slot.state = Slot.State.BOOKED
    slot.save(update_fields=["state", "updated_at"])
    audit_record(actor=actor, action=action, obj=booking, slot=slot.pk)
    if slot.booth is not None:
        cv_share_for_meeting(
            candidate=candidate, employer=slot.booth.employer, context=CVShare.Context.BOOKING
        )
    reminders.schedule(booking, Kind.BOOKED, now=now)
    return booking


def _save_phone(candidate: User, phone: str) -> None:
    """The number for text reminders, given while booking: refused clearly if it is not one."""
    try:
        number = phone_to_e164(phone)
    except Exception as exc:
        raise DomainError("agenda.invalid_phone", _("This is not a valid mobile number.")) from exc
    if number == candidate.phone:
        return
    if User.objects.filter(phone=number).exclude(pk=candidate.pk).exists():
        raise DomainError("agenda.phone_taken", _("This mobile number belongs to another account."))
    candidate.phone = number
    candidate.save(update_fields=["phone"])


@transaction.atomic
def booking_create(
    *, actor: User, slot_id: int, phone: str | None = None, now: datetime | None = None
) -> Booking:
    now = now or timezone.now()
    _lock_user(actor)
    slot = _locked_slots([slot_id]).get(slot_id)
    if slot is None:
        raise NotFound("agenda.slot_not_found", _("This slot does not exist."))
    require(actor, Perm.SLOT_BOOK, slot)
    invitation = _check_can_book(actor, slot, now)
    if phone:
        _save_phone(actor, phone)
    return _book(actor, slot, invitation, actor=actor, action="rooms.booking.created", now=now)


def _locked_booking(booking_id: int, slot_id: int) -> Booking:
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("candidate")
        .filter(pk=booking_id, slot_id=slot_id)
        .first()
    )
    if booking is None:
        raise DomainError("agenda.changed", _("This booking has just changed. Reload the page."))
    return booking


def _check_cutoff(actor: User, booking: Booking, slot: Slot, now: datetime) -> None:
    if booking.state != Booking.State.BOOKED:
        raise DomainError("agenda.not_booked", _("This booking is no longer active."))
    cutoff = timedelta(minutes=settings.AGENDA_CANCEL_CUTOFF_MINUTES)
    if actor.pk == booking.candidate_id and slot.starts_at - now < cutoff:
        raise DomainError(
            "agenda.cutoff",
            _("Bookings can be changed up to %(n)d minutes before the interview.")
            % {"n": settings.AGENDA_CANCEL_CUTOFF_MINUTES},
        )


def _cancel(booking: Booking, *, actor: User, now: datetime) -> None:
    booking.state = Booking.State.CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by = actor
    booking.sequence += 1
    booking.save(update_fields=["state", "cancelled_at", "cancelled_by", "sequence", "updated_at"])
    audit_record(actor=actor, action="rooms.booking.cancelled", obj=booking)
    reminders.schedule(booking, Kind.CANCELLED, now=now)


@transaction.atomic
def booking_cancel(*, actor: User, booking_id: int, now: datetime | None = None) -> Booking:
    now = now or timezone.now()
    found = Booking.objects.filter(pk=booking_id).values_list("slot_id", "candidate_id").first()
    if found is None:
        raise NotFound("agenda.booking_not_found", _("This booking does not exist."))
    slot_id, candidate_id = found
    if candidate_id == actor.pk:
        _lock_user(actor)
    slot = _locked_slots([slot_id], drafts=True)[slot_id]
    booking = _locked_booking(booking_id, slot_id)
    booking.slot = slot
    if not can(actor, Perm.BOOKING_CANCEL, booking):
        raise NotFound("agenda.booking_not_found", _("This booking does not exist."))
    _check_cutoff(actor, booking, slot, now)
    _cancel(booking, actor=actor, now=now)
    _free(slot, now, given_up_by=booking.candidate_id)
    return booking


@transaction.atomic
def booking_reschedule(
    *, actor: User, booking_id: int, slot_id: int, now: datetime | None = None
) -> Booking:
    """Move a booking to another free slot of the same booth or office: the same calendar event
    (UID) with a higher SEQUENCE, so calendars move it rather than add a second one."""
    now = now or timezone.now()
    _lock_user(actor)
    found = Booking.objects.filter(pk=booking_id, candidate=actor).values_list("slot_id").first()
    if found is None:
        raise NotFound("agenda.booking_not_found", _("This booking does not exist."))
    old_slot_id = found[0]
    slots = _locked_slots([old_slot_id, slot_id])
    old, new = slots.get(old_slot_id) or _fair_not_open(), slots.get(slot_id)
    if new is None:
        raise NotFound("agenda.slot_not_found", _("This slot does not exist."))
    booking = _locked_booking(booking_id, old_slot_id)
    booking.slot = old
    require(actor, Perm.BOOKING_RESCHEDULE, booking)
    require(actor, Perm.SLOT_BOOK, new)
    _check_cutoff(actor, booking, old, now)
    if new.pk == old.pk:
        raise DomainError("agenda.same_slot", _("This is already the time of your interview."))
    if (new.booth_id, new.office_id) != (old.booth_id, old.office_id):
        raise DomainError("agenda.other_place", _("Choose another time with the same employer."))
    booking.invitation = _check_can_book(actor, new, now, moving=booking)
    booking.slot = new
    booking.sequence += 1
    booking.save(update_fields=["slot", "invitation", "sequence", "updated_at"])
    new.state = Slot.State.BOOKED
    new.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=actor, action="rooms.booking.rescheduled", obj=booking, old=old.pk, new=new.pk
    )
    reminders.schedule(booking, Kind.CHANGED, now=now)
    _free(old, now, given_up_by=actor.pk)
    return booking


def bookings_release_for_erasure(*, user: User, now: datetime) -> int:
    """The person's account is being deleted (in the caller's transaction): their upcoming
    bookings are cancelled, whatever the cut-off, and each slot goes to the waitlist or opens."""
    upcoming = dict(
        Booking.objects.filter(
            candidate=user, state=Booking.State.BOOKED, slot__starts_at__gt=now
        ).values_list("pk", "slot_id")
    )
    slots = _locked_slots(sorted(set(upcoming.values())), drafts=True)
    for booking_id, slot_id in upcoming.items():
        booking = _locked_booking(booking_id, slot_id)
        booking.slot = slots[slot_id]
        _cancel(booking, actor=user, now=now)
        _free(booking.slot, now, given_up_by=user.pk)
    return len(upcoming)


def _free(slot: Slot, now: datetime, *, given_up_by: int) -> None:
    """A booked slot is free again: the waitlist gets it first, except the candidate who gave
    it up (they may wait for another time at the same booth)."""
    if slot.state != Slot.State.BOOKED:
        return
    slot.state = Slot.State.OPEN
    slot.save(update_fields=["state", "updated_at"])
    _fill_from_waitlist(slot, now, skip_candidate=given_up_by)


# --- invitations, windows, waitlists -----------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    actor: User,
    booth_id: int,
    candidate: User,
    expires_at: datetime,
    vacancy_id: int | None = None,
    now: datetime | None = None,
) -> Invitation:
    now = now or timezone.now()
    booth = Booth.objects.select_related("fair", "employer").filter(pk=booth_id).first()
    if booth is None:
        raise NotFound("booth.not_found", _("This booth does not exist."))
    require(actor, Perm.BOOKING_INVITE, booth)
    if not booth.is_confirmed:
        raise DomainError(
            "agenda.booth_not_confirmed",
            _("Candidates can be invited once the employer has confirmed this booth."),
        )
    if expires_at <= now:
        raise DomainError("agenda.invalid", _("An invitation must expire in the future."))
    invitation = Invitation.objects.create(
        booth=booth,
        candidate=candidate,
        vacancy=_vacancy_for(booth.fair, booth, vacancy_id),
        invited_by=actor,
        expires_at=expires_at,
    )
    audit_record(actor=actor, action="rooms.invitation.created", obj=invitation)
    return invitation


@transaction.atomic
def booking_window_set(
    *, actor: User, booth_id: int, opens_at: datetime, quota_per_candidate: int
) -> BookingWindow:
    booth = Booth.objects.select_related("fair", "employer").filter(pk=booth_id).first()
    if booth is None:
        raise NotFound("booth.not_found", _("This booth does not exist."))
    require(actor, Perm.BOOKING_WINDOW_SET, booth)
    window, _created = BookingWindow.objects.select_for_update().get_or_create(
        booth=booth, defaults={"opens_at": opens_at}
    )
    if window.drawn_at is not None:
        raise DomainError("agenda.window_open", _("Booking at this booth has already opened."))
    window.opens_at = opens_at
    window.quota_per_candidate = quota_per_candidate
    window.full_clean()
    window.save()
    audit_record(actor=actor, action="rooms.booking_window.set", obj=window)
    return window


@transaction.atomic
def waitlist_join(*, actor: User, booth_id: int, vacancy_id: int | None = None) -> WaitlistEntry:
    booth = (
        Booth.objects.select_related("fair", "employer")
        .filter(pk=booth_id, participation=Booth.Participation.CONFIRMED)
        .exclude(fair__status=Fair.Status.DRAFT)
        .first()
    )
    if booth is None:
        raise NotFound("booth.not_found", _("This booth does not exist."))
    require(actor, Perm.WAITLIST_JOIN, booth)
    _lock_user(actor)
    waiting = WaitlistEntry.objects.filter(
        booth=booth, candidate=actor, state=WaitlistEntry.State.WAITING
    )
    if waiting.exists():
        raise DomainError("agenda.already_waiting", _("You are already on this waitlist."))
    entry = WaitlistEntry.objects.create(
        booth=booth, candidate=actor, vacancy=_vacancy_for(booth.fair, booth, vacancy_id)
    )
    audit_record(actor=actor, action="rooms.waitlist.joined", obj=entry)
    return entry


@transaction.atomic
def waitlist_leave(*, actor: User, entry_id: int) -> WaitlistEntry:
    entry = (
        WaitlistEntry.objects.select_for_update()
        .filter(pk=entry_id, candidate=actor, state=WaitlistEntry.State.WAITING)
        .first()
    )
    if entry is None:
        raise NotFound("agenda.waitlist_not_found", _("You are not on this waitlist."))
    entry.state = WaitlistEntry.State.LEFT
    entry.save(update_fields=["state", "updated_at"])
    audit_record(actor=actor, action="rooms.waitlist.left", obj=entry)
    return entry


def _waitlist_book(entry: WaitlistEntry, slot: Slot, now: datetime) -> Booking | None:
    """Book `slot` for the waiting candidate if every rule allows it. Their row is locked with
    SKIP LOCKED: the caller already holds a slot lock, so waiting here could deadlock with the
    candidate's own booking of that slot."""
    if not User.objects.select_for_update(skip_locked=True).filter(pk=entry.candidate_id):
        return None
    try:
        invitation = _check_can_book(entry.candidate, slot, now)
    except DomainError:
        return None
    booking = _book(
        entry.candidate, slot, invitation, actor=None, action="rooms.booking.from_waitlist", now=now
    )
    entry.state = WaitlistEntry.State.BOOKED
    entry.booking = booking
    entry.save(update_fields=["state", "booking", "updated_at"])
    return booking


def _waiting_for(slot: Slot, *, skip_candidate: int | None = None) -> list[WaitlistEntry]:
    entries = (
        WaitlistEntry.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(booth=slot.booth, state=WaitlistEntry.State.WAITING)
        .exclude(candidate_id=skip_candidate)
    )
    if slot.vacancy_id:
        entries = entries.filter(Q(vacancy__isnull=True) | Q(vacancy_id=slot.vacancy_id))
    else:
        entries = entries.filter(vacancy__isnull=True)
    return list(entries.select_related("candidate").order_by("created_at", "pk")[:WAITLIST_SCAN])


def _fill_from_waitlist(
    slot: Slot, now: datetime, *, skip_candidate: int | None = None
) -> Booking | None:
    """Offer a free slot to the waitlist, first come first served, booking it for the first
    candidate it suits (they are told and may cancel). Too close to the start, nobody could
    act on it, so it stays free for anyone to take."""
    if slot.booth_id is None or slot.state != Slot.State.OPEN:
        return None
    if slot.fair.status == Fair.Status.DRAFT:
        return None  # a fair taken back to draft offers nothing
    if slot.starts_at - now < timedelta(minutes=settings.AGENDA_CANCEL_CUTOFF_MINUTES):
        return None
    window = _window_of(slot)
    if window is not None and window.drawn_at is None:
        return None  # the draw at the opening hands these out
    for entry in _waiting_for(slot, skip_candidate=skip_candidate):
        booking = _waitlist_book(entry, slot, now)
        if booking is not None:
            return booking
    return None


def booking_windows_open(*, now: datetime | None = None) -> int:
    """At a window's opening, its free slots go to the waitlist in an order drawn by lot (one
    each), and only then is booking open to everyone: being first to click gains nothing."""
    now = now or timezone.now()
    opened = 0
    due = BookingWindow.objects.filter(drawn_at__isnull=True, opens_at__lte=now)
    for window_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            window = (
                BookingWindow.objects.select_for_update(skip_locked=True)
                .filter(pk=window_id, drawn_at__isnull=True)
                .first()
            )
            if window is None:
                continue
            window.drawn_at = now
            window.save(update_fields=["drawn_at", "updated_at"])
            free = list(
                Slot.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("fair", "booth", "vacancy")
                .filter(booth_id=window.booth_id, state=Slot.State.OPEN, starts_at__gt=now)
                .order_by("starts_at", "pk")
            )
            entries = list(
                WaitlistEntry.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("candidate")
                .filter(booth_id=window.booth_id, state=WaitlistEntry.State.WAITING)
            )
            random.SystemRandom().shuffle(entries)
            for entry in entries:
                for slot in free:
                    if entry.vacancy_id not in (None, slot.vacancy_id):
                        continue
                    if _waitlist_book(entry, slot, now) is not None:
                        free.remove(slot)
                        break
            audit_record(actor=None, action="rooms.booking_window.opened", obj=window)
            opened += 1
    return opened


# --- rooms that open themselves, and no-shows ----------------------------------------------------


def agenda_open_rooms(*, now: datetime | None = None) -> int:
    """Open the video room of every remote booking about to start, for both sides, and tell the
    candidate with a one-tap link."""
    now = now or timezone.now()
    soon = now + timedelta(minutes=settings.AGENDA_ROOM_OPENS_MINUTES_BEFORE)
    due = Booking.objects.filter(
        state=Booking.State.BOOKED,
        interview__isnull=True,
        slot__mode=Slot.Mode.REMOTE,
        slot__starts_at__lte=soon,
        slot__ends_at__gt=now,
    )
    opened = 0
    for booking_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("candidate", "slot__host", "slot__booth__fair", "slot__fair")
                .filter(pk=booking_id, state=Booking.State.BOOKED, interview__isnull=True)
                .first()
            )
            if booking is None:
                continue
            slot = booking.slot
            kind = InterviewSession.Kind.BOOKED if slot.booth else InterviewSession.Kind.CPI_MEETING
            try:
                session = interview_start(
                    actor=slot.host, candidate=booking.candidate, kind=kind, booth=slot.booth
                )
            except DomainError:
                # The host lost the right to interview here; staff see the booking stay unopened.
                logger.warning("booking %s: host %s may not open its room", booking.pk, slot.host)
                continue
            session.scheduled_for = slot.starts_at
            session.save(update_fields=["scheduled_for", "updated_at"])
            booking.interview = session
            booking.save(update_fields=["interview", "updated_at"])
            audit_record(actor=None, action="rooms.booking.room_opened", obj=booking)
            reminders.schedule(booking, Kind.ROOM_OPEN, now=now)
            opened += 1
    return opened


def agenda_mark_no_shows(*, now: datetime | None = None) -> int:
    """After the grace period: a candidate who joined the room attended; one who did not is a
    no-show, and the room closes."""
    now = now or timezone.now()
    grace = timedelta(minutes=settings.AGENDA_NO_SHOW_GRACE_MINUTES)
    due = Booking.objects.filter(
        state=Booking.State.BOOKED, interview__isnull=False, slot__starts_at__lte=now - grace
    )
    settled = 0
    for booking_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=booking_id, state=Booking.State.BOOKED)
                .first()
            )
            if booking is None or booking.interview_id is None:
                continue
            joined = Attendance.objects.filter(
                session_id=booking.interview_id, user_id=booking.candidate_id
            ).exists()
            booking.state = Booking.State.ATTENDED if joined else Booking.State.NO_SHOW
            booking.save(update_fields=["state", "updated_at"])
            if not joined:
                InterviewSession.objects.filter(
                    pk=booking.interview_id, state=InterviewSession.State.WAITING
                ).update(state=InterviewSession.State.NO_SHOW, ended_at=now, updated_at=now)
            audit_record(actor=None, action=f"rooms.booking.{booking.state}", obj=booking)
            settled += 1
    return settled
