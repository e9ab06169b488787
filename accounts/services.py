"""Creating accounts: candidates sign themselves up; organisers create their staff."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Organisation, User
from accounts.permissions import Perm, require
from candidates.models import CandidateProfile, ConsentRecord
from fairplatform.audit import audit_record
from fairplatform.errors import unique_or

PRIVACY_NOTICE_VERSION = "2026-01"


@transaction.atomic
def candidate_register(
    *,
    full_name: str,
    password: str,
    email: str | None,
    phone: str | None,
    preferred_language: str,
    share_with_employers: bool,
) -> User:
    user = User.objects.create_user(
        email=email,
        phone=phone,
        password=password,
        full_name=full_name,
        preferred_language=preferred_language,
    )
    profile = CandidateProfile.objects.create(
        user=user,
        preferred_channel=CandidateProfile.Channel.SMS if phone else CandidateProfile.Channel.EMAIL,
    )
    ConsentRecord.objects.bulk_create(
        [
            ConsentRecord(
                profile=profile,
                purpose=ConsentRecord.Purpose.TERMS,
                granted=True,
                notice_version=PRIVACY_NOTICE_VERSION,
            ),
            ConsentRecord(
                profile=profile,
                purpose=ConsentRecord.Purpose.SHARE_WITH_EMPLOYERS,
                granted=share_with_employers,
                notice_version=PRIVACY_NOTICE_VERSION,
            ),
        ]
    )
    audit_record(actor=user, action="accounts.candidate.registered", obj=user)
    return user


@transaction.atomic
def staff_account_create(
    *,
    actor: User,
    organisation: Organisation,
    role: str,
    full_name: str,
    email: str,
    phone: str | None = None,
) -> tuple[User, bool]:
    """A staff member of an organisation, and whether the account is new: a new one sets its
    password through the reset link; an existing staff account (same email) gains the role. A
    candidate's own account is never turned into staff by somebody else."""
    require(actor, Perm.STAFF_ACCOUNT_CREATE, organisation)
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and not user.memberships.exists():
        raise ValidationError(
            {
                "email": _(
                    "This email belongs to an account without a staff role, which cannot be "
                    "given one here. Use the person's work email."
                )
            }
        )
    created = user is None
    if user is None:
        # A random password nobody knows: Django's reset form skips unusable ones, and the
        # reset link is how staff choose their own.
        user = User.objects.create_user(
            email=email, phone=phone, full_name=full_name, password=secrets.token_urlsafe(32)
        )
    membership = Membership(user=user, organisation=organisation, role=role)
    membership.full_clean()
    with unique_or(ValidationError(_("This person already has this role here."))):
        membership.save()
    audit_record(
        actor=actor,
        action="accounts.staff.created",
        obj=user,
        organisation=organisation.pk,
        role=role,
        new_account=created,
    )
    return user, created
