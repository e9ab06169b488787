"""Booth queues: join, leave, call next, answer, no-shows. PostgreSQL is the source of truth.

Fairness under concurrency comes from row locks: `queue_call_next` takes the first waiting entry
with `SELECT … FOR UPDATE SKIP LOCKED`, so recruiters pressing the button at the same instant, in
any process, get different candidates; and it locks the candidate's row, so two booths never call
the same person at once. A candidate who is called or interviewing elsewhere keeps their place
(their entry stays waiting) but is passed over until they are free.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import Perm, require
from fairplatform.audit import audit_record
from fairplatform.errors import DomainError, NotFound
from rooms.interviews import interview_start
from rooms.models import Booth, Fair, InterviewSession, QueueEntry

State = QueueEntry.State
# How many places a first no-show moves a candidate back.
NO_SHOW_STEP_BACK = 3


def _booth_is_open(booth: Booth, now: datetime) -> bool:
    fair = booth.fair
    opens = booth.opens_at or fair.starts_at
    closes = booth.closes_at or fair.ends_at
    return fair.status == Fair.Status.LIVE and opens <= now < closes


@transaction.atomic
def queue_join(
    *, actor: User, booth_id: int, note: str = "", now: datetime | None = None
) -> QueueEntry:
    now = now or timezone.now()
    booth = Booth.objects.select_related("fair").filter(pk=booth_id).first()
    if booth is None or booth.fair.status == Fair.Status.DRAFT:
        raise NotFound("booth.not_found", _("This booth does not exist."))
    if not _booth_is_open(booth, now):
        raise DomainError("queue.closed", _("This booth is not receiving candidates now."))
    # The candidate's row serialises their own joins: the per-fair limit cannot be raced.
    User.objects.select_for_update().get(pk=actor.pk)
    mine = QueueEntry.objects.filter(candidate=actor, state__in=QueueEntry.ACTIVE_STATES)
    if mine.filter(booth=booth).exists():
        raise DomainError("queue.already_joined", _("You are already in this line."))
    if mine.filter(booth__fair=booth.fair).count() >= settings.QUEUE_MAX_PER_FAIR:
        raise DomainError(
            "queue.limit",
            _("You can wait in at most %(n)d lines at this fair. Leave one first.")
            % {"n": settings.QUEUE_MAX_PER_FAIR},
        )
    # The booth's row serialises joins at this booth, so sort keys are never equal.
    Booth.objects.select_for_update().get(pk=booth.pk)
    last = QueueEntry.objects.filter(booth=booth).aggregate(last=Max("sort_key"))["last"]
    entry = QueueEntry.objects.create(
        booth=booth, candidate=actor, note=note.strip(), sort_key=(last or 0.0) + 1.0
    )
    audit_record(actor=actor, action="rooms.queue.joined", obj=entry)
    return entry


@transaction.atomic
def queue_leave(*, actor: User, entry_id: int) -> QueueEntry:
    entry = (
        QueueEntry.objects.select_for_update()
        .filter(pk=entry_id, candidate=actor, state__in=[State.WAITING, State.CALLED])
        .first()
    )
    if entry is None:
        raise NotFound("queue.not_found", _("You are not in this line."))
    entry.state = State.LEFT
    entry.save(update_fields=["state", "updated_at"])
    audit_record(actor=actor, action="rooms.queue.left", obj=entry)
    return entry


@transaction.atomic
def queue_call_next(*, actor: User, booth_id: int, now: datetime | None = None) -> QueueEntry:
    now = now or timezone.now()
    booth = Booth.objects.select_related("fair", "employer").filter(pk=booth_id).first()
    if booth is None:
        raise NotFound("booth.not_found", _("This booth does not exist."))
    require(actor, Perm.BOOTH_EDIT, booth)
    if booth.queue_paused:
        raise DomainError("queue.paused", _("The line is paused. Resume it to call candidates."))
    head = (
        QueueEntry.objects.filter(booth=booth, state=State.WAITING)
        .order_by("sort_key", "pk")
        .values_list("pk", flat=True)[: settings.QUEUE_CALL_SCAN]
    )
    for entry_id in list(head):
        # One row at a time: locking the whole head would hand it all to one recruiter.
        entry = (
            QueueEntry.objects.select_for_update(skip_locked=True)
            .filter(pk=entry_id, state=State.WAITING)
            .first()
        )
        if entry is None:
            continue  # a colleague is calling this one
        # Another booth may be calling this person right now: skip them rather than wait.
        if not User.objects.select_for_update(skip_locked=True).filter(pk=entry.candidate_id):
            continue
        busy = QueueEntry.objects.filter(
            candidate_id=entry.candidate_id, state__in=QueueEntry.BUSY_STATES
        )
        if busy.exists():
            continue
        entry.state = State.CALLED
        entry.called_by = actor
        entry.called_at = now
        entry.answer_by = now + timedelta(seconds=booth.call_grace_seconds)
        entry.save(update_fields=["state", "called_by", "called_at", "answer_by", "updated_at"])
        audit_record(actor=actor, action="rooms.queue.called", obj=entry)
        return entry
    raise DomainError("queue.empty", _("Nobody is waiting who can be called now."))


@transaction.atomic
def queue_answer(*, actor: User, entry_id: int, now: datetime | None = None) -> InterviewSession:
    """The candidate accepts the call: the interview opens for both sides."""
    now = now or timezone.now()
    entry = (
        QueueEntry.objects.select_for_update(of=("self",))
        .select_related("booth", "called_by")
        .filter(pk=entry_id, candidate=actor)
        .first()
    )
    if entry is None:
        raise NotFound("queue.not_found", _("You are not in this line."))
    if entry.state != State.CALLED or entry.answer_by is None or entry.answer_by < now:
        raise DomainError("queue.call_expired", _("This call is no longer open."))
    assert entry.called_by is not None  # noqa: S101  (set together with CALLED)
    session = interview_start(
        actor=entry.called_by,
        candidate=actor,
        booth=entry.booth,
        kind=InterviewSession.Kind.BOOTH,
    )
    entry.state = State.IN_INTERVIEW
    entry.interview = session
    entry.save(update_fields=["state", "interview", "updated_at"])
    audit_record(actor=actor, action="rooms.queue.answered", obj=entry)
    return session


@transaction.atomic
def queue_finish(*, actor: User, entry_id: int) -> QueueEntry:
    entry = QueueEntry.objects.select_for_update().select_related("booth").get(pk=entry_id)
    require(actor, Perm.BOOTH_EDIT, entry.booth)
    if entry.state != State.IN_INTERVIEW:
        raise DomainError("queue.not_in_interview", _("This candidate is not in an interview."))
    entry.state = State.DONE
    entry.save(update_fields=["state", "updated_at"])
    audit_record(actor=actor, action="rooms.queue.done", obj=entry)
    return entry


def queue_expire_calls(*, now: datetime | None = None) -> int:
    """Unanswered calls: first time, back a few places; second time, out of the line."""
    now = now or timezone.now()
    expired = 0
    due = QueueEntry.objects.filter(state=State.CALLED, answer_by__lt=now).values_list(
        "pk", flat=True
    )
    for entry_id in list(due):
        with transaction.atomic():
            entry = (
                QueueEntry.objects.select_for_update(skip_locked=True)
                .filter(pk=entry_id, state=State.CALLED, answer_by__lt=now)
                .first()
            )
            if entry is None:
                continue
            Booth.objects.select_for_update().get(pk=entry.booth_id)
            entry.no_shows += 1
            if entry.no_shows >= 2:
                entry.state = State.REMOVED
            else:
                entry.state = State.WAITING
                entry.sort_key = _key_after(entry, NO_SHOW_STEP_BACK)
            entry.save(update_fields=["state", "no_shows", "sort_key", "updated_at"])
            audit_record(actor=None, action="rooms.queue.no_show", obj=entry, count=entry.no_shows)
            expired += 1
    return expired


def _key_after(entry: QueueEntry, places: int) -> float:
    """A sort key `places` waiting entries behind the head of the line (or last, if shorter)."""
    keys = list(
        QueueEntry.objects.filter(booth_id=entry.booth_id, state=State.WAITING)
        .exclude(pk=entry.pk)
        .order_by("sort_key", "pk")
        .values_list("sort_key", flat=True)[: places + 1]
    )
    if len(keys) <= places:
        return (keys[-1] if keys else 0.0) + 1.0
    return (keys[places - 1] + keys[places]) / 2


def queue_order(*, booth_id: int) -> list[int]:
    """The waiting entries' ids, head first: one query, whatever the length of the line."""
    return list(
        QueueEntry.objects.filter(booth_id=booth_id, state=State.WAITING)
        .order_by("sort_key", "pk")
        .values_list("pk", flat=True)
    )
