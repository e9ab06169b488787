"""Interview calls: start, join, leave, end, chat. Writes here; media never touches the server.

Signalling (offers, answers, candidates, media state) is relayed by signaling/handlers without
the database; these services own every state change and publish it after commit.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import Perm, require
from fairplatform.audit import audit_record
from fairplatform.errors import DomainError, NotFound
from fairplatform.models import WebProcessHeartbeat
from rooms.models import (
    Attendance,
    Booth,
    ChatMessage,
    InterviewSession,
    Participant,
    QueueEntry,
)
from rooms.queue_feed import announce_entry
from signaling import bus, groups
from signaling.protocol import (
    InterviewChatPosted,
    InterviewEnded,
    InterviewMoved,
    InterviewPresence,
)

State = InterviewSession.State


@dataclass(frozen=True)
class JoinedCall:
    session: InterviewSession
    participants: list[Participant]
    online_user_ids: set[int]
    attendance: Attendance
    chat: list[ChatMessage]


def _locked_session_for(actor: User, session_id: int) -> tuple[InterviewSession, Participant]:
    """The session, row-locked, and the actor's seat in it; one error for unknown and not-yours."""
    session = InterviewSession.objects.select_for_update().filter(pk=session_id).first()
    seat = (
        Participant.objects.filter(session_id=session_id, user=actor).first()
        if session is not None
        else None
    )
    if session is None or seat is None:
        raise NotFound("interview.not_found", _("This call does not exist or is not yours."))
    return session, seat


def _require_open(session: InterviewSession) -> None:
    if not session.is_open:
        raise DomainError("interview.closed", _("This call has ended."))


def _presence(seat: Participant, state: str, device: str) -> InterviewPresence:
    return InterviewPresence(
        session_id=seat.session_id,
        user_id=seat.user_id,
        name=seat.user.full_name,
        role=seat.role,
        state=state,
        device=device,
    )


@transaction.atomic
def interview_start(
    *,
    actor: User,
    candidate: User,
    kind: str = InterviewSession.Kind.CPI_MEETING,
    booth: Booth | None = None,
    guests: list[User] | None = None,
) -> InterviewSession:
    require(actor, Perm.INTERVIEW_START, booth)
    guests = guests or []
    people = [(actor, Participant.Role.HOST), (candidate, Participant.Role.CANDIDATE)]
    people += [(guest, Participant.Role.GUEST) for guest in guests]
    if len({user.pk for user, _role in people}) != len(people):
        raise DomainError("interview.invalid", _("Each person can take part only once."))
    if len(people) > InterviewSession.MAX_PARTICIPANTS:
        raise DomainError("interview.full", _("A call has at most four participants."))
    session = InterviewSession.objects.create(
        kind=kind, booth=booth, created_by=actor, state=State.WAITING
    )
    Participant.objects.bulk_create(
        [Participant(session=session, user=user, role=role) for user, role in people]
    )
    audit_record(actor=actor, action="rooms.interview.started", obj=session)
    return session


