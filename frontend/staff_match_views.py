"""Staff pages of issue #6: fair series, what a fair proposes, and recruiters' pre-selection of
candidates for a vacancy with the invite action."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Organisation, User
from accounts.permissions import Perm, require
from candidates.match_selectors import (
    access_preselection_vacancy,
    invitation_booths,
    may_be_invited,
    preselection,
    vacancies_to_preselect,
)
from candidates.selectors import cv_validation_dates
from employers.matching import WEIGHTS
from employers.selectors import vacancies_open
from employers.services import vacancy_set_skills
from fairplatform.errors import DomainError, NotFound
from fairplatform.ids import parse_id
from frontend.forms import apply_validation_error
from frontend.match_forms import (
    FairSeriesForm,
    PreselectionFilterForm,
    StaffVacancySearchForm,
    VacancySkillsForm,
)
from frontend.staff_views import _organiser_orgs, _staff_object, _user, staff_only
from rooms.agenda import invitation_create
from rooms.models import Booth, Fair, FairSeries
from rooms.proposals import (
    fair_dismissed_proposals,
    fair_matching_vacancies,
    fair_nuts_codes,
    fair_proposals,
    proposals_approve,
    proposals_chosen,
    proposals_dismiss,
    proposals_restore,
)
from rooms.series import SeriesSaved, describe_rule, off_schedule_drafts, series_save
from rooms.services import booth_answer


@staff_only
def series_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organisers = _organiser_orgs(user)
    if not organisers:
        raise NotFound("staff.not_found", _("This page does not exist or is not yours."))
    series = FairSeries.objects.filter(organiser__in=organisers).prefetch_related("sectors")
    rows = [
        {
            "series": one,
            "rule": describe_rule(one),
            "fairs": one.fairs.filter(ends_at__gt=timezone.now()).order_by("starts_at")[:6],
        }
        for one in series
    ]
    return render(request, "frontend/staff/series_list.html", {"rows": rows})


@staff_only
@require_http_methods(["GET", "POST"])
def series_edit(request: HttpRequest, series_id: int | None = None) -> HttpResponse:
    user = _user(request)
    organisers = Organisation.objects.filter(pk__in=[o.pk for o in _organiser_orgs(user)])
    instance = None
    if series_id is not None:
        instance = FairSeries.objects.filter(pk=series_id, organiser__in=organisers).first()
        if instance is None:
            raise NotFound("staff.not_found", _("This page does not exist or is not yours."))
    elif not organisers:
        raise NotFound("staff.not_found", _("This page does not exist or is not yours."))
    form = FairSeriesForm(
        request.POST or None,
        instance=instance,
        organisers=organisers,
        initial=None if instance else {"languages": ["it"], "timezone": "Europe/Rome"},
    )
    title = _("Edit fair series") if instance else _("New fair series")
    if request.method == "POST" and form.is_valid():
        series = form.save(commit=False)
        to_remove = off_schedule_drafts(series=series).untouched
        removal = ",".join(str(fair.pk) for fair in to_remove)
        if to_remove and request.POST.get("confirm_removal") != removal:
            # Removing drafts cannot be undone: the same form again, naming them, to confirm
            # exactly those (another rule on this page asks again).
            return render(
                request,
                "frontend/staff/form.html",
                {
                    "form": form,
                    "title": title,
                    "multipart": False,
                    "to_remove": to_remove,
                    "removal": removal,
                },
            )
        try:
            saved = series_save(
                actor=user,
                series=series,
                sectors=list(form.cleaned_data["sectors"]),
                removal_confirmed=[fair.pk for fair in to_remove],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)  # type: ignore[arg-type]
        else:
            messages.success(request, _("Series saved; its next fairs are created as drafts."))
            _say_off_schedule(request, saved)
            return redirect("staff:series_list")
    status = 400 if form.is_bound else 200
    return render(
        request,
        "frontend/staff/form.html",
        {"form": form, "title": title, "multipart": False},
        status=status,
    )


def _say_off_schedule(request: HttpRequest, saved: SeriesSaved) -> None:
    if saved.removed:
        messages.info(
            request,
            ngettext(
                "%(count)d draft fair the new rule no longer gives was removed.",
                "%(count)d draft fairs the new rule no longer gives were removed.",
                saved.removed,
            )
            % {"count": saved.removed},
        )
    if saved.kept_off_schedule:
        messages.warning(
            request,
            ngettext(
                "The new rule no longer gives this fair, but it already has booths or slots, "
                "so it was kept: %(fairs)s. Review it on its page.",
                "The new rule no longer gives these fairs, but they already have booths or "
                "slots, so they were kept: %(fairs)s. Review them on their pages.",
                len(saved.kept_off_schedule),
            )
            % {"fairs": ", ".join(fair.title for fair in saved.kept_off_schedule)},
        )


@staff_only
def fair_proposals_page(request: HttpRequest, fair_id: int) -> HttpResponse:
    user = _user(request)
    fair = _staff_object(
        request, Fair.objects.prefetch_related("sectors"), fair_id, Perm.FAIR_MANAGE
    )
    proposals = fair_proposals(actor=user, fair=fair)
    return render(
        request,
        "frontend/staff/proposals.html",
        {
            "fair": fair,
            "proposals": proposals,
            # Only to word the empty page: nothing matches, or all of it is placed already.
            "anything_matches": bool(proposals) or bool(fair_matching_vacancies(fair=fair)),
            "dismissed": fair_dismissed_proposals(actor=user, fair=fair),
            "nuts_codes": fair_nuts_codes(fair),
        },
    )


@staff_only
@require_POST
def fair_proposals_approve(request: HttpRequest, fair_id: int) -> HttpResponse:
    fair = _staff_object(request, Fair.objects.all(), fair_id, Perm.FAIR_MANAGE)
    ids = _chosen_vacancy_ids(request)
    try:
        booths = proposals_approve(actor=_user(request), fair=fair, vacancy_ids=ids)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        shown = [b.employer.legal_name for b in booths if b.is_confirmed]
        asked = [b.employer.legal_name for b in booths if not b.is_confirmed]
        if shown:
            messages.success(
                request,
                _("Approved: shown at the booth of %(names)s.") % {"names": ", ".join(shown)},
            )
        if asked:
            messages.success(
                request,
                _(
                    "Approved: %(names)s must confirm taking part; candidates see the booth "
                    "once they do."
                )
                % {"names": ", ".join(asked)},
            )
    return redirect("staff:fair_proposals", fair_id=fair.pk)


@staff_only
@require_POST
def fair_proposals_dismiss(request: HttpRequest, fair_id: int) -> HttpResponse:
    """First a page that asks for confirmation (nothing changes), then, confirmed, the
    dismissal."""
    user = _user(request)
    fair = _staff_object(request, Fair.objects.all(), fair_id, Perm.FAIR_MANAGE)
    ids = _chosen_vacancy_ids(request)
    try:
        if request.POST.get("confirm") != "yes":
            chosen = proposals_chosen(actor=user, fair=fair, vacancy_ids=ids)
            return render(
                request,
                "frontend/staff/proposals_dismiss.html",
                {"fair": fair, "vacancies": chosen},
            )
        dismissed = proposals_dismiss(actor=user, fair=fair, vacancy_ids=ids)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d vacancy dismissed: it will not be proposed for this fair again.",
                "%(count)d vacancies dismissed: they will not be proposed for this fair again.",
                len(dismissed),
            )
            % {"count": len(dismissed)},
        )
    return redirect("staff:fair_proposals", fair_id=fair.pk)


@staff_only
@require_POST
def fair_proposals_restore(request: HttpRequest, fair_id: int) -> HttpResponse:
    fair = _staff_object(request, Fair.objects.all(), fair_id, Perm.FAIR_MANAGE)
    ids = _chosen_vacancy_ids(request)
    try:
        restored = proposals_restore(actor=_user(request), fair=fair, vacancy_ids=ids)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d vacancy is proposed for this fair again.",
                "%(count)d vacancies are proposed for this fair again.",
                restored,
            )
            % {"count": restored},
        )
    return redirect("staff:fair_proposals", fair_id=fair.pk)


@staff_only
@require_POST
def booth_participation_confirm(request: HttpRequest, booth_id: int) -> HttpResponse:
    booth = _booth_to_answer(request, booth_id)
    try:
        booth_answer(actor=_user(request), booth=booth, confirm=True)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("%(employer)s takes part in %(fair)s: candidates now see its booth.")
            % {"employer": booth.employer.legal_name, "fair": booth.fair.title},
        )
    return redirect("staff:dashboard")


@staff_only
@require_POST
def booth_participation_decline(request: HttpRequest, booth_id: int) -> HttpResponse:
    """First a page that asks for confirmation (nothing changes), then, confirmed, the answer."""
    booth = _booth_to_answer(request, booth_id)
    if request.POST.get("confirm") != "yes":
        return render(request, "frontend/staff/booth_decline.html", {"booth": booth})
    try:
        booth_answer(actor=_user(request), booth=booth, confirm=False)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _(
                "Declined: %(employer)s does not take part in %(fair)s. The organisers see your answer."
            )
            % {"employer": booth.employer.legal_name, "fair": booth.fair.title},
        )
    return redirect("staff:dashboard")


def _chosen_vacancy_ids(request: HttpRequest) -> list[int]:
    """The proposals page's checked vacancies; the services refuse any not proposed."""
    return [vacancy_id for v in request.POST.getlist("vacancy") if (vacancy_id := parse_id(v))]


