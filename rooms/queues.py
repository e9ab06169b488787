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
from candidates.models import CVShare
from candidates.services import cv_share_for_meeting
from fairplatform.audit import audit_record
from fairplatform.errors import DomainError, NotFound
from rooms.interviews import interview_start
from rooms.models import Booth, Fair, InterviewSession, QueueEntry
from rooms.queue_feed import announce, announce_entry, booth_is_open, entry_changed
from signaling import bus, groups

State = QueueEntry.State


@transaction.atomic
def queue_join(
    *,
    actor: User,
    booth_id: int,
    vacancy_id: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> QueueEntry:
    now = now or timezone.now()
    booth = Booth.objects.select_related("fair", "employer").filter(pk=booth_id).first()
    if booth is None or booth.fair.status == Fair.Status.DRAFT or not booth.is_confirmed:
        raise NotFound("booth.not_found", _("This booth does not exist."))
    if not booth_is_open(booth, now):
        raise DomainError("queue.closed", _("This booth is not receiving candidates now."))
    vacancy = None
    if vacancy_id is not None:
        vacancy = booth.vacancies.filter(pk=vacancy_id).first()
        if vacancy is None:
            raise DomainError("queue.invalid_vacancy", _("This position is not offered here."))
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
        booth=booth,
        candidate=actor,
        vacancy=vacancy,
        note=note.strip(),
        sort_key=(last or 0.0) + 1.0,
    )
    audit_record(actor=actor, action="rooms.queue.joined", obj=entry)
    cv_share_for_meeting(candidate=actor, employer=booth.employer, context=CVShare.Context.QUEUE)
    announce_entry(entry)
    return entry


