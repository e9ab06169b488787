"""The staff area: organisers set up fairs, employers and booths; employers edit their booths."""

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import StaffAccountForm
from accounts.models import Membership, Organisation, User
from accounts.permissions import Perm, can, require
from accounts.services import staff_account_create
from candidates.match_selectors import vacancies_for_preselection
from employers import services as employer_services
from employers.models import Vacancy
from employers.selectors import access_sync_run, sync_runs
from employers.vacancy_sync import vacancies_import_file
from fairplatform.errors import DomainError, Forbidden, NotFound
from frontend import presentation_ui, queue_ui
from frontend.forms import (
    BookingWindowForm,
    BoothCreateForm,
    BoothEditForm,
    EmployerForm,
    FairForm,
    InterviewStartForm,
    SlotSeriesForm,
    VacancyFileForm,
    apply_validation_error,
)
from rooms import agenda
from rooms import services as room_services
from rooms.interviews import interview_start
from rooms.models import Booth, Fair, InterviewSession, Slot
from rooms.queue_feed import queue_stats_of_fair, wait_estimates
from rooms.selectors import (
    agenda_of,
    booking_counts_of_fair,
    booth_open_vacancies,
    booths_awaiting_answer,
    booths_editable_by,
    fairs_managed_by,
    interviews_of,
    slots_by_day,
    slots_of_place,
)
from signaling.media.registry import relays_now

View = Callable[..., HttpResponse]
M = TypeVar("M", bound=Model)


def staff_only(view: View) -> View:
    """Signed-in members of an organisation only; everyone else gets 403 (candidates included)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        require(request.user, Perm.STAFF_AREA_ENTER)
        return view(request, *args, **kwargs)

    return wrapper


def _staff_object(request: HttpRequest, objects: QuerySet[M], pk: int, perm: Perm) -> M:
    """The object if this user may act on it; one 404 for "missing" and "not yours" alike, so
    staff cannot probe another office's ids."""
    found = objects.filter(pk=pk).first()
    if found is None or not can(request.user, perm, found):
        raise NotFound("staff.not_found", _("This page does not exist or is not yours."))
    return found


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101  (staff_only guarantees it)
    return request.user


def _organiser_orgs(user: User) -> list[Organisation]:
    return [
        org
        for org in Organisation.objects.filter(
            kind__in=[Organisation.Kind.CPI, Organisation.Kind.EURES]
        )
        if can(user, Perm.FAIR_CREATE, org)
    ]


DASHBOARD_VACANCIES = 10


@staff_only
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    memberships = list(user.memberships.select_related("organisation"))
    return render(
        request,
        "frontend/staff/dashboard.html",
        {
            "fairs": fairs_managed_by(user=user),
            "booths": booths_editable_by(user=user),
            "booth_invitations": booths_awaiting_answer(user=user),
            "can_create_fairs": bool(_organiser_orgs(user)),
            "can_create_employers": can(user, Perm.EMPLOYER_CREATE),
            "can_import_vacancies": can(user, Perm.VACANCY_IMPORT),
            "memberships": memberships,
            # An employer's people get booths from the organiser; CPI staff have no booths of
            # their own, so an empty list would tell them nothing.
            "works_for_employer": any(
                m.organisation.kind == Organisation.Kind.EMPLOYER for m in memberships
            ),
            "staffed_organisations": [
                m.organisation
                for m in memberships
                if m.role in (Membership.Role.ORGANISER, Membership.Role.EMPLOYER_ADMIN)
            ],
            "can_start_interviews": _can_start_some_interview(user),
            "interviews": interviews_of(user=user),
            "can_review_cvs": can(user, Perm.CV_REVIEW),
            "offices": _offices_of(user),
            # The first few at the person's booths or fairs; the search page has every one.
            "preselect_vacancies": vacancies_for_preselection(actor=user)[:DASHBOARD_VACANCIES],
            "can_search_vacancies": can(user, Perm.VACANCY_PRESELECT),
            "relays": relays_now() if _organiser_orgs(user) else None,
        },
    )


