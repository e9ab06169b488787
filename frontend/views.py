from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.permissions import Perm, can
from employers.jsonld import job_posting_script
from employers.selectors import access_open_vacancy
from fairplatform.errors import DomainError, Forbidden
from frontend import presentation_ui, queue_ui
from frontend.forms import BookingForm, SlotChoiceForm
from rooms import agenda
from rooms.models import Booking, Booth, Fair, Slot
from rooms.queue_feed import booth_is_open
from rooms.selectors import (
    access_booking,
    access_booth,
    access_fair,
    access_interview,
    access_own_waitlist_entry,
    booking_window_to_open,
    bookings_of,
    booth_open_vacancies,
    booth_slots_open,
    fair_booths,
    fairs_upcoming,
    interviews_of,
    invitations_of,
    office_slots_open,
    slots_by_day,
    slots_to_move_to,
    waitlist_entry_of,
)
from signaling.protocol import protocol_constants

MY_BOOKINGS = "#my-bookings"
BOOKING_PANEL = "#booking-heading"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    context: dict[str, object] = {"fairs": fairs_upcoming(), "queue_strings": queue_ui.CANDIDATE}
    if isinstance(user, User):
        context.update(
            calls=interviews_of(user=user),
            bookings=bookings_of(user=user, now=now),
            invitations=invitations_of(user=user, now=now),
            changeable_after=_cutoff(now),
        )
    return render(request, "frontend/home.html", context)


def _cutoff(now: datetime) -> datetime:
    """Interviews starting after this moment can still be moved or cancelled by the candidate."""
    return now + timedelta(minutes=settings.AGENDA_CANCEL_CUTOFF_MINUTES)


@require_GET
def fair_detail(request: HttpRequest, fair_id: int) -> HttpResponse:
    return _fair_page(request, access_fair(actor=request.user, fair_id=fair_id), None)


def _fair_page(
    request: HttpRequest, fair: Fair, form: BookingForm | None, status: int = 200
) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {
        "fair": fair,
        "booths": fair_booths(fair=fair),
        "status_labels": dict(Fair.Status.choices),
        "queue_strings": queue_ui.CANDIDATE,
        "slot_days": slots_by_day(office_slots_open(fair=fair, now=timezone.now())),
    }
    if isinstance(user, User):
        context["booking_form"] = form or BookingForm(initial={"phone": user.phone or ""})
    return render(request, "frontend/fair.html", context, status=status)


@login_required
@require_POST
def fair_book(request: HttpRequest, fair_id: int) -> HttpResponse:
    """Book a time with the fair's CPI or EURES help desk; a refusal stays on the page."""
    fair = access_fair(actor=request.user, fair_id=fair_id)
    form = BookingForm(request.POST)
    if _book(request, form, office_slots_open(fair=fair, now=timezone.now())):
        return redirect(reverse("frontend:home") + MY_BOOKINGS)
    return _fair_page(request, fair, form, status=400)


def _book(request: HttpRequest, form: BookingForm, offered: QuerySet[Slot]) -> bool:
    """Book the chosen one of the offered times; a refusal becomes the form's error."""
    if not form.is_valid():
        return False
    slot_id = form.cleaned_data["slot"]
    try:
        if not offered.filter(pk=slot_id).exists():
            raise DomainError("agenda.slot_not_found", _("Choose one of the times listed."))
        booking = agenda.booking_create(
            actor=_candidate(request), slot_id=slot_id, phone=form.cleaned_data["phone"]
        )
    except Forbidden:
        raise
    except DomainError as exc:
        form.add_error(None, str(exc.message))
        return False
    messages.success(request, _booked_message(booking))
    return True


@require_GET
def booth_detail(request: HttpRequest, booth_id: int) -> HttpResponse:
    booth = access_booth(actor=request.user, booth_id=booth_id)
    return _booth_page(request, booth, None)


def _booth_page(
    request: HttpRequest,
    booth: Booth,
    form: BookingForm | None,
    status: int = 200,
    waitlist_error: str = "",
) -> HttpResponse:
    user = request.user
    now = timezone.now()
    is_booth_staff = can(user, Perm.BOOTH_EDIT, booth)
    context: dict[str, object] = {
        "booth": booth,
        "fair": booth.fair,
        "vacancies": booth_open_vacancies(booth=booth),
        "queue_open": booth_is_open(booth, now),
        "is_booth_staff": is_booth_staff,
        "queue_strings": queue_ui.CANDIDATE,
        "presentation_strings": presentation_ui.VIEWER,
        "slot_days": slots_by_day(booth_slots_open(booth=booth, now=now)),
        "window": booking_window_to_open(booth=booth),
    }
    if isinstance(user, User) and not is_booth_staff:
        context["booking_form"] = form or BookingForm(initial={"phone": user.phone or ""})
        context["invitations"] = invitations_of(user=user, now=now, booth=booth)
        context["waiting"] = waitlist_entry_of(user=user, booth=booth)
        context["waitlist_error"] = waitlist_error
    return render(request, "frontend/booth.html", context, status=status)


