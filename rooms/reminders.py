"""Messages about bookings: confirmations, changes, cancellations, reminders, "your room is open".

Exactly once: each message is a `Notification` row, unique per (booking, kind, channel, booking
version), written in the transaction that makes it necessary. Workers send them in batches: a
batch is claimed with one statement taking a PostgreSQL session-level advisory lock per row
(`pg_try_advisory_lock`, skipping rows another worker holds), read again under those locks (still
pending?) with one more, and each message is marked sent in its own statement, committed right
after the provider accepts it. A retried or duplicated task finds its rows sent or claimed and does
nothing. A worker killed mid-batch loses its connection and with it its locks; what it had not
marked sent stays pending and the dispatcher hands it out again once its lease has run out. Only the
message in flight at that instant can repeat, so the SMS gateway gets the row's id as an
idempotency key. Advisory locks outlive a commit, which row locks do not: that is what lets a batch
of N cost N + 3 statements instead of holding N messages hostage to one transaction. (They need a
database session of their own: not through a transaction-pooling PgBouncer.)
"""

import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.mime.text import MIMEText
from email.utils import make_msgid, parseaddr
from typing import Literal

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.phones import validate_e164
from candidates.models import CandidateProfile
from fairplatform.notifications import ics
from fairplatform.notifications.sms import (
    RetryableSendError,
    SendError,
    SmsMessage,
    get_sms_backend,
)
from rooms.models import Booking, Notification, Slot

logger = logging.getLogger(__name__)

Kind = Notification.Kind
Channel = Notification.Channel
State = Notification.State

REMINDER_KINDS = (Kind.REMINDER_DAY, Kind.REMINDER_SOON)
# The advisory-lock key space of notification claims: (this, row id folded into 31 bits). Two ids
# folding alike only make one of them wait for the next dispatch.
CLAIM_LOCK_SPACE = 0x6E6F
# MATERIALIZED: only rows still pending are tried, so no lock is taken on a row left unclaimed.
CLAIM_SQL = (
    "WITH pending AS MATERIALIZED ("
    " SELECT id FROM rooms_notification WHERE id = ANY(%s) AND state = %s)"
    " SELECT id FROM pending WHERE pg_try_advisory_lock(%s, (id %% 2147483647)::int)"
)
RELEASE_SQL = (
    "SELECT pg_advisory_unlock(%s, (id %% 2147483647)::int) FROM unnest(%s::bigint[]) AS id"
)
CALENDAR_METHODS: dict[str, Literal["REQUEST", "CANCEL"]] = {
    Kind.BOOKED: "REQUEST",
    Kind.CHANGED: "REQUEST",
    Kind.CANCELLED: "CANCEL",
}


def _channels(person: User) -> list[str]:
    """The channel a candidate chose (their CV page), or the other one when the chosen has no
    address; people without a candidate profile get every channel they have an address for."""
    reachable: list[str] = [
        channel
        for channel, address in ((Channel.SMS, person.phone), (Channel.EMAIL, person.email))
        if address
    ]
    chosen = (
        CandidateProfile.objects.filter(user=person)
        .values_list("preferred_channel", flat=True)
        .first()
    )
    return [chosen] if chosen in reachable else reachable


def schedule(booking: Booking, kind: str, *, now: datetime) -> None:
    """Write the messages this change calls for, in the caller's transaction; those due now go
    to a worker after commit. Pending messages about an earlier version are dropped."""
    Notification.objects.filter(
        booking=booking, state=State.PENDING, sequence__lt=booking.sequence
    ).update(state=State.OBSOLETE, updated_at=now)
    lease_end = now + timedelta(seconds=settings.AGENDA_NOTIFY_LEASE_SECONDS)
    due = [(kind, now)]
    if kind in (Kind.BOOKED, Kind.CHANGED):
        for reminder, minutes in settings.AGENDA_REMINDERS.items():
            at = booking.slot.starts_at - timedelta(minutes=minutes)
            if minutes and at > now:
                due.append((reminder, at))
    rows = Notification.objects.bulk_create(
        [
            Notification(
                booking=booking,
                kind=what,
                channel=channel,
                sequence=booking.sequence,
                due_at=at,
                next_attempt_at=lease_end if at <= now else at,
            )
            for what, at in due
            for channel in _channels(booking.candidate)
        ]
    )
    immediate = [row.pk for row in rows if row.due_at <= now]
    if immediate:
        from rooms.tasks import notifications_send  # noqa: PLC0415  (tasks import services)

        transaction.on_commit(lambda: notifications_send.delay(immediate), robust=True)


