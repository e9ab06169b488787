"""Reads of CVs; `access_cv_version` is the one door to a CV, for every caller."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from accounts.permissions import Actor, Perm, can
from candidates.models import CandidateProfile, CVAccess, CVShare, CVVersion
from fairplatform.errors import NotFound
from fairplatform.models import AuditEntry
from rooms.models import Fair, QueueEntry


def access_cv_version(*, actor: Actor, version_id: int) -> CVVersion:
    """The version if this actor may see it; one error for 'missing' and 'not yours' alike."""
    version = (
        CVVersion.objects.select_related("profile", "profile__user").filter(pk=version_id).first()
    )
    if version is None or not can(actor, Perm.CV_VIEW, version):
        raise NotFound("cv.not_found", _("This CV does not exist or is not shared with you."))
    return version


def cv_versions_of(*, profile: CandidateProfile) -> QuerySet[CVVersion]:
    """Newest first, without the heavy text column."""
    return profile.cv_versions.defer("text").order_by("-number")


def cv_current(*, profile: CandidateProfile) -> CVVersion | None:
    return cv_versions_of(profile=profile).first()


def cv_access_log(*, version: CVVersion) -> QuerySet[CVAccess]:
    return version.accesses.select_related("user").order_by("-at")


def candidate_profile_of(*, actor: Actor) -> CandidateProfile:
    """The signed-in person's own candidate profile; staff accounts have none."""
    profile = (
        CandidateProfile.objects.select_related("user").filter(user_id=actor.pk).first()
        if actor.is_authenticated
        else None
    )
    if profile is None:
        raise NotFound("candidate.not_found", _("This page is for candidates' accounts."))
    return profile


def access_own_cv_version(*, actor: Actor, version_id: int) -> CVVersion:
    """A version its owner may delete; anyone else's is 'missing'."""
    version = CVVersion.objects.select_related("profile").filter(pk=version_id).first()
    if version is None or not can(actor, Perm.CV_MANAGE, version.profile):
        raise NotFound("cv.not_found", _("This CV does not exist or is not shared with you."))
    return version


def access_candidate_photo(*, actor: Actor, profile_id: int) -> CandidateProfile:
    profile = CandidateProfile.objects.filter(pk=profile_id).exclude(photo="").first()
    if profile is None or not can(actor, Perm.CANDIDATE_VIEW, profile):
        raise NotFound("photo.not_found", _("This photo does not exist or is not shared with you."))
    return profile


def cv_shares_open(*, profile: CandidateProfile) -> QuerySet[CVShare]:
    """The employers that may read the CV now, most recent first."""
    return profile.cv_shares.filter(withdrawn_at__isnull=True).select_related("employer")


def cv_current_versions() -> QuerySet[CVVersion]:
    """Each candidate's newest version only, in one query (a correlated subquery, so SQLite
    and PostgreSQL alike)."""
    newest = (
        CVVersion.objects.filter(profile=OuterRef("profile"))
        .order_by("-number")
        .values("number")[:1]
    )
    return CVVersion.objects.filter(number=Subquery(newest))


def cv_validation_dates(*, user_ids: Iterable[int]) -> dict[int, datetime]:
    """For each of these users whose current CV version is validated: when it was. One query,
    for pages that show many candidates (queue console, review list, interview room)."""
    rows = (
        cv_current_versions()
        .filter(profile__user_id__in=list(user_ids), state=CVVersion.State.VALIDATED)
        .values_list("profile__user_id", "reviewed_at")
    )
    return {user_id: at for user_id, at in rows if at is not None}


# Versions an operator can still decide on (cv_review refuses the others).
REVIEW_PENDING = (CVVersion.State.AUTO_CHECKED, CVVersion.State.IDENTITY_VERIFIED)


def cv_review_queue(*, fair: Fair | None = None, states: Iterable[str] = ()) -> QuerySet[CVVersion]:
    """Current versions for CPI review, newest first. With a fair: candidates who joined a line
    at one of its booths, in any state (waiting, seen, or gone)."""
    versions = cv_current_versions().select_related("profile__user").defer("text")
    if fair is not None:
        versions = versions.filter(
            profile__user__in=QueueEntry.objects.filter(booth__fair=fair).values("candidate")
        )
    states = list(states)
    if states:
        versions = versions.filter(state__in=states)
    return versions.order_by("-uploaded_at", "-pk")


def cv_audit_trail(*, version: CVVersion) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        object_type=version._meta.label_lower, object_id=str(version.pk)
    ).select_related("actor")
