"""Writes for candidates' CVs: upload, sharing with employers, and the operator's review."""

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import Perm, require
from candidates.cv.checks import check_cv
from candidates.cv.reader import read_cv, too_large
from candidates.match_features import match_features_refresh
from candidates.models import CandidateProfile, CVAccess, CVShare, CVVersion
from candidates.selectors import REVIEW_PENDING, cv_current_versions
from candidates.storage import cv_storage
from employers.models import Employer
from fairplatform.audit import audit_record
from fairplatform.errors import DomainError
from fairplatform.images import process_image

State = CVVersion.State
REVIEW_OUTCOMES = (
    State.IDENTITY_VERIFIED,
    State.VALIDATED,
    State.NEEDS_CHANGES,
    State.REJECTED,
)
REVIEWABLE = REVIEW_PENDING


def cv_upload(*, actor: User, profile: CandidateProfile, upload: UploadedFile) -> CVVersion:
    """Store a new CV version, or refuse it whole with a DomainError saying why.

    Everything is read and checked before anything is written: a refusal stores nothing and
    leaves earlier versions as they were.
    """
    require(actor, Perm.CV_MANAGE, profile)
    data = _read_bounded(upload)
    parsed = read_cv(data)
    report = check_cv(parsed.cv, account_name=profile.user.full_name, today=timezone.localdate())
    version = CVVersion(
        profile=profile,
        original_name=(upload.name or "cv").replace("\x00", "").rsplit("/", 1)[-1][-200:],
        kind=parsed.kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        state=State.AUTO_CHECKED,
        structured=parsed.cv.model_dump(mode="json"),
        text=parsed.text,
        report=report.as_json(),
    )
    try:
        with transaction.atomic():
            # Locking the profile serialises two uploads by the same person (two tabs).
            CandidateProfile.objects.select_for_update().filter(pk=profile.pk).first()
            version.number = (profile.cv_versions.aggregate(n=Max("number"))["n"] or 0) + 1
            version.file.save("cv", ContentFile(data), save=False)
            version.save()
            audit_record(
                actor=actor,
                action="candidates.cv.uploaded",
                obj=version,
                kind=version.kind,
                errors=len(report.errors),
            )
            match_features_refresh(profile=profile)
    except BaseException:
        # The row was not written, so the file must not outlive it.
        if version.file.name:
            version.file.storage.delete(version.file.name)
        raise
    return version


def _read_bounded(upload: UploadedFile) -> bytes:
    """At most CV_MAX_BYTES are ever held: a declared size over the limit is refused unread,
    and a stream that lies about its size is cut one byte past the limit."""
    limit = settings.CV_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise too_large()
    upload.seek(0)
    data: bytes = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large()
    return data


@transaction.atomic
def cv_share(
    *,
    actor: User,
    profile: CandidateProfile,
    employer: Employer,
    context: str = CVShare.Context.CANDIDATE,
) -> CVShare:
    """Let this employer's recruiters see the CV; sharing twice keeps the open share."""
    require(actor, Perm.CV_MANAGE, profile)
    CandidateProfile.objects.select_for_update().filter(pk=profile.pk).first()
    share = CVShare.objects.filter(
        profile=profile, employer=employer, withdrawn_at__isnull=True
    ).first()
    if share is not None:
        return share
    share = CVShare.objects.create(profile=profile, employer=employer, context=context)
    audit_record(actor=actor, action="candidates.cv.shared", obj=share, employer=employer.pk)
    return share


def cv_share_for_meeting(*, candidate: User, employer: Employer, context: str) -> None:
    """Queuing at a booth or booking its slot is choosing to meet this employer: its recruiters
    may read the CV (the pages say so; the candidate can withdraw it from their CV page)."""
    profile = CandidateProfile.objects.filter(user=candidate).first()
    if profile is not None:
        cv_share(actor=candidate, profile=profile, employer=employer, context=context)


