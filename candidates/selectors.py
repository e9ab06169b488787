"""Reads of CVs; `access_cv_version` is the one door to a CV, for every caller."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.permissions import Actor, Perm, can
from candidates.models import CandidateProfile, CVAccess, CVVersion
from fairplatform.errors import NotFound


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