@staff_only
@require_http_methods(["GET", "POST"])
def fair_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organisers = Organisation.objects.filter(pk__in=[o.pk for o in _organiser_orgs(user)])
    if not organisers:
        require(user, Perm.FAIR_CREATE, None)
    form = FairForm(request.POST or None, organisers=organisers, initial={"languages": ["it"]})
    return _fair_form_page(request, form, None, _("New fair"))


@staff_only
def fair_manage(request: HttpRequest, fair_id: int) -> HttpResponse:
    fair = _staff_object(
        request, Fair.objects.select_related("organiser"), fair_id, Perm.FAIR_MANAGE
    )
    booths = fair.booths.select_related("employer").order_by("employer__legal_name")
    stats = queue_stats_of_fair(fair=fair)
    waited_for = [booth_id for booth_id, counts in stats.items() if counts["waiting"]]
    estimates = wait_estimates(booth_ids=waited_for, now=timezone.now())
    rows = []
    for booth in booths:
        counts = stats.get(booth.pk, {"waiting": 0, "called": 0, "in_interview": 0})
        estimate = estimates.get(booth.pk)
        wait = estimate.minutes(counts["waiting"]) if estimate else None
        rows.append({"booth": booth, "wait": wait, **counts})
    return render(
        request,
        "frontend/staff/fair.html",
        {
            "fair": fair,
            "rows": rows,
            "queue_strings": queue_ui.FAIR_STATS,
            "bookings": booking_counts_of_fair(fair=fair),
        },
    )


@staff_only
@require_http_methods(["GET", "POST"])
def fair_edit(request: HttpRequest, fair_id: int) -> HttpResponse:
    fair = _staff_object(request, Fair.objects.all(), fair_id, Perm.FAIR_MANAGE)
    organisers = Organisation.objects.filter(pk=fair.organiser_id)
    form = FairForm(request.POST or None, organisers=organisers, initial=FairForm.initial_for(fair))
    return _fair_form_page(request, form, fair, _("Edit fair"))