@transaction.atomic
def interview_join(
    *, actor: User, session_id: int, device: str, web_process: str = ""
) -> JoinedCall:
    session, seat = _locked_session_for(actor, session_id)
    _require_open(session)
    now = timezone.now()
    # A reconnect closes the stretch the dropped socket left open.
    Attendance.objects.filter(session=session, user=actor, left_at__isnull=True).update(left_at=now)
    attendance = Attendance.objects.create(
        session=session, user=actor, device=device, web_process=web_process
    )
    online = set(
        Attendance.objects.filter(session=session, left_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    if session.state == State.WAITING and len(online) >= 2:
        session.state = State.LIVE
        session.started_at = now
        session.save(update_fields=["state", "started_at", "updated_at"])
    bus.publish_on_commit(
        groups.interview(session.pk), "interview.presence", _presence(seat, "joined", device)
    )
    # The same person's other sockets in this call (another tab, the phone) step out of it.
    bus.publish_on_commit(
        groups.interview_user(session.pk, actor.pk),
        "interview.moved",
        InterviewMoved(session_id=session.pk),
        superseded_by_attendance=attendance.pk,
    )
    participants = list(session.participants.select_related("user").order_by("pk"))
    chat = list(session.chat_messages.select_related("author"))
    return JoinedCall(session, participants, online, attendance, chat)


@transaction.atomic
def interview_leave(
    *, actor: User, session_id: int, attendance_id: int, how: Literal["left", "dropped"]
) -> None:
    """`left`: the person hung up. `dropped`: their socket closed; they may come back."""
    closed = Attendance.objects.filter(
        pk=attendance_id, session_id=session_id, user=actor, left_at__isnull=True
    ).update(left_at=timezone.now())
    if not closed:
        return  # already closed by a reconnect or by the end of the call
    seat = Participant.objects.select_related("user").get(session_id=session_id, user=actor)
    attendance = Attendance.objects.get(pk=attendance_id)
    state = "left" if how == "left" else "reconnecting"
    bus.publish_on_commit(
        groups.interview(session_id),
        "interview.presence",
        _presence(seat, state, attendance.device),
    )
    if how == "dropped":
        from rooms.tasks import interview_presence_expire  # noqa: PLC0415  (tasks import services)

        transaction.on_commit(
            lambda: interview_presence_expire.apply_async(
                (session_id, actor.pk, attendance_id),
                countdown=settings.INTERVIEW_RECONNECT_GRACE_SECONDS,
            )
        )


def interview_attendance_sweep(*, now: datetime | None = None) -> int:
    """Drop the people whose web process stopped beating (signaling.liveness) as if their
    sockets had closed: the others see "reconnecting", then "left" after the grace period."""
    now = now or timezone.now()
    beat = timedelta(seconds=settings.WEB_HEARTBEAT_SECONDS)
    if not beat:
        return 0
    alive = WebProcessHeartbeat.objects.filter(seen_at__gte=now - 3 * beat).values("process")
    orphans = list(
        Attendance.objects.filter(left_at__isnull=True)
        .exclude(web_process="")
        .exclude(web_process__in=alive)
        .select_related("user")
    )
    for attendance in orphans:
        interview_leave(
            actor=attendance.user,
            session_id=attendance.session_id,
            attendance_id=attendance.pk,
            how="dropped",
        )
    WebProcessHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    return len(orphans)


def interview_presence_expire(*, session_id: int, user_id: int, attendance_id: int) -> bool:
    """After the grace period: if the dropped person has not come back, they have left."""
    came_back = Attendance.objects.filter(
        Q(left_at__isnull=True) | Q(pk__gt=attendance_id), session_id=session_id, user_id=user_id
    ).exists()
    if came_back:
        return False
    seat = Participant.objects.select_related("user").get(session_id=session_id, user_id=user_id)
    attendance = Attendance.objects.get(pk=attendance_id)
    bus.publish(
        groups.interview(session_id),
        "interview.presence",
        _presence(seat, "left", attendance.device),
    )
    return True


@transaction.atomic
def interview_end(*, actor: User, session_id: int) -> InterviewSession:
    session, _seat = _locked_session_for(actor, session_id)
    require(actor, Perm.INTERVIEW_HOST, session)
    _require_open(session)
    now = timezone.now()
    session.state = State.ENDED
    session.ended_at = now
    session.save(update_fields=["state", "ended_at", "updated_at"])
    session.attendances.filter(left_at__isnull=True).update(left_at=now)
    audit_record(actor=actor, action="rooms.interview.ended", obj=session)
    for entry in QueueEntry.objects.select_related("booth__employer").filter(
        interview=session, state=QueueEntry.State.IN_INTERVIEW
    ):
        entry.state = QueueEntry.State.DONE
        entry.save(update_fields=["state", "updated_at"])
        audit_record(actor=actor, action="rooms.queue.done", obj=entry)
        announce_entry(entry)
    bus.publish_on_commit(
        groups.interview(session.pk),
        "interview.ended",
        InterviewEnded(session_id=session.pk, state="ended"),
        close_interview=session.pk,
    )
    return session


@transaction.atomic
def interview_chat_post(*, actor: User, session_id: int, text: str) -> ChatMessage:
    session, _seat = _locked_session_for(actor, session_id)
    _require_open(session)
    message = ChatMessage.objects.create(session=session, author=actor, text=text.strip())
    bus.publish_on_commit(
        groups.interview(session.pk),
        "interview.chat",
        chat_event(message),
    )
    return message


def chat_event(message: ChatMessage) -> InterviewChatPosted:
    return InterviewChatPosted(
        session_id=message.session_id,
        message_id=message.pk,
        user_id=message.author_id,
        name=message.author.full_name,
        text=message.text,
        sent_at=message.sent_at.isoformat(),
    )


def attended_time(*, session: InterviewSession, user: User) -> timedelta:
    """How long this person was in the call, summed over every stretch (for fair reports)."""
    total = timedelta()
    now = timezone.now()
    for stretch in session.attendances.filter(user=user):
        total += (stretch.left_at or now) - stretch.joined_at
    return total