@login_required
@require_POST
def booth_book(request: HttpRequest, booth_id: int) -> HttpResponse:
    """Book one of the booth's times; a refusal is shown above the times, with what was typed."""
    booth = access_booth(actor=request.user, booth_id=booth_id)
    form = BookingForm(request.POST)
    if _book(request, form, booth.slots.all()):
        return redirect(reverse("frontend:home") + MY_BOOKINGS)
    return _booth_page(request, booth, form, status=400)


@login_required
@require_POST
def booth_waitlist_join(request: HttpRequest, booth_id: int) -> HttpResponse:
    booth = access_booth(actor=request.user, booth_id=booth_id)
    try:
        agenda.waitlist_join(actor=_candidate(request), booth_id=booth.pk)
    except Forbidden:
        raise
    except DomainError as exc:
        return _booth_page(request, booth, None, status=400, waitlist_error=str(exc.message))
    messages.success(
        request,
        _(
            "You are on the waitlist. When a time becomes free, or at the draw when booking "
            "opens, it is booked for you and you are told by email and text message."
        ),
    )
    return redirect(reverse("frontend:booth", args=[booth.pk]) + BOOKING_PANEL)


@login_required
@require_http_methods(["GET", "POST"])
def waitlist_leave(request: HttpRequest, entry_id: int) -> HttpResponse:
    if request.method == "POST":
        entry = agenda.waitlist_leave(actor=_candidate(request), entry_id=entry_id)
        messages.success(request, _("You have left the waitlist."))
        return redirect(reverse("frontend:booth", args=[entry.booth_id]) + BOOKING_PANEL)
    waiting = access_own_waitlist_entry(actor=_candidate(request), entry_id=entry_id)
    context = {
        "title": _("Leave the waitlist?"),
        "text": _(
            "You lose your place: a time that becomes free at %(employer)s goes to the next "
            "person. You can join again later, at the end of the list."
        )
        % {"employer": waiting.booth.employer.legal_name},
        "button": _("Leave the waitlist"),
        "back": reverse("frontend:booth", args=[waiting.booth_id]) + BOOKING_PANEL,
    }
    return render(request, "frontend/confirm.html", context)


def _candidate(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101  (login_required guarantees it)
    return request.user


def _booked_message(booking: Booking) -> str:
    return _(
        "Your interview is booked for %(when)s. A confirmation is on its way by email and, "
        "if you gave a mobile number, by text message."
    ) % {"when": booking.slot.fair.moment_label(booking.slot.starts_at)}


@login_required
@require_http_methods(["GET", "POST"])
def booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    """A page that asks first: one tap on a phone should not cancel an interview."""
    booking = access_booking(actor=request.user, booking_id=booking_id, now=timezone.now())
    error = None
    if request.method == "POST":
        try:
            agenda.booking_cancel(actor=_candidate(request), booking_id=booking.pk)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Your interview is cancelled. The employer is told."))
            return redirect(reverse("frontend:home") + MY_BOOKINGS)
    return render(
        request,
        "frontend/booking_cancel.html",
        {"booking": booking, "error": error},
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def booking_reschedule(request: HttpRequest, booking_id: int) -> HttpResponse:
    now = timezone.now()
    booking = access_booking(actor=request.user, booking_id=booking_id, now=now)
    form = SlotChoiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            moved = agenda.booking_reschedule(
                actor=_candidate(request), booking_id=booking.pk, slot_id=form.cleaned_data["slot"]
            )
        except Forbidden:
            raise
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _booked_message(moved))
            return redirect(reverse("frontend:home") + MY_BOOKINGS)
    return render(
        request,
        "frontend/booking_reschedule.html",
        {
            "booking": booking,
            "form": form,
            "slot_days": slots_by_day(slots_to_move_to(booking=booking, now=now)),
        },
        status=400 if form.is_bound else 200,
    )


@require_GET
def vacancy_detail(request: HttpRequest, vacancy_id: int) -> HttpResponse:
    vacancy = access_open_vacancy(vacancy_id=vacancy_id)
    return render(
        request,
        "frontend/vacancy.html",
        {
            "vacancy": vacancy,
            "job_posting": job_posting_script(vacancy, url=request.build_absolute_uri()),
        },
    )


@login_required
@require_GET
def interview_room(request: HttpRequest, session_id: int) -> HttpResponse:
    session = access_interview(actor=request.user, session_id=session_id)
    return render(
        request,
        "frontend/interview.html",
        {"session": session, "participants": session.participants.all()},
    )


@require_GET
def protocol(_request: HttpRequest) -> JsonResponse:
    """The browser client reads its constants here, so they always match the server."""
    return JsonResponse(protocol_constants())
