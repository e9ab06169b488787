import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from candidates.cv.reader import CONTENT_TYPES, EXTENSIONS
from candidates.cv.reader import Kind as FileKind
from candidates.storage import cv_storage
from fairplatform.cefr import CEFR_LEVELS
from fairplatform.models import BaseModel

NATIVE = "native"


def photo_upload_path(profile: "CandidateProfile", filename: str) -> str:
    # Random names: a photo's name says nothing about whose it is.
    return f"photos/{profile.pk}/{uuid.uuid4().hex}-{filename}"


def validate_language_skills(value: object) -> None:
    """A list of {"code": ISO 639-1, "level": CEFR level or "native"}."""
    if not isinstance(value, list):
        raise ValidationError(_("Languages must be a list."))
    for item in value:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("code"), str)
            or len(item["code"]) != 2
            or not item["code"].isalpha()
            or item.get("level") not in [*CEFR_LEVELS, NATIVE]
        ):
            raise ValidationError(
                _("Each language needs a two-letter code and a level from A1 to C2, or native.")
            )


class CandidateProfile(BaseModel):
    """The jobseeker side of a user; their phone (E.164) and email live on the user."""

    class Channel(models.TextChoices):
        SMS = "sms", _("Text message (SMS)")
        EMAIL = "email", _("Email")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="candidate_profile"
    )
    region = models.CharField(_("region"), max_length=80, blank=True)
    languages = models.JSONField(
        _("languages"), default=list, blank=True, validators=[validate_language_skills]
    )
    preferred_channel = models.CharField(
        _("how we contact you"), max_length=8, choices=Channel.choices, default=Channel.SMS
    )
    # Where the candidate lives, as the most precise NUTS code known (province or region): the
    # place criterion of the match score (employers/matching.py).
    nuts = models.CharField(_("where you live (NUTS code)"), max_length=5, blank=True)
    willing_to_relocate = models.BooleanField(
        _("willing to move for work"),
        default=False,
        help_text=_("EURES mobility: jobs in other regions or countries count as near."),
    )
    # Private storage, like CVs: a photo of a person is shown only through a checked view.
    photo = models.FileField(
        _("photo"), storage=cv_storage, upload_to=photo_upload_path, max_length=200, blank=True
    )
    photo_thumbnail = models.FileField(
        _("photo thumbnail"),
        storage=cv_storage,
        upload_to=photo_upload_path,
        max_length=200,
        blank=True,
    )

    class Meta:
        verbose_name = _("candidate profile")
        verbose_name_plural = _("candidate profiles")

    def __str__(self) -> str:
        return str(self.user)


class ConsentRecord(models.Model):
    """Append-only: a new record for every grant or withdrawal (GDPR art. 7 proof)."""

    class Purpose(models.TextChoices):
        TERMS = "terms", _("Terms of use and privacy notice")
        SHARE_WITH_EMPLOYERS = "share_with_employers", _("Show my profile to employers at fairs")

    profile = models.ForeignKey(CandidateProfile, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    granted = models.BooleanField()
    notice_version = models.CharField(max_length=20)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        verb = "granted" if self.granted else "withdrew"
        return f"{self.profile} {verb} {self.purpose} ({self.notice_version})"


def cv_upload_path(version: "CVVersion", _filename: str) -> str:
    # The candidate's file name never reaches the disk: it is kept in `original_name` only.
    return f"cv/{version.profile_id}/{uuid.uuid4().hex}.{EXTENSIONS[FileKind(version.kind)]}"


class CVVersion(models.Model):
    """One uploaded CV file. Every upload is a new version; earlier ones are kept as they were."""

    class State(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded, not checked yet")
        AUTO_CHECKED = "auto_checked", _("Checked automatically")
        IDENTITY_VERIFIED = "identity_verified", _("Identity verified")
        VALIDATED = "validated", _("Validated by an operator")
        NEEDS_CHANGES = "needs_changes", _("Changes needed")
        REJECTED = "rejected", _("Rejected")

    class Kind(models.TextChoices):
        EUROPASS_XML = FileKind.EUROPASS_XML.value, _("Europass XML")
        EUROPASS_PDF = FileKind.EUROPASS_PDF.value, _("Europass PDF")
        PDF = FileKind.PDF.value, _("PDF")
        DOCX = FileKind.DOCX.value, _("Word document (DOCX)")

    class IdentityMethod(models.TextChoices):
        SPID = "spid", _("SPID")
        CIE = "cie", _("Electronic identity card (CIE)")
        VIDEO_DOCUMENT = "video_document", _("Identity document shown on camera in a video call")
        IN_PERSON = "in_person", _("Identity document checked in person at a CPI office")

    profile = models.ForeignKey(
        CandidateProfile, on_delete=models.CASCADE, related_name="cv_versions"
    )
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), storage=cv_storage, upload_to=cv_upload_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.UPLOADED
    )
    structured = models.JSONField(_("structured CV"), default=dict, blank=True)
    text = models.TextField(_("text for search"), blank=True)
    report = models.JSONField(_("validation report"), default=dict, blank=True)
    identity_method = models.CharField(
        _("identity checked by"), max_length=16, choices=IdentityMethod.choices, blank=True
    )
    qualification_checks = models.JSONField(
        _("qualifications checked by the operator"), default=list, blank=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.TextField(_("operator's note"), blank=True)

    class Meta:
        verbose_name = _("CV version")
        verbose_name_plural = _("CV versions")
        ordering = ["profile", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "number"], name="cv_version_unique_number")
        ]
        indexes = [models.Index(fields=["state", "uploaded_at"])]

    def __str__(self) -> str:
        return f"{self.profile} CV v{self.number}"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[FileKind(self.kind)]

    @property
    def download_name(self) -> str:
        stem = self.original_name.rsplit(".", 1)[0] or "cv"
        return f"{stem}.{EXTENSIONS[FileKind(self.kind)]}"