def _booth_to_answer(request: HttpRequest, booth_id: int) -> Booth:
    return _staff_object(
        request, Booth.objects.select_related("fair", "employer"), booth_id, Perm.BOOTH_ANSWER
    )


VACANCIES_PER_PAGE = 25


@staff_only
@require_GET
def vacancy_list(request: HttpRequest) -> HttpResponse:
    """Open vacancies to pre-select candidates for, searchable: all of them for organisers."""
    user = _user(request)
    require(user, Perm.VACANCY_PRESELECT)
    form = StaffVacancySearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    vacancies = vacancies_to_preselect(
        actor=user, query=data.get("q") or "", source=data.get("source") or ""
    )
    page = Paginator(vacancies, VACANCIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "frontend/staff/vacancy_list.html",
        {"form": form, "page": page, "searched": bool(data.get("q") or data.get("source"))},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@staff_only
def vacancy_preselection(request: HttpRequest, vacancy_id: int) -> HttpResponse:
    vacancy = access_preselection_vacancy(actor=request.user, vacancy_id=vacancy_id)
    form = PreselectionFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    result = preselection(
        vacancy=vacancy,
        min_score=data.get("min_score") or 0,
        language=data.get("language") or "",
        place=data.get("place") or "",
        sort=data.get("sort") or "score",
        page=request.GET.get("page"),
    )
    # A refused filter shows its error on the form, over the unfiltered list.
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request,
        "frontend/staff/preselection.html",
        {
            "vacancy": vacancy,
            "form": form,
            "result": result,
            "validated": cv_validation_dates(user_ids=[row.profile.user_id for row in result.rows]),
            "booths": list(invitation_booths(vacancy=vacancy)),
            "weights": WEIGHTS,
        },
        status=status,
    )


