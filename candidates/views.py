"""The candidate's CV page and their rights over it; the CV file itself, for everyone allowed."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from candidates.cv.reader import too_large
from candidates.display import cv_summary
from candidates.forms import AccountDeleteForm, ContactForm, CVUploadForm, PhotoForm
from candidates.models import CandidateProfile, CVAccess, CVVersion
from candidates.rights import candidate_erase, candidate_export
from candidates.selectors import (
    access_candidate_photo,
    access_cv_version,
    access_own_cv_version,
    candidate_profile_of,
    cv_shares_open,
    cv_versions_of,
)
from candidates.services import (
    candidate_contact_set,
    cv_record_access,
    cv_unshare,
    cv_upload,
    cv_version_delete,
    profile_photo_remove,
    profile_photo_set,
)
from fairplatform.errors import DomainError, NotFound

# Room for the multipart envelope (boundaries, headers, the CSRF field) around the file.
MULTIPART_ALLOWANCE = 64 * 1024

View = Callable[..., HttpResponse]


R = TypeVar("R", bound=HttpResponseBase)


def _private(response: R) -> R:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def cv_file(request: HttpRequest, version_id: int) -> FileResponse:
    """The CV file itself, to those allowed to see it; every opening is logged."""
    assert isinstance(request.user, User)  # noqa: S101  (login_required guarantees it)
    version = access_cv_version(actor=request.user, version_id=version_id)
    cv_record_access(actor=request.user, version=version, via=CVAccess.Via.DOWNLOAD)
    response = FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=version.download_name,
        content_type=version.content_type,
    )
    _private(response)
    # Opened directly in a tab anyway, the file may run nothing and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_GET
def photo(request: HttpRequest, profile_id: int, size: str) -> FileResponse:
    profile = access_candidate_photo(actor=request.user, profile_id=profile_id)
    stored = profile.photo_thumbnail if size == "thumbnail" else profile.photo
    response = FileResponse(stored.open("rb"), content_type="image/png")
    _private(response)
    return response


def _candidate(request: HttpRequest) -> tuple[User, CandidateProfile]:
    assert isinstance(request.user, User)  # noqa: S101  (login_required guarantees it)
    return request.user, candidate_profile_of(actor=request.user)


def _page(
    request: HttpRequest,
    profile: CandidateProfile,
    *,
    upload_form: CVUploadForm | None = None,
    photo_form: PhotoForm | None = None,
    contact_form: ContactForm | None = None,
    upload_refusal: object = None,
    status: int = 200,
) -> HttpResponse:
    versions = list(cv_versions_of(profile=profile))
    current = versions[0] if versions else None
    context: dict[str, Any] = {
        "profile": profile,
        "current": current,
        "summary": cv_summary(current) if current else None,
        "earlier": versions[1:],
        "shares": cv_shares_open(profile=profile),
        "upload_form": upload_form or CVUploadForm(),
        "upload_refusal": upload_refusal,
        "photo_form": photo_form or PhotoForm(),
        "contact_form": contact_form
        or ContactForm(initial={"preferred_channel": profile.preferred_channel}),
        "states": CVVersion.State,
    }
    return render(request, "frontend/cv/page.html", context, status=status)


@login_required
@require_GET
def cv_page(request: HttpRequest) -> HttpResponse:
    _user, profile = _candidate(request)
    return _page(request, profile)


def refuse_oversized_cv(view: View) -> View:
    """Answer 413 from the declared Content-Length, before the body is parsed: Django's CSRF
    check would otherwise read (and spool) the whole upload first. The CSRF check runs right
    after, for every request that gets further."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.CV_MAX_BYTES + MULTIPART_ALLOWANCE:
            _user, profile = _candidate(request)
            # Not a form error: the form was never read, so nothing of it can be bound.
            refusal = too_large().message
            return _page(request, profile, upload_refusal=refusal, status=413)
        return protected(request, *args, **kwargs)

    return wrapper


@login_required
@require_POST
@refuse_oversized_cv
def cv_upload_view(request: HttpRequest) -> HttpResponse:
    user, profile = _candidate(request)
    form = CVUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            version = cv_upload(actor=user, profile=profile, upload=form.cleaned_data["file"])
        except DomainError as exc:
            form.add_error("file", str(exc.message))
        else:
            if version.report.get("errors"):
                messages.warning(request, _("Your CV is saved, but it needs some corrections."))
            else:
                messages.success(request, _("Your CV is saved and passed the automatic check."))
            return redirect("candidates:cv")
    return _page(request, profile, upload_form=form, status=400)