@transaction.atomic
def cv_unshare(*, actor: User, profile: CandidateProfile, employer: Employer) -> None:
    """Withdraw the consent: the employer's recruiters lose access at once."""
    require(actor, Perm.CV_MANAGE, profile)
    for share in CVShare.objects.select_for_update().filter(
        profile=profile, employer=employer, withdrawn_at__isnull=True
    ):
        share.withdrawn_at = timezone.now()
        share.save(update_fields=["withdrawn_at"])
        audit_record(actor=actor, action="candidates.cv.unshared", obj=share, employer=employer.pk)


def cv_record_access(*, actor: User, version: CVVersion, via: str) -> CVAccess:
    return CVAccess.objects.create(version=version, user=actor, via=via)


@transaction.atomic
def cv_review(
    *,
    actor: User,
    version: CVVersion,
    outcome: str,
    identity_method: str = "",
    qualification_checks: list[dict[str, Any]] | None = None,
    note: str = "",
) -> CVVersion:
    """A CPI operator's decision on one version: identity verified, validated, needs changes
    or rejected. Validation needs a verified identity (now or before) and no report errors."""
    require(actor, Perm.CV_REVIEW)
    version = CVVersion.objects.select_for_update().get(pk=version.pk)
    if outcome not in REVIEW_OUTCOMES:
        raise DomainError("cv.review_outcome_invalid", _("Choose a valid review outcome."))
    if version.state not in REVIEWABLE:
        raise DomainError(
            "cv.review_closed",
            _("This CV version has already been decided; the candidate must upload a new one."),
        )
    if version.profile.cv_versions.filter(number__gt=version.number).exists():
        raise DomainError(
            "cv.not_current", _("The candidate has uploaded a newer version: review that one.")
        )
    if identity_method and identity_method not in CVVersion.IdentityMethod.values:
        raise DomainError("cv.identity_method_invalid", _("Choose how the identity was checked."))
    method = identity_method or version.identity_method
    if outcome in (State.IDENTITY_VERIFIED, State.VALIDATED) and not method:
        raise DomainError(
            "cv.identity_required", _("Verify the candidate's identity before validating the CV.")
        )
    if outcome == State.VALIDATED and version.report.get("errors"):
        raise DomainError(
            "cv.has_errors",
            _("The automatic check found errors: ask the candidate for changes instead."),
        )
    checks = _valid_qualification_checks(version, qualification_checks or [])
    version.state = outcome
    version.identity_method = method
    version.qualification_checks = checks
    version.review_note = note
    version.reviewed_by = actor
    version.reviewed_at = timezone.now()
    version.save()
    audit_record(
        actor=actor,
        action="candidates.cv.reviewed",
        obj=version,
        outcome=outcome,
        identity_method=method,
        qualifications=checks,
    )
    return version