def _fair_form_page(
    request: HttpRequest, form: FairForm, fair: Fair | None, title: str
) -> HttpResponse:
    user = _user(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "title": data["title"],
            "description": data["description"],
            "region": data["region"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "languages": data["languages"],
            "nuts_codes": data["nuts_codes"],
            "occupation_filter": data["occupation_filter"],
            "queue_positions_visible": data["queue_positions_visible"],
        }
        try:
            if fair is None:
                fair = room_services.fair_create(
                    actor=user,
                    organiser=data["organiser"],
                    timezone_name=data["timezone_name"],
                    sectors=list(data["sectors"]),
                    **fields,
                )
                messages.success(
                    request, _("Fair created as a draft. Add booths, then publish it.")
                )
            else:
                room_services.fair_update(
                    actor=user,
                    fair=fair,
                    sectors=list(data["sectors"]),
                    timezone=data["timezone_name"],
                    **fields,
                )
                messages.success(request, _("Fair saved."))
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            return redirect("staff:fair", fair_id=fair.pk)
    status = 400 if form.is_bound else 200
    return render(request, "frontend/staff/form.html", _form_page(form, title), status=status)


@staff_only
@require_POST
def fair_publish(request: HttpRequest, fair_id: int) -> HttpResponse:
    fair = _staff_object(request, Fair.objects.all(), fair_id, Perm.FAIR_MANAGE)
    room_services.fair_publish(actor=_user(request), fair=fair)
    messages.success(request, _("The fair is published: candidates can see it now."))
    return redirect("staff:fair", fair_id=fair.pk)


@staff_only
@require_http_methods(["GET", "POST"])
def employer_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require(user, Perm.EMPLOYER_CREATE)
    form = EmployerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            employer = employer_services.employer_create(actor=user, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Employer %(name)s added.") % {"name": employer.legal_name})
            return redirect("staff:dashboard")
    status = 400 if form.is_bound else 200
    page = _form_page(form, _("New employer"), multipart=True)
    return render(request, "frontend/staff/form.html", page, status=status)


@staff_only
@require_http_methods(["GET", "POST"])
def booth_create(request: HttpRequest, fair_id: int) -> HttpResponse:
    user = _user(request)
    fair = _staff_object(request, Fair.objects.all(), fair_id, Perm.FAIR_MANAGE)
    form = BoothCreateForm(request.POST or None, fair=fair)
    if request.method == "POST" and form.is_valid():
        try:
            room_services.booth_create(actor=user, fair=fair, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Booth added."))
            return redirect("staff:fair", fair_id=fair.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "frontend/staff/form.html", _form_page(form, _("Add a booth")), status=status
    )


@staff_only
@require_http_methods(["GET", "POST"])
def booth_edit(request: HttpRequest, booth_id: int) -> HttpResponse:
    user = _user(request)
    booth = _staff_object(
        request, Booth.objects.select_related("fair", "employer"), booth_id, Perm.BOOTH_EDIT
    )
    form = BoothEditForm(request.POST or None, booth=booth)
    if request.method == "POST" and form.is_valid():
        try:
            room_services.booth_update(
                actor=user,
                booth=booth,
                headline=form.cleaned_data["headline"],
                opens_at=form.cleaned_data["opens_at"],
                closes_at=form.cleaned_data["closes_at"],
                call_grace_seconds=form.cleaned_data["call_grace_seconds"],
                vacancies=list(form.cleaned_data["vacancies"]),
                staff=list(form.cleaned_data["staff"]),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Booth saved."))
            return redirect("staff:dashboard")
    status = 400 if form.is_bound else 200
    title = _("Booth of %(employer)s") % {"employer": booth.employer.legal_name}
    page = _form_page(form, title)
    page["links"] = [(reverse("staff:booth_queue", args=[booth.pk]), _("Open the queue console"))]
    return render(request, "frontend/staff/form.html", page, status=status)


@staff_only
def booth_queue(request: HttpRequest, booth_id: int) -> HttpResponse:
    """The recruiter console: the page is a shell, the line arrives over the socket."""
    booth = _staff_object(
        request, Booth.objects.select_related("fair", "employer"), booth_id, Perm.BOOTH_EDIT
    )
    return render(
        request,
        "frontend/staff/booth_queue.html",
        {
            "booth": booth,
            "vacancies": booth_open_vacancies(booth=booth),
            "queue_strings": queue_ui.CONSOLE,
        },
    )


@staff_only
@require_GET
def booth_present(request: HttpRequest, booth_id: int) -> HttpResponse:
    """Go live: the recruiter's presentation page (media goes to a relay, not through Django)."""
    booth = _staff_object(
        request, Booth.objects.select_related("fair", "employer"), booth_id, Perm.BOOTH_EDIT
    )
    return render(
        request,
        "frontend/staff/booth_present.html",
        {"booth": booth, "presentation_strings": presentation_ui.PRESENTER},
    )


@staff_only
@require_http_methods(["GET", "POST"])
def staff_account_new(request: HttpRequest, organisation_id: int) -> HttpResponse:
    user = _user(request)
    organisation = _staff_object(
        request, Organisation.objects.all(), organisation_id, Perm.STAFF_ACCOUNT_CREATE
    )
    form = StaffAccountForm(request.POST or None)
    allowed_roles = _roles_for(organisation)
    form.fields["role"].choices = [c for c in Membership.Role.choices if c[0] in allowed_roles]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        try:
            _person, created = staff_account_create(
                actor=user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if created:
                done = _(
                    "Account created. Ask them to set a password with “Forgot your password?”."
                )
            else:
                done = _(
                    "This person already had a staff account with this email: they now have "
                    "this role too, and sign in as before."
                )
            messages.success(request, done)
            return redirect("staff:dashboard")
    status = 400 if form.is_bound else 200
    title = _("New staff account at %(organisation)s") % {"organisation": organisation.name}
    return render(request, "frontend/staff/form.html", _form_page(form, title), status=status)


@staff_only
@require_http_methods(["GET", "POST"])
def interview_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not _can_start_some_interview(user):
        require(user, Perm.INTERVIEW_START, None)
    form = InterviewStartForm(request.POST or None, booths=booths_editable_by(user=user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = interview_start(
                actor=user,
                candidate=data["candidate"],
                booth=data["booth"],
                kind=InterviewSession.Kind.BOOTH
                if data["booth"]
                else InterviewSession.Kind.CPI_MEETING,
                guests=[data["guest"]] if data["guest"] else [],
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("The call is ready. The other participants find it on their home page."),
            )
            return redirect("frontend:interview", session_id=session.pk)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "frontend/staff/form.html",
        _form_page(form, _("Start a video call")),
        status=status,
    )


# --- the agenda ------------------------------------------------------------------------------

AGENDA_DAYS = 7


@staff_only
@require_GET
def agenda_page(request: HttpRequest) -> HttpResponse:
    """The slots this person hosts, today and the next days, with who booked and a Join button
    once the room is open."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    slots = agenda_of(user=_user(request), since=start, until=start + timedelta(days=AGENDA_DAYS))
    return render(
        request,
        "frontend/staff/agenda.html",
        {"slot_days": slots_by_day(slots), "days": AGENDA_DAYS},
    )


@staff_only
@require_http_methods(["GET", "POST"])
def booth_booking_window(request: HttpRequest, booth_id: int) -> HttpResponse:
    """Organisers ration a popular booth: booking opens at a set time, with a lottery among the
    waitlist at the opening and a per-candidate quota, instead of first click wins."""
    booth = _staff_object(
        request,
        Booth.objects.select_related("fair", "employer"),
        booth_id,
        Perm.BOOKING_WINDOW_SET,
    )
    form = BookingWindowForm(request.POST or None, booth=booth)
    if request.method == "POST" and form.is_valid():
        try:
            agenda.booking_window_set(
                actor=_user(request),
                booth_id=booth.pk,
                opens_at=form.cleaned_data["opens_at"],
                quota_per_candidate=form.cleaned_data["quota_per_candidate"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Booking window saved."))
            return redirect("staff:fair", fair_id=booth.fair_id)
    status = 400 if form.is_bound else 200
    title = _("When booking opens at %(employer)s") % {"employer": booth.employer.legal_name}
    return render(request, "frontend/staff/form.html", _form_page(form, title), status=status)


@staff_only
@require_http_methods(["GET", "POST"])
def booth_slots(request: HttpRequest, booth_id: int) -> HttpResponse:
    booth = _staff_object(
        request, Booth.objects.select_related("fair", "employer"), booth_id, Perm.SLOT_PUBLISH
    )
    form = SlotSeriesForm(
        request.POST or None,
        fairs=Fair.objects.filter(pk=booth.fair_id),
        vacancies=booth.vacancies.all(),
        invitations=True,
    )
    title = _("Interview slots of %(employer)s") % {"employer": booth.employer.legal_name}
    slots = slots_of_place(booth=booth, now=timezone.now())
    return _slots_page(request, form, title, slots, booth_id=booth.pk)


@staff_only
@require_http_methods(["GET", "POST"])
def office_slots(request: HttpRequest, office_id: int) -> HttpResponse:
    office = _staff_object(
        request,
        Organisation.objects.filter(kind__in=[Organisation.Kind.CPI, Organisation.Kind.EURES]),
        office_id,
        Perm.SLOT_PUBLISH,
    )
    fairs = Fair.objects.filter(
        status__in=[Fair.Status.PUBLISHED, Fair.Status.LIVE], ends_at__gt=timezone.now()
    ).order_by("starts_at")
    form = SlotSeriesForm(
        request.POST or None, fairs=fairs, vacancies=Vacancy.objects.none(), invitations=False
    )
    title = _("Interview slots of %(office)s") % {"office": office.name}
    slots = slots_of_place(office=office, now=timezone.now())
    return _slots_page(request, form, title, slots, office_id=office.pk)


def _slots_page(
    request: HttpRequest,
    form: SlotSeriesForm,
    title: str,
    slots: QuerySet[Slot],
    *,
    booth_id: int | None = None,
    office_id: int | None = None,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            published = agenda.slots_publish(
                actor=_user(request),
                fair_id=data["fair"].pk,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                length_minutes=data["length_minutes"],
                buffer_minutes=data["buffer_minutes"],
                vacancy_id=data["vacancy"].pk if data.get("vacancy") else None,
                mode=data["mode"],
                place=data["place"],
                invitation_only=data.get("invitation_only", False),
                booth_id=booth_id,
                office_id=office_id,
            )
        except Forbidden:
            raise
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                ngettext("%(n)d slot published.", "%(n)d slots published.", len(published))
                % {"n": len(published)},
            )
            return redirect(request.path)
    return render(
        request,
        "frontend/staff/slots.html",
        {
            "form": form,
            "title": title,
            "slot_days": slots_by_day(slots.filter(state__in=[Slot.State.OPEN, Slot.State.BOOKED])),
        },
        status=400 if form.is_bound else 200,
    )


@staff_only
@require_http_methods(["GET", "POST"])
def slot_cancel(request: HttpRequest, slot_id: int) -> HttpResponse:
    """Asks first, and says whether a candidate will be told."""
    slot = _staff_object(
        request,
        Slot.objects.select_related("fair", "booth__employer", "office"),
        slot_id,
        Perm.SLOT_MANAGE,
    )
    back = _slots_url(slot)
    error = None
    if request.method == "POST":
        try:
            agenda.slot_cancel(actor=_user(request), slot_id=slot.pk)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("The slot is cancelled."))
            return redirect(back)
    return render(
        request,
        "frontend/staff/slot_cancel.html",
        {"slot": slot, "back": back, "error": error},
        status=400 if error else 200,
    )


def _slots_url(slot: Slot) -> str:
    if slot.booth_id is not None:
        return reverse("staff:booth_slots", args=[slot.booth_id])
    return reverse("staff:office_slots", args=[slot.office_id])


def _offices_of(user: User) -> list[Organisation]:
    """The CPI and EURES offices this person publishes interview times for."""
    return [
        m.organisation
        for m in user.memberships.select_related("organisation")
        if m.organisation.kind in (Organisation.Kind.CPI, Organisation.Kind.EURES)
        and can(user, Perm.SLOT_PUBLISH, m.organisation)
    ]


def _can_start_some_interview(user: User) -> bool:
    """CPI staff start calls anywhere; employers' people from one of their booths."""
    return can(user, Perm.INTERVIEW_START, None) or booths_editable_by(user=user).exists()


def _roles_for(organisation: Organisation) -> set[str]:
    if organisation.kind == Organisation.Kind.EMPLOYER:
        return {Membership.Role.EMPLOYER_ADMIN, Membership.Role.RECRUITER}
    return {Membership.Role.ORGANISER, Membership.Role.CPI_OPERATOR}


def _form_page(form: object, title: str, *, multipart: bool = False) -> dict[str, object]:
    return {"form": form, "title": title, "multipart": multipart}


RUNS_PER_PAGE = 50


@staff_only
@require_http_methods(["GET", "POST"])
def vacancy_imports(request: HttpRequest) -> HttpResponse:
    """Every import run (CPI database and files) and the form to import a file."""
    user = _user(request)
    # A sync every 15 minutes and a watched folder every minute: the history runs to pages.
    runs = Paginator(sync_runs(actor=user), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    form = VacancyFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        run = vacancies_import_file(
            actor=user,
            source=form.cleaned_data["source"],
            content=form.cleaned_data["file"].read(),
        )
        return redirect("staff:vacancy_import", run.pk)
    status = 400 if form.is_bound else 200
    page = {"runs": runs, "form": form}
    return render(request, "frontend/staff/vacancy_imports.html", page, status=status)


REJECTIONS_PER_PAGE = 100


@staff_only
def vacancy_import(request: HttpRequest, run_id: int) -> HttpResponse:
    run = access_sync_run(actor=_user(request), run_id=run_id)
    # A broken source can be refused thousands of times in one run.
    page = Paginator(run.rejections.all(), REJECTIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "frontend/staff/vacancy_import.html", {"run": run, "page": page})
