"""CPI operators review candidates' CVs: a queue of current versions, and one version's page."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import Perm, require
from candidates.display import cv_summary
from candidates.forms import ALL, PENDING, CVQueueFilterForm, CVReviewForm
from candidates.models import CVVersion
from candidates.selectors import (
    REVIEW_PENDING,
    cv_access_log,
    cv_audit_trail,
    cv_review_queue,
    cv_validation_dates,
    cv_versions_of,
)
from candidates.services import cv_review
from fairplatform.errors import DomainError
from fairplatform.models import AuditEntry
from frontend.staff_views import _staff_object, _user, staff_only

PAGE_SIZE = 25
TRAIL_ACTIONS = {
    "candidates.cv.uploaded": gettext_lazy("Uploaded and checked automatically"),
    "candidates.cv.reviewed": gettext_lazy("Reviewed"),
}


def _trail_row(entry: AuditEntry) -> dict[str, object]:
    what = str(TRAIL_ACTIONS.get(entry.action, entry.action))
    outcome = entry.data.get("outcome")
    if outcome:
        what = f"{what}: {CVVersion.State(outcome).label}"
    return {"at": entry.at, "who": entry.actor, "what": what}


@staff_only
@require_GET
def cv_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.CV_REVIEW)
    form = CVQueueFilterForm(request.GET or None)
    fair, state = None, PENDING
    if form.is_valid():
        fair = form.cleaned_data["fair"]
        state = form.cleaned_data["state"] or PENDING
    states = REVIEW_PENDING if state == PENDING else () if state == ALL else (state,)
    page = Paginator(cv_review_queue(fair=fair, states=states), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "frontend/staff/cv_list.html",
        {
            "form": form,
            "page": page,
            "validations": cv_validation_dates(user_ids=[v.profile.user_id for v in page]),
        },
        status=200 if form.is_valid() or not form.is_bound else 400,
    )


@staff_only
@require_http_methods(["GET", "POST"])
def cv_review_page(request: HttpRequest, version_id: int) -> HttpResponse:
    user = _user(request)
    require(user, Perm.CV_REVIEW)
    version = _staff_object(
        request,
        CVVersion.objects.select_related("profile__user", "reviewed_by"),
        version_id,
        Perm.CV_REVIEW,
    )
    summary = cv_summary(version)
    form = CVReviewForm(
        request.POST or None,
        qualifications=summary["qualifications"],
        initial={"identity_method": version.identity_method},
    )
    if request.method == "POST" and form.is_valid():
        try:
            cv_review(
                actor=user,
                version=version,
                outcome=form.cleaned_data["outcome"],
                identity_method=form.cleaned_data["identity_method"],
                qualification_checks=form.qualification_checks(),
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Your review is saved."))
            return redirect("staff:cv_review", version_id=version.pk)
    newest = cv_versions_of(profile=version.profile).only("pk", "number").first()
    return render(
        request,
        "frontend/staff/cv_review.html",
        {
            "version": version,
            "candidate": version.profile.user,
            "summary": summary,
            "form": form,
            "open": version.state in REVIEW_PENDING,
            "newer": newest if newest and newest.pk != version.pk else None,
            "trail": [_trail_row(entry) for entry in cv_audit_trail(version=version)],
            "accesses": cv_access_log(version=version)[:50],
        },
        status=400 if form.is_bound else 200,
    )