class CVAccess(models.Model):
    """Every opening of a CV file, whoever it is: who, when, which version, how."""

    class Via(models.TextChoices):
        DOWNLOAD = "download", _("File download")

    version = models.ForeignKey(CVVersion, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    via = models.CharField(max_length=12, choices=Via.choices)

    class Meta:
        verbose_name = _("CV access")
        verbose_name_plural = _("CV access log")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} opened {self.version} ({self.via})"


class CVShare(models.Model):
    """A candidate's consent to show their CV to one employer's recruiters.

    A withdrawal closes the row and a new grant opens a new one, so the history stays as proof
    (GDPR art. 7) and at most one row per employer is open at a time.
    """

    class Context(models.TextChoices):
        CANDIDATE = "candidate", _("Shared by the candidate")
        QUEUE = "queue", _("Joined the booth's queue")
        BOOKING = "booking", _("Booked an interview")
        APPLICATION = "application", _("Applied for a vacancy")

    profile = models.ForeignKey(
        CandidateProfile, on_delete=models.CASCADE, related_name="cv_shares"
    )
    employer = models.ForeignKey(
        "employers.Employer", on_delete=models.CASCADE, related_name="cv_shares"
    )
    context = models.CharField(max_length=12, choices=Context.choices)
    granted_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("CV share")
        verbose_name_plural = _("CV shares")
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "employer"],
                condition=Q(withdrawn_at__isnull=True),
                name="cv_share_one_open_per_employer",
            )
        ]

    def __str__(self) -> str:
        state = "withdrawn" if self.withdrawn_at else "open"
        return f"{self.profile} → {self.employer} ({state})"


class CandidateMatchFeatures(models.Model):
    """What the match score needs of a candidate, precomputed from the current CV and the
    profile (candidates/match_features.py), so ranking thousands is one narrow query."""

    profile = models.OneToOneField(
        CandidateProfile, on_delete=models.CASCADE, primary_key=True, related_name="match_features"
    )
    # ISCO-08 codes of the jobs on the CV.
    isco = models.JSONField(default=list, blank=True)
    skills = models.JSONField(default=list, blank=True)
    # {"en": [read, write, speak]} as CEFR ranks (A1 = 1 … C2 = 6, native = 7).
    languages = models.JSONField(default=dict, blank=True)
    eqf = models.PositiveSmallIntegerField(null=True, blank=True)
    nuts = models.CharField(max_length=5, blank=True)
    relocate = models.BooleanField(default=False)
    # Held categories, with those each one implies.
    licences = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("match features")
        verbose_name_plural = _("match features")

    def __str__(self) -> str:
        return f"features of {self.profile_id}"