@login_required
@require_POST
def photo_upload(request: HttpRequest) -> HttpResponse:
    user, profile = _candidate(request)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            profile_photo_set(actor=user, profile=profile, upload=form.cleaned_data["photo"])
        except ValidationError as exc:
            form.add_error("photo", exc.messages)
        else:
            messages.success(request, _("Your photo is saved."))
            return redirect("candidates:cv")
    return _page(request, profile, photo_form=form, status=400)


@login_required
@require_POST
def contact_set(request: HttpRequest) -> HttpResponse:
    user, profile = _candidate(request)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            candidate_contact_set(
                actor=user, profile=profile, channel=form.cleaned_data["preferred_channel"]
            )
        except ValidationError as exc:
            form.add_error("preferred_channel", exc.messages)
        else:
            messages.success(request, _("Saved: interview messages will come this way."))
            return redirect("candidates:cv")
    return _page(request, profile, contact_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def photo_remove(request: HttpRequest) -> HttpResponse:
    user, profile = _candidate(request)
    if request.method == "POST":
        profile_photo_remove(actor=user, profile=profile)
        messages.success(request, _("Your photo is removed."))
        return redirect("candidates:cv")
    return _confirm(
        request,
        title=_("Remove your photo?"),
        text=_("Employers will no longer see it. You can add a photo again at any time."),
        button=_("Remove the photo"),
    )


def _confirm(request: HttpRequest, status: int = 200, **context: Any) -> HttpResponse:
    context = {"back": reverse("candidates:cv"), **context}
    return render(request, "frontend/confirm.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def share_stop(request: HttpRequest, employer_id: int) -> HttpResponse:
    user, profile = _candidate(request)
    share = cv_shares_open(profile=profile).filter(employer_id=employer_id).first()
    if share is None:
        raise NotFound("cv.share_not_found", _("Your CV is not shared with this employer."))
    if request.method == "POST":
        cv_unshare(actor=user, profile=profile, employer=share.employer)
        messages.success(
            request,
            _("%(employer)s can no longer see your CV.") % {"employer": share.employer.legal_name},
        )
        return redirect("candidates:cv")
    return _confirm(
        request,
        title=_("Stop sharing your CV with %(employer)s?")
        % {"employer": share.employer.legal_name},
        text=_(
            "Its recruiters will no longer be able to open your CV. If you join one of its "
            "lines again, your CV is shared again."
        ),
        button=_("Stop sharing"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def version_delete(request: HttpRequest, version_id: int) -> HttpResponse:
    version = access_own_cv_version(actor=request.user, version_id=version_id)
    if request.method == "POST":
        assert isinstance(request.user, User)  # noqa: S101  (login_required guarantees it)
        cv_version_delete(actor=request.user, version=version)
        messages.success(request, _("Version %(n)d is deleted.") % {"n": version.number})
        return redirect("candidates:cv")
    return _confirm(
        request,
        title=_("Delete version %(n)d of your CV?") % {"n": version.number},
        text=_(
            "The file “%(name)s” and its check are deleted for good. Employers and the CPI will "
            "no longer see it."
        )
        % {"name": version.original_name},
        button=_("Delete this version"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def data_export(request: HttpRequest) -> HttpResponseBase:
    user, profile = _candidate(request)
    if request.method == "POST":
        archive = candidate_export(actor=user, profile=profile)
        response = FileResponse(
            archive,
            as_attachment=True,
            filename="fairplatform-my-data.zip",
            content_type="application/zip",
        )
        return _private(response)
    return _confirm(
        request,
        title=_("Download everything we hold about you"),
        text=_(
            "You get a ZIP file with your account, your consents, who your CV is shared with, "
            "every CV version with its check and who opened it, your places in line, your "
            "invitations, bookings and interviews, the messages we sent you, what you wrote in "
            "calls, and your CV files and photo."
        ),
        button=_("Download the ZIP file"),
        safe_action=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    user, profile = _candidate(request)
    form = AccountDeleteForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            candidate_erase(actor=user, profile=profile)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            logout(request)
            messages.success(request, _("Your account and all your data are deleted."))
            return redirect("frontend:home")
    return _confirm(
        request,
        status=400 if form.is_bound else 200,
        title=_("Delete your account?"),
        text=_(
            "Your account, your CV files and photo, your consents, your places in line and your "
            "part of interviews are deleted for good. This cannot be undone. You may want to "
            "download your data first."
        ),
        button=_("Delete my account"),
        form=form,
    )
