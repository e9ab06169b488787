"""The candidate's side of matching: a fair's vacancies ranked by their match, searchable by
keyword, sector and place, and the small form saying where they live."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from candidates.match_selectors import fair_vacancies_for
from candidates.models import CandidateProfile
from candidates.selectors import candidate_profile_of
from candidates.services import candidate_place_set
from employers.places import place_name
from frontend.match_forms import PlaceForm, VacancySearchForm
from rooms.selectors import access_fair


def _profile(request: HttpRequest) -> CandidateProfile | None:
    if not isinstance(request.user, User):
        return None
    return CandidateProfile.objects.filter(user=request.user).first()


@require_GET
def fair_matches(request: HttpRequest, fair_id: int) -> HttpResponse:
    return _matches_page(request, fair_id)


@login_required
@require_POST
def place_set(request: HttpRequest, fair_id: int) -> HttpResponse:
    profile = candidate_profile_of(actor=request.user)
    form = PlaceForm(request.POST)
    if not form.is_valid():
        return _matches_page(request, fair_id, place_form=form)
    candidate_place_set(
        actor=profile.user,
        profile=profile,
        nuts=form.cleaned_data["nuts"],
        willing_to_relocate=form.cleaned_data["willing_to_relocate"],
    )
    messages.success(request, _("Saved. Your matches now count where you live."))
    return redirect("frontend:fair_matches", fair_id=fair_id)


def _matches_page(
    request: HttpRequest, fair_id: int, *, place_form: PlaceForm | None = None
) -> HttpResponse:
    """The ranked list; a search or place the forms refuse is shown with its error (400)."""
    fair = access_fair(actor=request.user, fair_id=fair_id)
    form = VacancySearchForm(request.GET or None, sectors=fair.sectors.all())
    data = form.cleaned_data if form.is_valid() else {}
    profile = _profile(request)
    matches = fair_vacancies_for(
        fair=fair,
        profile=profile,
        query=data.get("q") or "",
        sector_id=data["sector"].pk if data.get("sector") else None,
        place=data.get("place") or "",
    )
    if place_form is None and profile is not None:
        place_form = PlaceForm(
            initial={"nuts": profile.nuts, "willing_to_relocate": profile.willing_to_relocate}
        )
    refused = (form.is_bound and not form.is_valid()) or (
        place_form is not None and place_form.is_bound
    )
    return render(
        request,
        "frontend/fair_matches.html",
        {
            "fair": fair,
            "form": form,
            "matches": matches,
            "profile": profile,
            "place_form": place_form,
            "searched": form.is_bound and any(data.values()),
            "home_name": place_name(profile.nuts) if profile and profile.nuts else "",
        },
        status=400 if refused else 200,
    )
