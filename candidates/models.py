from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from fairplatform.models import BaseModel

CEFR_LEVELS = ["A1", "A2", "B1", "B2", "C1", "C2"]
NATIVE = "native"


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
        SMS_REMINDERS = "sms_reminders", _("Reminders by text message")

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