def _locked_entry(entry_id: int) -> QueueEntry:
    entry = (
        QueueEntry.objects.select_for_update(of=("self",))
        .select_related("booth__fair", "booth__employer")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise NotFound("queue.not_found", _("This person is not in the line."))
    return entry


def _set_state(entry: QueueEntry, state: str, *, actor: User | None, action: str) -> QueueEntry:
    entry.state = state
    entry.save(update_fields=["state", "updated_at"])
    audit_record(actor=actor, action=action, obj=entry)
    announce_entry(entry)
    return entry


@transaction.atomic
def queue_leave(*, actor: User, entry_id: int) -> QueueEntry:
    entry = _locked_entry(entry_id)
    if entry.candidate_id != actor.pk or entry.state not in (State.WAITING, State.CALLED):
        raise NotFound("queue.not_found", _("You are not in this line."))
    return _set_state(entry, State.LEFT, actor=actor, action="rooms.queue.left")


def _call(entry: QueueEntry, *, actor: User, booth: Booth, now: datetime) -> QueueEntry:
    entry.state = State.CALLED
    entry.called_by = actor
    entry.called_at = now
    entry.answer_by = now + timedelta(seconds=booth.call_grace_seconds)
    entry.save(update_fields=["state", "called_by", "called_at", "answer_by", "updated_at"])
    audit_record(actor=actor, action="rooms.queue.called", obj=entry)
    announce_entry(entry)
    return entry


def _is_busy(candidate_id: int) -> bool:
    """Called or interviewing anywhere; the caller holds the candidate's row lock."""
    return QueueEntry.objects.filter(
        candidate_id=candidate_id, state__in=QueueEntry.BUSY_STATES
    ).exists()


def _callable_booth(actor: User, booth_id: int) -> Booth:
    booth = Booth.objects.select_related("fair", "employer").filter(pk=booth_id).first()
    if booth is None:
        raise NotFound("booth.not_found", _("This booth does not exist."))
    require(actor, Perm.BOOTH_EDIT, booth)
    if booth.queue_paused:
        raise DomainError("queue.paused", _("The line is paused. Resume it to call candidates."))
    return booth


@transaction.atomic
def queue_call_next(
    *, actor: User, booth_id: int, vacancy_id: int | None = None, now: datetime | None = None
) -> QueueEntry:
    now = now or timezone.now()
    booth = _callable_booth(actor, booth_id)
    waiting = QueueEntry.objects.filter(booth=booth, state=State.WAITING)
    if vacancy_id is not None:
        waiting = waiting.filter(vacancy_id=vacancy_id)
    head = waiting.order_by("sort_key", "pk").values_list("pk", flat=True)[
        : settings.QUEUE_CALL_SCAN
    ]
    for entry_id in list(head):
        # One row at a time: locking the whole head would hand it all to one recruiter.
        entry = (
            QueueEntry.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("booth__employer")
            .filter(pk=entry_id, state=State.WAITING)
            .first()
        )
        if entry is None:
            continue  # a colleague is calling this one
        # Another booth may be calling this person right now: skip them rather than wait.
        if not User.objects.select_for_update(skip_locked=True).filter(pk=entry.candidate_id):
            continue
        if _is_busy(entry.candidate_id):
            continue
        return _call(entry, actor=actor, booth=booth, now=now)
    raise DomainError("queue.empty", _("Nobody is waiting who can be called now."))


@transaction.atomic
def queue_call(*, actor: User, entry_id: int, now: datetime | None = None) -> QueueEntry:
    """Call one waiting candidate out of turn (the recruiter picked them from the line)."""
    now = now or timezone.now()
    entry = _locked_entry(entry_id)
    booth = _callable_booth(actor, entry.booth_id)
    if entry.state != State.WAITING:
        raise DomainError("queue.not_waiting", _("This candidate is not waiting any more."))
    User.objects.select_for_update().get(pk=entry.candidate_id)
    if _is_busy(entry.candidate_id):
        raise DomainError(
            "queue.candidate_busy",
            _("This candidate is being called or interviewed at another booth. Try again later."),
        )
    return _call(entry, actor=actor, booth=booth, now=now)


@transaction.atomic
def queue_answer(*, actor: User, entry_id: int, now: datetime | None = None) -> InterviewSession:
    """The candidate accepts the call: the interview opens for both sides."""
    now = now or timezone.now()
    entry = _locked_entry(entry_id)
    if entry.candidate_id != actor.pk:
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
    entry.interview = session
    entry.save(update_fields=["interview", "updated_at"])
    _set_state(entry, State.IN_INTERVIEW, actor=actor, action="rooms.queue.answered")
    return session


def _staff_entry(actor: User, entry_id: int, *allowed: str) -> QueueEntry:
    entry = _locked_entry(entry_id)
    require(actor, Perm.BOOTH_EDIT, entry.booth)
    if entry.state not in allowed:
        raise DomainError("queue.not_waiting", _("This candidate is not waiting any more."))
    return entry


@transaction.atomic
def queue_skip(*, actor: User, entry_id: int) -> QueueEntry:
    """Pass over a waiting candidate: they move a few places back and keep waiting."""
    entry = _staff_entry(actor, entry_id, State.WAITING)
    Booth.objects.select_for_update().get(pk=entry.booth_id)
    entry.sort_key = _key_after(entry, settings.QUEUE_STEP_BACK_PLACES)
    entry.save(update_fields=["sort_key", "updated_at"])
    audit_record(actor=actor, action="rooms.queue.skipped", obj=entry)
    announce(entry.booth_id)
    return entry


@transaction.atomic
def queue_remove(*, actor: User, entry_id: int) -> QueueEntry:
    entry = _staff_entry(actor, entry_id, State.WAITING, State.CALLED)
    return _set_state(entry, State.REMOVED, actor=actor, action="rooms.queue.removed")


@transaction.atomic
def queue_pause(*, actor: User, booth_id: int, paused: bool) -> Booth:
    booth = (
        Booth.objects.select_for_update(of=("self",))
        .select_related("fair", "employer")
        .get(pk=booth_id)
    )
    require(actor, Perm.BOOTH_EDIT, booth)
    if booth.queue_paused != paused:
        booth.queue_paused = paused
        booth.save(update_fields=["queue_paused", "updated_at"])
        audit_record(
            actor=actor, action="rooms.queue.paused" if paused else "rooms.queue.resumed", obj=booth
        )
        announce(booth.pk)
    return booth


def queue_expire_calls(*, now: datetime | None = None) -> int:
    """Unanswered calls: first time, back a few places; then out of the line."""
    now = now or timezone.now()
    expired = 0
    due = QueueEntry.objects.filter(state=State.CALLED, answer_by__lt=now).values_list(
        "pk", flat=True
    )
    for entry_id in list(due):
        with transaction.atomic():
            entry = (
                QueueEntry.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("booth__employer")
                .filter(pk=entry_id, state=State.CALLED, answer_by__lt=now)
                .first()
            )
            if entry is None:
                continue
            Booth.objects.select_for_update().get(pk=entry.booth_id)
            entry.no_shows += 1
            if entry.no_shows >= settings.QUEUE_NO_SHOWS_BEFORE_REMOVAL:
                entry.state = State.NO_SHOW
            else:
                entry.state = State.WAITING
                entry.sort_key = _key_after(entry, settings.QUEUE_STEP_BACK_PLACES)
            entry.save(update_fields=["state", "no_shows", "sort_key", "updated_at"])
            audit_record(actor=None, action="rooms.queue.no_show", obj=entry, count=entry.no_shows)
            announce_entry(entry)
            expired += 1
    return expired


def queues_close(*, fair: Fair) -> int:
    """The fair is over: whoever still waits or is called is out of the line (run in the
    transaction that closes the fair, which announces its booths). Interviews in progress
    finish normally."""
    entries = list(
        QueueEntry.objects.select_for_update(of=("self",))
        .select_related("booth__employer")
        .filter(booth__fair=fair, state__in=[State.WAITING, State.CALLED])
    )
    for entry in entries:
        entry.state = State.REMOVED
        audit_record(actor=None, action="rooms.queue.closed", obj=entry)
        bus.publish_on_commit(groups.user(entry.candidate_id), "queue.entry", entry_changed(entry))
    QueueEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update(
        state=State.REMOVED, updated_at=timezone.now()
    )
    return len(entries)


def _key_after(entry: QueueEntry, places: int) -> float:
    """A sort key `places` waiting entries behind this one's place (or last, if fewer wait)."""
    keys = list(
        QueueEntry.objects.filter(
            booth_id=entry.booth_id, state=State.WAITING, sort_key__gt=entry.sort_key
        )
        .exclude(pk=entry.pk)
        .order_by("sort_key", "pk")
        .values_list("sort_key", flat=True)[: places + 1]
    )
    if len(keys) <= places:
        return keys[-1] + 1.0 if keys else entry.sort_key
    return (keys[places - 1] + keys[places]) / 2
