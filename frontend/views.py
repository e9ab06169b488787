from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import User
from accounts.permissions import Perm, can
from employers.jsonld import job_posting_script
from employers.selectors import access_open_vacancy
from frontend import presentation_ui, queue_ui
from rooms.models import Fair
from rooms.queue_feed import booth_is_open
from rooms.selectors import (
    access_booth,
    access_fair,
    access_interview,
    booth_open_vacancies,
    fair_booths,
    fairs_upcoming,
    interviews_of,
)
from signaling.protocol import protocol_constants


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    calls = interviews_of(user=request.user) if isinstance(request.user, User) else []
    return render(
        request,
        "frontend/home.html",
        {"fairs": fairs_upcoming(), "calls": calls, "queue_strings": queue_ui.CANDIDATE},
    )


@require_GET
def fair_detail(request: HttpRequest, fair_id: int) -> HttpResponse:
    fair = access_fair(actor=request.user, fair_id=fair_id)
    return render(
        request,
        "frontend/fair.html",
        {
            "fair": fair,
            "booths": fair_booths(fair=fair),
            "status_labels": dict(Fair.Status.choices),
            "queue_strings": queue_ui.CANDIDATE,
        },
    )


@require_GET
def booth_detail(request: HttpRequest, booth_id: int) -> HttpResponse:
    booth = access_booth(actor=request.user, booth_id=booth_id)
    return render(
        request,
        "frontend/booth.html",
        {
            "booth": booth,
            "fair": booth.fair,
            "vacancies": booth_open_vacancies(booth=booth),
            "queue_open": booth_is_open(booth, timezone.now()),
            "is_booth_staff": can(request.user, Perm.BOOTH_EDIT, booth),
            "queue_strings": queue_ui.CANDIDATE,
            "presentation_strings": presentation_ui.VIEWER,
        },
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