def _valid_qualification_checks(
    version: CVVersion, checks: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each item: {"item": "education.0" | "work.2" | "driving_licence.B", "checked": bool}."""
    structured = version.structured
    known = {f"education.{i}" for i in range(len(structured.get("education", [])))}
    known |= {f"work.{i}" for i in range(len(structured.get("work", [])))}
    known |= {f"driving_licence.{code}" for code in structured.get("driving_licences", [])}
    cleaned = []
    for check in checks:
        if check.get("item") not in known or not isinstance(check.get("checked"), bool):
            raise DomainError(
                "cv.qualification_unknown",
                _("A checked qualification does not match any entry of this CV."),
                item=str(check.get("item")),
            )
        cleaned.append({"item": check["item"], "checked": check["checked"]})
    return cleaned


def delete_files_on_commit(names: Iterable[str]) -> None:
    """Remove private files once the rows pointing at them are gone for good: a rollback keeps
    both, a commit never leaves a row without its file."""
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: _delete_files(names))


def _delete_files(names: list[str]) -> None:
    storage = cv_storage()
    for name in names:
        storage.delete(name)


@transaction.atomic
def cv_version_delete(*, actor: User, version: CVVersion) -> None:
    """The candidate deletes one of their versions: the row, its access log and the file."""
    require(actor, Perm.CV_MANAGE, version.profile)
    audit_record(actor=actor, action="candidates.cv.deleted", obj=version, number=version.number)
    delete_files_on_commit([version.file.name])
    profile = version.profile
    version.delete()
    match_features_refresh(profile=profile)


@transaction.atomic
def candidate_place_set(
    *, actor: User, profile: CandidateProfile, nuts: str, willing_to_relocate: bool
) -> CandidateProfile:
    """Where the candidate lives and whether they would move: the place of the match score."""
    require(actor, Perm.CV_MANAGE, profile)
    profile.nuts = nuts.upper()
    profile.willing_to_relocate = willing_to_relocate
    profile.full_clean()
    profile.save(update_fields=["nuts", "willing_to_relocate", "updated_at"])
    audit_record(actor=actor, action="candidates.place.set", obj=profile)
    match_features_refresh(profile=profile)
    return profile


def candidate_contact_set(*, actor: User, profile: CandidateProfile, channel: str) -> None:
    """How we send the candidate their interview messages: by SMS or by email."""
    require(actor, Perm.CV_MANAGE, profile)
    Channel = CandidateProfile.Channel
    if channel not in Channel.values:
        raise ValidationError(_("Choose text message or email."))
    if channel == Channel.SMS and not profile.user.phone:
        raise ValidationError(_("Your account has no mobile number: we can only write by email."))
    if channel == Channel.EMAIL and not profile.user.email:
        raise ValidationError(_("Your account has no email address: we can only send texts."))
    profile.preferred_channel = channel
    profile.save(update_fields=["preferred_channel", "updated_at"])
    audit_record(actor=actor, action="candidates.contact.set", obj=profile, channel=channel)


@transaction.atomic
def cv_purge_expired(*, now: datetime | None = None) -> int:
    """Retention (CV_RETENTION_DAYS): versions older than that go, files included, unless they
    are their owner's current version, which stays until replaced or deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CV_RETENTION_DAYS)
    expired = list(
        CVVersion.objects.select_for_update(skip_locked=True)
        .filter(uploaded_at__lt=cutoff)
        .exclude(pk__in=cv_current_versions().values("pk"))
        .only("pk", "file", "number", "profile_id")
    )
    for version in expired:
        audit_record(
            actor=None,
            action="candidates.cv.purged",
            obj=version,
            number=version.number,
            retention_days=settings.CV_RETENTION_DAYS,
        )
    delete_files_on_commit(version.file.name for version in expired)
    CVVersion.objects.filter(pk__in=[version.pk for version in expired]).delete()
    return len(expired)


PHOTO_SIZE = 512
PHOTO_THUMBNAIL_SIZE = 96


@transaction.atomic
def profile_photo_set(
    *, actor: User, profile: CandidateProfile, upload: UploadedFile
) -> CandidateProfile:
    """Verify and re-encode the picture (EXIF and GPS gone) and keep it with a thumbnail;
    a refused picture (ValidationError) changes nothing."""
    require(actor, Perm.CV_MANAGE, profile)
    photo = process_image(upload, fit_within=PHOTO_SIZE)
    upload.seek(0)
    thumbnail = process_image(upload, fit_within=PHOTO_THUMBNAIL_SIZE)
    profile = CandidateProfile.objects.select_for_update().get(pk=profile.pk)
    delete_files_on_commit([profile.photo.name, profile.photo_thumbnail.name])
    written: list[str] = []
    try:
        profile.photo.save("photo.png", photo.content, save=False)
        written.append(profile.photo.name)
        profile.photo_thumbnail.save("thumbnail.png", thumbnail.content, save=False)
        written.append(profile.photo_thumbnail.name)
        profile.save(update_fields=["photo", "photo_thumbnail", "updated_at"])
        audit_record(actor=actor, action="candidates.photo.set", obj=profile)
    except BaseException:
        # The row keeps its old photo, so the new files must not outlive the rollback.
        for name in written:
            cv_storage().delete(name)
        raise
    return profile


@transaction.atomic
def profile_photo_remove(*, actor: User, profile: CandidateProfile) -> None:
    require(actor, Perm.CV_MANAGE, profile)
    profile = CandidateProfile.objects.select_for_update().get(pk=profile.pk)
    delete_files_on_commit([profile.photo.name, profile.photo_thumbnail.name])
    profile.photo = profile.photo_thumbnail = ""
    profile.save(update_fields=["photo", "photo_thumbnail", "updated_at"])
    audit_record(actor=actor, action="candidates.photo.removed", obj=profile)
