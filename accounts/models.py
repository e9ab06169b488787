from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.phones import validate_e164
from fairplatform.models import BaseModel


class UserManager(BaseUserManager["User"]):
    def create_user(
        self,
        email: str | None = None,
        password: str | None = None,
        **fields: Any,
    ) -> "User":
        user = self.model(email=self.normalize_email(email) if email else None, **fields)
        if password:
            user.set_password(password)
        else:
            # Accounts that sign in through an identity provider (SPID/CIE via OIDC) have none.
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str, **fields: Any) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email=email, password=password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. They sign in with their email or their mobile number; either may be missing."""

    email = models.EmailField(_("email"), unique=True, null=True, blank=True)
    phone = models.CharField(
        _("mobile number"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_e164],
        help_text=_("In E.164 form, e.g. +393331234567."),
    )
    full_name = models.CharField(_("full name"), max_length=150)
    preferred_language = models.CharField(_("preferred language"), max_length=8, default="it")
    is_staff = models.BooleanField(
        _("Django admin access"),
        default=False,
        help_text=_("Platform administrators only; fair staff work in the staff area."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(phone__isnull=False),
                name="user_has_email_or_phone",
                violation_error_message=_("Give an email address or a mobile number."),
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or self.phone or f"#{self.pk}"

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ", 1)[0]


class Organisation(BaseModel):
    class Kind(models.TextChoices):
        CPI = "cpi", _("Public employment office (CPI)")
        EURES = "eures", _("EURES office")
        EMPLOYER = "employer", _("Employer")
        PRIVATE_OPERATOR = "private_operator", _("Accredited private operator")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.CharField(_("region"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(BaseModel):
    class Role(models.TextChoices):
        ORGANISER = "organiser", _("Fair organiser")
        CPI_OPERATOR = "cpi_operator", _("CPI operator")
        EMPLOYER_ADMIN = "employer_admin", _("Employer administrator")
        RECRUITER = "recruiter", _("Recruiter")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"