@staff_only
@require_http_methods(["GET", "POST"])
def vacancy_skills(request: HttpRequest, vacancy_id: int) -> HttpResponse:
    user = _user(request)
    vacancy = _staff_object(
        request,
        vacancies_open().select_related("employer"),
        vacancy_id,
        Perm.VACANCY_EDIT,
    )
    form = VacancySkillsForm(
        request.POST or None, initial=VacancySkillsForm.initial_for(vacancy.skills)
    )
    if request.method == "POST" and form.is_valid():
        try:
            vacancy_set_skills(actor=user, vacancy=vacancy, skills=form.cleaned_data["skills"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Skills saved."))
            return redirect("staff:vacancy_preselection", vacancy_id=vacancy.pk)
    return render(
        request,
        "frontend/staff/vacancy_skills.html",
        {"vacancy": vacancy, "form": form},
        status=400 if form.is_bound else 200,
    )


@staff_only
@require_POST
def vacancy_invite(request: HttpRequest, vacancy_id: int) -> HttpResponse:
    user = _user(request)
    vacancy = access_preselection_vacancy(actor=user, vacancy_id=vacancy_id)
    candidate_id = parse_id(request.POST.get("candidate"))
    booths = {b.pk: b for b in invitation_booths(vacancy=vacancy)}
    booth_id = parse_id(request.POST.get("booth"))
    booth = booths.get(booth_id) if booth_id else None
    candidate = User.objects.filter(pk=candidate_id).first() if candidate_id else None
    if candidate is None or not may_be_invited(user_id=candidate.pk):
        raise NotFound("candidate.not_found", _("This candidate does not exist or is not shared."))
    if booth is None:
        messages.error(request, _("Show this vacancy at a booth of an upcoming fair first."))
    else:
        try:
            invitation_create(
                actor=user,
                booth_id=booth.pk,
                candidate=candidate,
                expires_at=booth.fair.ends_at,
                vacancy_id=vacancy.pk,
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                _("%(name)s is invited to book an interview at %(fair)s.")
                % {"name": candidate.full_name, "fair": booth.fair.title},
            )
    # Back to the same filters; the path is ours, only the query string comes from the form.
    filters = QueryDict(request.POST.get("filters", "")).urlencode()
    page = reverse("staff:vacancy_preselection", args=[vacancy.pk])
    return redirect(f"{page}?{filters}" if filters else page)
