"""Writes to fairs and booths. Each service validates, writes, audits and publishes after commit."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Organisation, User
from accounts.permissions import Perm, require
from employers.models import Employer, SectorSection, Vacancy
from fairplatform.audit import audit_record
from fairplatform.errors import DomainError, NotFound, unique_or
from rooms.models import Booth, Fair, Slot
from rooms.queue_feed import announce
from rooms.queues import queues_close
from signaling import bus, groups
from signaling.protocol import FairStatusChanged

Status = Fair.Status


@transaction.atomic
def fair_create(
    *,
    actor: User,
    organiser: Organisation,
    title: str,
    region: str,
    starts_at: datetime,
    ends_at: datetime,
    sectors: list[SectorSection],
    timezone_name: str = "Europe/Rome",
    languages: list[str] | None = None,
    description: str = "",
    queue_positions_visible: bool = True,
    nuts_codes: list[str] | None = None,
    occupation_filter: list[str] | None = None,
) -> Fair:
    require(actor, Perm.FAIR_CREATE, organiser)
    fair = Fair(
        organiser=organiser,
        title=title,
        region=region,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone_name,
        languages=languages or ["it"],
        description=description,
        queue_positions_visible=queue_positions_visible,
        nuts_codes=nuts_codes or [],
        occupation_filter=occupation_filter or [],
    )
    fair.full_clean()
    fair.save()
    fair.sectors.set(sectors)
    audit_record(actor=actor, action="rooms.fair.created", obj=fair)
    return fair


@transaction.atomic
def fair_update(*, actor: User, fair: Fair, sectors: list[SectorSection], **fields: Any) -> Fair:
    require(actor, Perm.FAIR_MANAGE, fair)
    # Locked and saved field by field: a status change by beat or by `fair_publish` that lands
    # between this form's load and save must not be written back.
    fair = Fair.objects.select_for_update().get(pk=fair.pk)
    for name, value in fields.items():
        setattr(fair, name, value)
    fair.full_clean()
    outside = fair.booths.filter(
        Q(opens_at__lt=fair.starts_at)
        | Q(opens_at__gt=fair.ends_at)
        | Q(closes_at__lt=fair.starts_at)
        | Q(closes_at__gt=fair.ends_at)
    ).select_related("employer")
    if outside:
        # Booths keep hours within their fair: moving the fair away from them asks first.
        raise ValidationError(
            _("These booths have hours outside the new dates; change them first: %(booths)s.")
            % {"booths": ", ".join(booth.employer.legal_name for booth in outside)}
        )
    stranded = (
        fair.slots.exclude(state=Slot.State.CANCELLED)
        .filter(Q(starts_at__lt=fair.starts_at) | Q(ends_at__gt=fair.ends_at))
        .count()
    )
    if stranded:
        raise ValidationError(
            ngettext(
                "%(count)d interview time falls outside the new dates; cancel it first.",
                "%(count)d interview times fall outside the new dates; cancel them first.",
                stranded,
            )
            % {"count": stranded}
        )
    fair.save(update_fields=[*fields, "updated_at"])
    fair.sectors.set(sectors)
    audit_record(actor=actor, action="rooms.fair.updated", obj=fair, fields=sorted(fields))
    return fair


def _set_status(fair: Fair, status: str, *, actor: User | None) -> None:
    previous = fair.status
    fair.status = status
    fair.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, action="rooms.fair.status_changed", obj=fair, old=previous, new=status
    )
    if status == Status.CLOSED:
        queues_close(fair=fair)
    for booth_id in fair.booths.values_list("pk", flat=True):
        announce(booth_id)  # booth pages learn their line opened or closed
    bus.publish_on_commit(
        groups.fair(fair.pk),
        "fair.status_changed",
        FairStatusChanged(fair_id=fair.pk, status=status),
    )


@transaction.atomic
def fair_publish(*, actor: User, fair: Fair) -> Fair:
    require(actor, Perm.FAIR_MANAGE, fair)
    fair = Fair.objects.select_for_update().get(pk=fair.pk)
    if fair.status == Status.DRAFT:
        _set_status(fair, Status.PUBLISHED, actor=actor)
    return fair


def fairs_advance_status(*, now: datetime | None = None) -> int:
    """Move published fairs to live at their start and live ones to closed at their end.

    Run by Celery beat. Each fair moves in its own transaction under a row lock, so two beats
    or a retry never announce the same change twice. Returns how many fairs moved.
    """
    now = now or timezone.now()
    due = Fair.objects.filter(
        Q(status=Status.PUBLISHED, starts_at__lte=now)
        | Q(status__in=[Status.PUBLISHED, Status.LIVE], ends_at__lte=now)
    ).values_list("pk", flat=True)
    moved = 0
    for fair_id in list(due):
        with transaction.atomic():
            fair = Fair.objects.select_for_update(skip_locked=True).filter(pk=fair_id).first()
            if fair is None:
                continue
            target = _due_status(fair, now)
            if target is not None:
                _set_status(fair, target, actor=None)
                moved += 1
    return moved


def _due_status(fair: Fair, now: datetime) -> str | None:
    if fair.status in (Status.PUBLISHED, Status.LIVE) and fair.ends_at <= now:
        return Status.CLOSED
    if fair.status == Status.PUBLISHED and fair.starts_at <= now:
        return Status.LIVE
    return None


def fair_lock(fair: Fair) -> None:
    """Hold the fair's row until the transaction ends, before adding work to it: a series
    removing its untouched drafts locks them too, so one waits for the other, and a fair that
    is gone meanwhile is refused with a message rather than a failed commit."""
    if not Fair.objects.select_for_update().filter(pk=fair.pk).exists():
        raise NotFound("fair.not_found", _("This fair no longer exists."))


@transaction.atomic
def booth_create(
    *,
    actor: User,
    fair: Fair,
    employer: Employer,
    headline: str = "",
    participation: str = Booth.Participation.CONFIRMED,
) -> Booth:
    require(actor, Perm.FAIR_MANAGE, fair)
    fair_lock(fair)
    booth = Booth(fair=fair, employer=employer, headline=headline, participation=participation)
    booth.full_clean()
    with unique_or(ValidationError(_("This employer already has a booth at this fair."))):
        booth.save()
    audit_record(actor=actor, action="rooms.booth.created", obj=booth)
    return booth


@transaction.atomic
def booth_invite_again(*, actor: User, booth: Booth) -> Booth:
    """Ask an employer who declined once more (organisers approved its vacancies again)."""
    require(actor, Perm.FAIR_MANAGE, booth.fair)
    booth = Booth.objects.select_for_update().get(pk=booth.pk)
    if booth.participation == Booth.Participation.DECLINED:
        _set_participation(booth, Booth.Participation.INVITED, answered_by=None)
        audit_record(actor=actor, action="rooms.booth.invited_again", obj=booth)
    return booth


@transaction.atomic
def booth_answer(*, actor: User, booth: Booth, confirm: bool) -> Booth:
    """The employer takes part in the fair with this booth, or declines."""
    require(actor, Perm.BOOTH_ANSWER, booth)
    booth = Booth.objects.select_for_update().select_related("fair", "employer").get(pk=booth.pk)
    if booth.participation != Booth.Participation.INVITED:
        raise DomainError(
            "booth.already_answered",
            _("This invitation has already been answered: %(answer)s.")
            % {"answer": booth.get_participation_display()},
        )
    answer = Booth.Participation.CONFIRMED if confirm else Booth.Participation.DECLINED
    _set_participation(booth, answer, answered_by=actor)
    audit_record(actor=actor, action=f"rooms.booth.{answer}", obj=booth)
    return booth


def _set_participation(booth: Booth, participation: str, *, answered_by: User | None) -> None:
    booth.participation = participation
    booth.participation_answered_by = answered_by
    booth.participation_answered_at = timezone.now() if answered_by else None
    booth.save(
        update_fields=[
            "participation",
            "participation_answered_by",
            "participation_answered_at",
            "updated_at",
        ]
    )


BOOTH_EDITABLE_FIELDS = {"headline", "opens_at", "closes_at", "call_grace_seconds"}


@transaction.atomic
def booth_update(
    *,
    actor: User,
    booth: Booth,
    vacancies: list[Vacancy] | None = None,
    staff: list[User] | None = None,
    **fields: Any,
) -> Booth:
    """Change what is given and leave the rest; the staff page sends all, the socket a part."""
    require(actor, Perm.BOOTH_EDIT, booth)
    unknown = set(fields) - BOOTH_EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"booth_update cannot change {sorted(unknown)}")
    booth = Booth.objects.select_for_update().select_related("fair").get(pk=booth.pk)
    for name, value in fields.items():
        setattr(booth, name, value)
    booth.full_clean()
    booth.save(update_fields=[*fields, "updated_at"])
    if vacancies is not None:
        booth.vacancies.set(vacancies)
    if staff is not None:
        booth.staff.set(staff)
    audit_record(actor=actor, action="rooms.booth.updated", obj=booth, fields=sorted(fields))
    return booth
