from datetime import timedelta

import psycopg
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Membership, Organisation
from accounts.permissions import forget_memberships
from candidates.models import CandidateProfile, CVShare
from fairplatform.errors import DomainError, Forbidden, NotFound
from fairplatform.models import AuditEntry
from fairplatform.notifications.sms import LocmemBackend
from rooms import agenda, reminders
from rooms.models import (
    Attendance,
    Booking,
    Fair,
    InterviewSession,
    Notification,
    Slot,
    WaitlistEntry,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def booth():
    return factories.booth(fair_=factories.fair())


@pytest.fixture
def recruiter(booth):
    return factories.member(booth.employer.organisation, Membership.Role.RECRUITER)


def publish(recruiter, booth, *, count=3, **options):
    start = booth.fair.starts_at + timedelta(hours=1)
    return agenda.slots_publish(
        actor=recruiter,
        fair_id=booth.fair_id,
        booth_id=booth.pk,
        starts_at=start,
        ends_at=start + timedelta(minutes=25 * count),
        length_minutes=20,
        buffer_minutes=5,
        **options,
    )


def send(notification_id):
    """What a worker does with one message; its state afterwards."""
    return reminders.send_many(notification_ids=[notification_id]).states[notification_id]


def calendar_of(email):
    [part] = [p for p in email.message().walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") in ("REQUEST", "CANCEL")
    return part.get_payload(decode=True).decode()


def refused(code, call, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.code
    return caught.value


def test_a_series_is_cut_into_slots_with_buffers(recruiter, booth):
    slots = publish(recruiter, booth, count=4)
    assert len(slots) == 4
    assert [s.ends_at - s.starts_at for s in slots] == [timedelta(minutes=20)] * 4
    assert slots[1].starts_at - slots[0].ends_at == timedelta(minutes=5)
    assert AuditEntry.objects.filter(action="rooms.slots.published").exists()


def test_publishing_costs_the_same_queries_for_a_few_slots_or_a_whole_day(recruiter, booth):
    def queries_to_publish(count: int, hour: int) -> int:
        forget_memberships(recruiter)
        start = booth.fair.starts_at + timedelta(hours=hour)
        with CaptureQueriesContext(connection) as queries:
            slots = agenda.slots_publish(
                actor=recruiter,
                fair_id=booth.fair_id,
                booth_id=booth.pk,
                starts_at=start,
                ends_at=start + timedelta(minutes=10 * count),
                length_minutes=10,
            )
        assert len(slots) == count
        return len(queries)

    assert queries_to_publish(2, hour=0) == queries_to_publish(30, hour=1)


def test_publishing_is_refused_clearly(recruiter, booth, candidate):
    fair = booth.fair
    start = fair.starts_at + timedelta(hours=1)
    series = {"fair_id": fair.pk, "starts_at": start, "ends_at": start + timedelta(hours=1)}
    with pytest.raises(Forbidden):
        agenda.slots_publish(actor=candidate, booth_id=booth.pk, length_minutes=20, **series)
    refused("agenda.invalid", agenda.slots_publish, actor=recruiter, length_minutes=20, **series)
    refused(
        "agenda.invalid",
        agenda.slots_publish,
        actor=recruiter,
        booth_id=booth.pk,
        length_minutes=2,
        **series,
    )
    refused(
        "agenda.outside_fair",
        agenda.slots_publish,
        actor=recruiter,
        booth_id=booth.pk,
        length_minutes=20,
        fair_id=fair.pk,
        starts_at=start,
        ends_at=fair.ends_at + timedelta(hours=1),
    )
    refused(
        "agenda.past",
        agenda.slots_publish,
        actor=recruiter,
        booth_id=booth.pk,
        length_minutes=20,
        now=start + timedelta(minutes=1),
        **series,
    )
    publish(recruiter, booth)
    refused(
        "agenda.overlap",
        agenda.slots_publish,
        actor=recruiter,
        booth_id=booth.pk,
        length_minutes=20,
        **series,
    )


def test_cpi_operators_publish_in_person_slots_for_their_office(booth):
    office = booth.fair.organiser
    operator = factories.member(office, Membership.Role.CPI_OPERATOR)
    start = booth.fair.starts_at + timedelta(hours=1)
    [slot] = agenda.slots_publish(
        actor=operator,
        fair_id=booth.fair_id,
        office_id=office.pk,
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        length_minutes=30,
        mode=Slot.Mode.IN_PERSON,
        place="CPI Napoli, via Roma 1",
    )
    assert slot.office == office
    other = factories.organisation(Organisation.Kind.CPI)
    with pytest.raises(Forbidden):
        agenda.slots_publish(
            actor=operator,
            fair_id=booth.fair_id,
            office_id=other.pk,
            starts_at=start + timedelta(hours=1),
            ends_at=start + timedelta(hours=2),
            length_minutes=30,
        )


def test_booking_confirms_by_sms_and_email_with_a_calendar_invitation(
    recruiter, booth, candidate, django_capture_on_commit_callbacks
):
    candidate.email = "carla@example.org"
    candidate.save()
    slot = publish(recruiter, booth)[0]
    booking = agenda.booking_create(actor=candidate, slot_id=slot.pk)
    slot.refresh_from_db()
    assert slot.state == Slot.State.BOOKED
    rows = Notification.objects.filter(booking=booking)
    # The confirmation now, and two reminders, on both channels.
    assert sorted(rows.values_list("kind", "channel")) == sorted(
        (kind, channel)
        for kind in ("booked", "reminder_day", "reminder_soon")
        for channel in ("sms", "email")
    )
    for row in rows.filter(kind="booked"):
        assert send(row.pk) == "sent"
    [sms] = LocmemBackend.outbox
    assert sms.to == "+393331234567"
    assert booth.employer.legal_name in sms.text
    assert "(Europe/Rome)" in sms.text
    [email] = mail.outbox
    calendar = calendar_of(email)
    assert "METHOD:REQUEST" in calendar
    assert f"UID:booking-{booking.pk}@" in calendar
    assert "SEQUENCE:0" in calendar
    # Sent means sent: a retry or a duplicated task sends nothing more.
    for row in rows.filter(kind="booked"):
        assert send(row.pk) == "skipped"
    assert len(LocmemBackend.outbox) == 1
    assert len(mail.outbox) == 1


def test_a_message_that_cannot_be_built_fails_alone_and_names_keep_to_one_line(
    recruiter, booth, monkeypatch
):
    booth.employer.legal_name = "Vesuvio\nCloud S.r.l."  # typed with a line break
    booth.employer.save()
    people = [factories.user(email=f"p{n}@example.org", phone=f"+39333100000{n}") for n in (1, 2)]
    for person, slot in zip(people, publish(recruiter, booth, count=2), strict=True):
        agenda.booking_create(actor=person, slot_id=slot.pk)
    broken, fine = Notification.objects.filter(kind="booked", channel="email").order_by("pk")
    original = reminders._deliver

    def deliver(note, now):
        if note.pk == broken.pk:
            raise RuntimeError("a case nobody foresaw")
        return original(note, now)

    monkeypatch.setattr(reminders, "_deliver", deliver)

    states = reminders.send_many(notification_ids=[broken.pk, fine.pk]).states

    assert states == {broken.pk: "failed", fine.pk: "sent"}
    broken.refresh_from_db()
    assert broken.last_error == "RuntimeError: a case nobody foresaw"
    [email] = mail.outbox
    assert email.subject.endswith(": Vesuvio Cloud S.r.l.")  # in the recipient's language


def test_a_message_another_worker_holds_is_skipped_and_a_batch_costs_a_query_a_message(
    recruiter, booth, django_assert_max_num_queries
):
    people = [factories.user(email=f"p{n}@example.org", phone=f"+39333000000{n}") for n in range(5)]
    slots = publish(recruiter, booth, count=5)
    for person, slot in zip(people, slots, strict=True):
        agenda.booking_create(actor=person, slot_id=slot.pk)
    ids = list(Notification.objects.filter(kind="booked").values_list("pk", flat=True))
    held = ids[0]
    # Another worker (another database session) is sending this one right now.
    key = [reminders.CLAIM_LOCK_SPACE, held % 2147483647]
    with psycopg.connect(**other_session(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", key)
        with django_assert_max_num_queries(len(ids) - 1 + 3):
            outcome = reminders.send_many(notification_ids=ids)
        # Released here, not by closing: a closed session's locks go a moment later.
        other.execute("SELECT pg_advisory_unlock(%s, %s)", key)
    assert outcome.states == {pk: "skipped" if pk == held else "sent" for pk in ids}
    assert len(LocmemBackend.outbox) + len(mail.outbox) == len(ids) - 1
    assert send(held) == "sent"


def other_session():
    params = connection.get_connection_params()
    return {k: v for k, v in params.items() if k in {"dbname", "user", "password", "host", "port"}}


def test_messages_are_in_the_recipients_language(recruiter, booth, candidate):
    candidate.preferred_language = "it"
    candidate.save()
    booking = agenda.booking_create(actor=candidate, slot_id=publish(recruiter, booth)[0].pk)
    row = Notification.objects.get(booking=booking, kind="booked", channel="sms")
    send(row.pk)
    [sms] = LocmemBackend.outbox
    assert sms.reference == f"notification-{row.pk}"
    assert "(Europe/Rome)" in sms.text


def test_every_booking_refusal_has_its_own_code(recruiter, booth, candidate):
    slots = publish(recruiter, booth, count=3)
    other = factories.user()
    agenda.booking_create(actor=other, slot_id=slots[0].pk)
    refused("agenda.slot_taken", agenda.booking_create, actor=candidate, slot_id=slots[0].pk)
    refused(
        "agenda.slot_past",
        agenda.booking_create,
        actor=candidate,
        slot_id=slots[1].pk,
        now=slots[1].starts_at,
    )
    agenda.slot_cancel(actor=recruiter, slot_id=slots[1].pk)
    refused("agenda.slot_cancelled", agenda.booking_create, actor=candidate, slot_id=slots[1].pk)
    refused("agenda.slot_not_found", agenda.booking_create, actor=candidate, slot_id=10**9)
    refused(
        "agenda.invalid_phone",
        agenda.booking_create,
        actor=other,
        slot_id=slots[2].pk,
        phone="12345",
    )
    with pytest.raises(Forbidden):
        agenda.booking_create(actor=recruiter, slot_id=slots[2].pk)  # their own slot


def test_one_booking_per_vacancy_and_a_per_fair_quota(recruiter, booth, candidate, settings):
    vacancy = factories.vacancy(booth.employer)
    booth.vacancies.add(vacancy)
    slots = publish(recruiter, booth, count=4, vacancy_id=vacancy.pk)
    agenda.booking_create(actor=candidate, slot_id=slots[0].pk)
    refused("agenda.vacancy_booked", agenda.booking_create, actor=candidate, slot_id=slots[1].pk)
    settings.AGENDA_MAX_BOOKINGS_PER_FAIR = 1
    second_booth = factories.booth(fair_=booth.fair)
    host = factories.member(second_booth.employer.organisation, Membership.Role.RECRUITER)
    free = publish(host, second_booth)[0]
    refused("agenda.fair_quota", agenda.booking_create, actor=candidate, slot_id=free.pk)


def test_invitation_only_slots(recruiter, booth, candidate):
    [slot] = publish(recruiter, booth, count=1, invitation_only=True)
    refused("agenda.invitation_required", agenda.booking_create, actor=candidate, slot_id=slot.pk)
    now = timezone.now()
    with pytest.raises(Forbidden):
        agenda.invitation_create(
            actor=candidate,
            booth_id=booth.pk,
            candidate=candidate,
            expires_at=now + timedelta(days=1),
        )
    agenda.invitation_create(
        actor=recruiter, booth_id=booth.pk, candidate=candidate, expires_at=now + timedelta(hours=1)
    )
    refused(
        "agenda.invitation_expired",
        agenda.booking_create,
        actor=candidate,
        slot_id=slot.pk,
        now=now + timedelta(hours=2),
    )
    booking = agenda.booking_create(actor=candidate, slot_id=slot.pk)
    assert booking.invitation is not None


def test_cancel_and_reschedule_up_to_the_cutoff(recruiter, booth, candidate, settings):
    slots = publish(recruiter, booth, count=3)
    booking = agenda.booking_create(actor=candidate, slot_id=slots[0].pk)
    stranger = factories.user()
    refused(
        "agenda.booking_not_found", agenda.booking_cancel, actor=stranger, booking_id=booking.pk
    )
    moved = agenda.booking_reschedule(actor=candidate, booking_id=booking.pk, slot_id=slots[1].pk)
    assert moved.sequence == 1
    assert Slot.objects.get(pk=slots[0].pk).state == Slot.State.OPEN
    assert Slot.objects.get(pk=slots[1].pk).state == Slot.State.BOOKED
    # The old version's reminders will never go.
    assert not Notification.objects.filter(booking=booking, sequence=0, state="pending").exists()
    assert Notification.objects.filter(booking=booking, sequence=1, kind="changed").count() == 1
    refused(
        "agenda.same_slot",
        agenda.booking_reschedule,
        actor=candidate,
        booking_id=booking.pk,
        slot_id=slots[1].pk,
    )
    late = slots[1].starts_at - timedelta(minutes=settings.AGENDA_CANCEL_CUTOFF_MINUTES - 1)
    refused(
        "agenda.cutoff", agenda.booking_cancel, actor=candidate, booking_id=booking.pk, now=late
    )
    cancelled = agenda.booking_cancel(actor=candidate, booking_id=booking.pk)
    assert cancelled.state == Booking.State.CANCELLED
    assert cancelled.sequence == 2
    refused("agenda.not_booked", agenda.booking_cancel, actor=candidate, booking_id=booking.pk)
    cancel_email = Notification.objects.get(booking=booking, kind="cancelled", channel="sms")
    assert cancel_email.sequence == 2


def test_the_calendar_cancellation_keeps_the_uid_and_raises_the_sequence(
    recruiter, booth, candidate
):
    candidate.email = "carla@example.org"
    candidate.save()
    booking = agenda.booking_create(actor=candidate, slot_id=publish(recruiter, booth)[0].pk)
    agenda.booking_cancel(actor=candidate, booking_id=booking.pk)
    row = Notification.objects.get(booking=booking, kind="cancelled", channel="email")
    send(row.pk)
    calendar = calendar_of(mail.outbox[-1])
    assert "METHOD:CANCEL" in calendar
    assert "STATUS:CANCELLED" in calendar
    assert f"UID:booking-{booking.pk}@" in calendar
    assert "SEQUENCE:1" in calendar


def test_a_freed_slot_goes_to_the_waitlist(recruiter, booth, candidate):
    [slot] = publish(recruiter, booth, count=1)
    first = factories.user()
    booking = agenda.booking_create(actor=first, slot_id=slot.pk)
    entry = agenda.waitlist_join(actor=candidate, booth_id=booth.pk)
    refused("agenda.already_waiting", agenda.waitlist_join, actor=candidate, booth_id=booth.pk)
    agenda.booking_cancel(actor=first, booking_id=booking.pk)
    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.BOOKED
    assert entry.booking is not None
    assert entry.booking.candidate == candidate
    assert entry.booking.slot_id == slot.pk
    assert Notification.objects.filter(booking=entry.booking, kind="booked").exists()


def test_a_slot_given_up_goes_to_the_next_waiting_not_back_to_who_gave_it_up(
    recruiter, booth, candidate
):
    [slot] = publish(recruiter, booth, count=1)
    booking = agenda.booking_create(actor=candidate, slot_id=slot.pk)
    own_entry = agenda.waitlist_join(actor=candidate, booth_id=booth.pk)  # for another time
    agenda.booking_cancel(actor=candidate, booking_id=booking.pk)
    own_entry.refresh_from_db()
    assert own_entry.state == WaitlistEntry.State.WAITING
    assert not Booking.objects.filter(state=Booking.State.BOOKED).exists()

    booking = agenda.booking_create(actor=candidate, slot_id=slot.pk)
    other = agenda.waitlist_join(actor=factories.user(), booth_id=booth.pk)
    agenda.booking_cancel(actor=candidate, booking_id=booking.pk)
    other.refresh_from_db()
    assert other.state == WaitlistEntry.State.BOOKED


def test_a_booking_at_a_fair_taken_back_to_draft_is_given_up_not_moved(recruiter, booth, candidate):
    first, second = publish(recruiter, booth, count=2)
    booking = agenda.booking_create(actor=candidate, slot_id=first.pk)
    waiting = agenda.waitlist_join(actor=factories.user(), booth_id=booth.pk)
    booth.fair.status = Fair.Status.DRAFT
    booth.fair.save()
    refused(
        "agenda.fair_not_open",
        agenda.booking_reschedule,
        actor=candidate,
        booking_id=booking.pk,
        slot_id=second.pk,
    )

    agenda.booking_cancel(actor=candidate, booking_id=booking.pk)

    booking.refresh_from_db()
    waiting.refresh_from_db()
    assert booking.state == Booking.State.CANCELLED
    assert waiting.state == WaitlistEntry.State.WAITING  # a draft fair hands nothing on


def test_a_booking_window_opens_with_a_draw_not_a_race(recruiter, booth, candidate, organiser):
    booth.fair.organiser = organiser.memberships.get().organisation
    booth.fair.save()
    slots = publish(recruiter, booth, count=2)
    opens = timezone.now() + timedelta(hours=1)
    with pytest.raises(Forbidden):
        agenda.booking_window_set(
            actor=recruiter, booth_id=booth.pk, opens_at=opens, quota_per_candidate=1
        )
    agenda.booking_window_set(
        actor=organiser, booth_id=booth.pk, opens_at=opens, quota_per_candidate=1
    )
    refused("agenda.window_not_open", agenda.booking_create, actor=candidate, slot_id=slots[0].pk)
    waiting = [factories.user() for _ in range(3)]
    for person in waiting:
        agenda.waitlist_join(actor=person, booth_id=booth.pk)
    assert agenda.booking_windows_open(now=opens - timedelta(seconds=1)) == 0
    assert agenda.booking_windows_open(now=opens) == 1
    winners = set(
        Booking.objects.filter(slot__in=slots, state="booked").values_list("candidate", flat=True)
    )
    assert len(winners) == 2
    assert winners <= {person.pk for person in waiting}
    loser = next(p for p in waiting if p.pk not in winners)
    assert WaitlistEntry.objects.get(candidate=loser).state == WaitlistEntry.State.WAITING
    # After the draw a winner cannot take more than the quota; anyone else books as usual.
    winner = next(p for p in waiting if p.pk in winners)
    start = slots[-1].ends_at + timedelta(hours=1)
    [late] = agenda.slots_publish(
        actor=recruiter,
        fair_id=booth.fair_id,
        booth_id=booth.pk,
        starts_at=start,
        ends_at=start + timedelta(minutes=20),
        length_minutes=20,
        now=opens,
    )
    assert Booking.objects.get(slot=late).candidate == loser  # the waitlist comes first
    agenda.booking_cancel(actor=loser, booking_id=Booking.objects.get(slot=late).pk, now=opens)
    refused("agenda.window_quota", agenda.booking_create, actor=winner, slot_id=late.pk, now=opens)


def test_rooms_open_themselves_and_absent_candidates_become_no_shows(recruiter, booth, candidate):
    slots = publish(recruiter, booth, count=2)
    absent = agenda.booking_create(actor=candidate, slot_id=slots[0].pk)
    present = agenda.booking_create(actor=factories.user(), slot_id=slots[1].pk)
    assert agenda.agenda_open_rooms(now=slots[0].starts_at - timedelta(minutes=10)) == 0
    assert agenda.agenda_open_rooms(now=slots[0].starts_at) == 1
    assert agenda.agenda_open_rooms(now=slots[1].starts_at) == 1
    assert agenda.agenda_open_rooms(now=slots[1].starts_at) == 0
    absent.refresh_from_db()
    present.refresh_from_db()
    assert absent.interview is not None
    assert absent.interview.state == InterviewSession.State.WAITING
    assert absent.interview.scheduled_for == slots[0].starts_at
    assert Notification.objects.filter(booking=absent, kind="room_open").count() == 1  # SMS only
    assert present.interview is not None
    Attendance.objects.create(session=present.interview, user=present.candidate)
    later = slots[1].starts_at + timedelta(minutes=30)
    assert agenda.agenda_mark_no_shows(now=later) == 2
    absent.refresh_from_db()
    present.refresh_from_db()
    assert absent.state == Booking.State.NO_SHOW
    assert absent.interview.state == InterviewSession.State.NO_SHOW
    assert present.state == Booking.State.ATTENDED


def test_reminders_of_a_cancelled_booking_are_never_sent(recruiter, booth, candidate):
    booking = agenda.booking_create(actor=candidate, slot_id=publish(recruiter, booth)[0].pk)
    agenda.booking_cancel(actor=candidate, booking_id=booking.pk)
    due = booking.slot.starts_at - timedelta(minutes=1)
    ids = reminders.dispatch(now=due)
    assert not Notification.objects.filter(
        pk__in=ids, kind__in=["reminder_day", "reminder_soon"]
    ).exists()


def test_a_refused_sms_fails_without_stopping_the_email(recruiter, booth, settings):
    settings.SMS_BACKEND = "tests.unit.test_agenda.RefusingSms"
    person = factories.user(email="x@example.org", phone="+393339876543")
    booking = agenda.booking_create(actor=person, slot_id=publish(recruiter, booth)[0].pk)
    sms = Notification.objects.get(booking=booking, kind="booked", channel="sms")
    email = Notification.objects.get(booking=booking, kind="booked", channel="email")
    assert send(sms.pk) == "failed"
    assert send(email.pk) == "sent"
    sms.refresh_from_db()
    assert sms.last_error == "number blocked"
    assert len(mail.outbox) == 1


class RefusingSms(LocmemBackend):
    def send(self, message):
        from fairplatform.notifications.sms import SendError

        raise SendError("number blocked")


def test_a_booking_someone_else_cannot_see_is_not_found(recruiter, booth, candidate):
    booking = agenda.booking_create(actor=candidate, slot_id=publish(recruiter, booth)[0].pk)
    with pytest.raises(NotFound):
        agenda.booking_reschedule(
            actor=factories.user(), booking_id=booking.pk, slot_id=booking.slot_id
        )


def test_booking_at_a_booth_shares_the_cv_with_its_employer(recruiter, booth):
    person = factories.user()
    profile = CandidateProfile.objects.create(user=person)
    agenda.booking_create(actor=person, slot_id=publish(recruiter, booth)[0].pk)
    [share] = CVShare.objects.filter(profile=profile)
    assert (share.employer, share.context) == (booth.employer, "booking")


def test_a_host_who_left_the_employer_can_no_longer_cancel_their_slots(recruiter, booth):
    slot = publish(recruiter, booth)[0]
    recruiter.memberships.all().delete()
    forget_memberships(recruiter)
    with pytest.raises(DomainError) as refused:
        agenda.slot_cancel(actor=recruiter, slot_id=slot.pk)
    assert refused.value.code == "agenda.slot_not_found"  # as for anyone without access
    slot.refresh_from_db()
    assert slot.state == Slot.State.OPEN


def test_without_advisory_locks_the_demo_database_still_sends_each_message_once(
    recruiter, booth, candidate, monkeypatch
):
    """`make run` keeps its data in SQLite, which has neither pg_try_advisory_lock nor ANY()."""
    booking = agenda.booking_create(actor=candidate, slot_id=publish(recruiter, booth)[0].pk)
    booked = list(
        Notification.objects.filter(booking=booking, kind="booked").values_list("pk", flat=True)
    )
    monkeypatch.setattr(connection, "vendor", "sqlite")
    first = reminders.send_many(notification_ids=booked).states
    again = reminders.send_many(notification_ids=booked).states
    assert set(first.values()) == {"sent"}
    assert set(again.values()) == {"skipped"}