def dispatch(*, now: datetime | None = None) -> list[int]:
    """Hand every due message that no worker holds to the workers, in batches; return their ids."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(state=State.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[: settings.AGENDA_DISPATCH_BATCH]
        )
        Notification.objects.filter(pk__in=due).update(
            next_attempt_at=now + timedelta(seconds=settings.AGENDA_NOTIFY_LEASE_SECONDS)
        )
    from rooms.tasks import notifications_send  # noqa: PLC0415  (tasks import services)

    size = settings.AGENDA_SEND_BATCH
    for start in range(0, len(due), size):
        notifications_send.delay(due[start : start + size])
    return due


@dataclass
class Outcome:
    states: dict[int, str]  # per id: sent, failed, obsolete, or skipped (sent or claimed already)
    retry: list[int] = field(default_factory=list)  # failed for now: the task tries them again


def send_many(*, notification_ids: list[int], final_attempt: bool = False) -> Outcome:
    """Send each message that is still pending and not claimed by another worker. A retryable
    failure is recorded and listed in `retry`, unless this was the last try."""
    outcome = Outcome(states=dict.fromkeys(notification_ids, "skipped"))
    with _claimed(notification_ids) as claimed:
        if not claimed:
            return outcome
        notes = Notification.objects.select_related(
            "booking__candidate",
            "booking__interview",
            "booking__slot__fair",
            "booking__slot__booth__employer",
            "booking__slot__office",
            "booking__slot__host",
        ).filter(pk__in=claimed, state=State.PENDING)
        for note in notes:
            outcome.states[note.pk] = _send_one(note, final_attempt, outcome.retry)
    return outcome


@contextmanager
def _claimed(notification_ids: list[int]) -> Iterator[list[int]]:
    """Lock the pending rows among these that no other worker holds, until the block ends (or the
    connection dies). SQLite (`make run`'s embedded demo) has no advisory locks: there the
    pending rows are taken as they are, and only the dispatcher's lease keeps two workers apart."""
    if connection.vendor != "postgresql":
        yield list(
            Notification.objects.filter(pk__in=notification_ids, state=State.PENDING).values_list(
                "pk", flat=True
            )
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, [notification_ids, State.PENDING, CLAIM_LOCK_SPACE])
        claimed = [row[0] for row in cursor.fetchall()]
    try:
        yield claimed
    finally:
        if claimed:
            with connection.cursor() as cursor:
                cursor.execute(RELEASE_SQL, [CLAIM_LOCK_SPACE, claimed])


def _send_one(note: Notification, final_attempt: bool, retry: list[int]) -> str:
    """Send one claimed message and record the result at once, in a statement of its own."""
    now = timezone.now()
    if _outdated(note, now):
        note.state = State.OBSOLETE
        note.save(update_fields=["state", "updated_at"])
        return str(note.state)
    note.attempts += 1
    try:
        note.provider_id = _deliver(note, now)
        note.state = State.SENT
        note.sent_at = now
        note.last_error = ""
    except RetryableSendError as exc:
        note.last_error = str(exc)[:500]
        if final_attempt:
            note.state = State.FAILED
        else:
            retry.append(note.pk)
            note.next_attempt_at = now + timedelta(
                seconds=settings.AGENDA_NOTIFY_BACKOFF_MAX_SECONDS
                + settings.AGENDA_NOTIFY_LEASE_SECONDS
            )
    except SendError as exc:
        note.last_error = str(exc)[:500]
        note.state = State.FAILED
    except Exception as exc:
        # A message that cannot even be built fails alone: the rest of its batch goes out, and
        # it is not retried for ever.
        logger.exception("Notification %s could not be sent", note.pk)
        note.last_error = f"{type(exc).__name__}: {exc}"[:500]
        note.state = State.FAILED
    note.save(
        update_fields=[
            "state",
            "attempts",
            "provider_id",
            "sent_at",
            "last_error",
            "next_attempt_at",
            "updated_at",
        ]
    )
    if note.state == State.FAILED:
        logger.warning("notification %s failed: %s", note.pk, note.last_error)
    return str(note.state)


def _outdated(note: Notification, now: datetime) -> bool:
    booking = note.booking
    if note.kind in (*REMINDER_KINDS, Kind.ROOM_OPEN):
        current = booking.state == Booking.State.BOOKED and booking.sequence == note.sequence
        moment = booking.slot.ends_at if note.kind == Kind.ROOM_OPEN else booking.slot.starts_at
        return not current or moment <= now
    return False


# --- composing -------------------------------------------------------------------------------


def _where(slot: Slot) -> str:
    if slot.mode == Slot.Mode.IN_PERSON:
        return _("At: %(place)s.") % {"place": slot.place}
    return _("By video call: the link arrives when the room opens.")


def room_link(booking: Booking) -> str:
    assert booking.interview_id is not None  # noqa: S101  (only once the room is open)
    path = reverse("frontend:interview", kwargs={"session_id": booking.interview_id})
    return settings.SITE_URL.rstrip("/") + path


def subject(note: Notification) -> str:
    slot = note.booking.slot
    subjects = {
        Kind.BOOKED: _("Interview booked: %(who)s"),
        Kind.CHANGED: _("Interview moved: %(who)s"),
        Kind.CANCELLED: _("Interview cancelled: %(who)s"),
        Kind.REMINDER_DAY: _("Reminder: interview with %(who)s"),
        Kind.REMINDER_SOON: _("Your interview with %(who)s starts soon"),
        Kind.ROOM_OPEN: _("Your interview with %(who)s is open"),
    }
    # One line: a name typed with a line break would make the email's header refuse it.
    return " ".join((subjects[Kind(note.kind)] % {"who": slot.counterpart_name}).split())


def text(note: Notification) -> str:
    """Short enough for one or two SMS; the email body says the same."""
    booking = note.booking
    slot = booking.slot
    values = {
        "who": slot.counterpart_name,
        "when": slot.fair.moment_label(slot.starts_at),
        "where": _where(slot),
    }
    if note.kind == Kind.ROOM_OPEN:
        return _("Your interview with %(who)s is open. Join now: %(link)s") % {
            **values,
            "link": room_link(booking),
        }
    texts = {
        Kind.BOOKED: _("Interview with %(who)s booked for %(when)s. %(where)s"),
        Kind.CHANGED: _("Your interview with %(who)s has moved to %(when)s. %(where)s"),
        Kind.CANCELLED: _("Your interview with %(who)s on %(when)s has been cancelled."),
        Kind.REMINDER_DAY: _("Reminder: interview with %(who)s on %(when)s. %(where)s"),
        Kind.REMINDER_SOON: _("Your interview with %(who)s starts at %(when)s. %(where)s"),
    }
    return texts[Kind(note.kind)] % values


def calendar_event(booking: Booking) -> ics.CalendarEvent:
    slot = booking.slot
    organizer_name, organizer_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    candidate = booking.candidate
    return ics.CalendarEvent(
        uid=f"booking-{booking.pk}@{organizer_email.rpartition('@')[2] or 'fairplatform'}",
        sequence=booking.sequence,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        summary=_("Interview with %(who)s") % {"who": slot.counterpart_name},
        description=slot.fair.title,
        location=slot.place if slot.mode == Slot.Mode.IN_PERSON else _("Video call"),
        organizer_email=organizer_email,
        organizer_name=organizer_name or "fairplatform",
        attendee_email=candidate.email or "",
        attendee_name=candidate.full_name,
    )


def _deliver(note: Notification, now: datetime) -> str:
    person = note.booking.candidate
    with translation.override(person.preferred_language or settings.LANGUAGE_CODE):
        body = text(note)
        if note.channel == Channel.SMS:
            return _send_sms(person, body, reference=f"notification-{note.pk}")
        return _send_email(note, person, body, now)


def _send_sms(person: User, body: str, *, reference: str) -> str:
    try:
        validate_e164(person.phone or "")
    except Exception as exc:
        raise SendError(f"not a valid mobile number: {person.phone!r}") from exc
    assert person.phone is not None  # noqa: S101  (validated above)
    return get_sms_backend().send(SmsMessage(to=person.phone, text=body, reference=reference))


def _send_email(note: Notification, person: User, body: str, now: datetime) -> str:
    if not person.email:
        raise SendError("no email address")
    message_id = make_msgid(domain="fairplatform")
    email = EmailMessage(
        subject=subject(note), body=body, to=[person.email], headers={"Message-ID": message_id}
    )
    method = CALENDAR_METHODS.get(note.kind)
    if method is not None:
        # Calendar clients act on the part's own `method` parameter, which attach() cannot set.
        part = MIMEText(
            ics.calendar(calendar_event(note.booking), method=method, stamp=now),
            "calendar",
            "utf-8",
        )
        part.set_param("method", method)
        part.add_header("Content-Disposition", "attachment", filename="invite.ics")
        email.attach(part)
    try:
        email.send()
    except (smtplib.SMTPException, OSError) as exc:
        raise RetryableSendError(f"email: {exc}") from exc
    return message_id
