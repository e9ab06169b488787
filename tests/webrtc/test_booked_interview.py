"""A booked interview end to end, in real browsers: a candidate on a phone books a time at a
booth, is told by SMS and by email with the calendar invitation, and at the slot's time both
sides' Join buttons open the same room, with video both ways.

The messages go the production way: the Daphne serving the booking writes the notification rows
and, after commit, queues `notification_send` on Redis; a real Celery worker takes them from
there. The worker runs in a thread of this process, so it sends through the in-memory backends
(the locmem SMS outbox and `django.core.mail.outbox`) and the test reads what was sent. Time
moves by handing beat's `agenda_open_rooms` task to that worker with `now` at the slot's start
(a service that publishes events cannot run on this thread, inside Playwright's event loop).
"""

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Membership
from fairplatform.celery import app
from fairplatform.notifications.sms import LocmemBackend
from rooms import agenda
from rooms.models import Booking
from rooms.tasks import agenda_open_rooms
from tests import factories
from tests.axe import axe_violations
from tests.webrtc.harness import wait_for_video

pytestmark = [pytest.mark.webrtc, pytest.mark.django_db(transaction=True)]

INTERVIEW_URL = re.compile(r"/interviews/(\d+)/$")
WAIT = 20.0


@pytest.fixture
def worker() -> Iterator[None]:
    app.control.purge()  # messages other tests left on the broker
    LocmemBackend.outbox.clear()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def wait_until(check: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def calendar_part(message: mail.EmailMessage) -> str:
    [part] = [p for p in message.message().walk() if p.get_content_type() == "text/calendar"]
    return str(part.get_payload(decode=True).decode())


def test_a_phone_books_is_told_by_sms_and_email_and_both_join_the_room_at_slot_time(
    seat, daphne, worker, timing
):
    booth = factories.booth(
        fair_=factories.live_fair(), employer_=factories.employer("Vesuvio Cloud S.r.l.")
    )
    recruiter = factories.member(
        booth.employer.organisation, Membership.Role.RECRUITER, name="Rita Recruiter"
    )
    start = (timezone.now() + timedelta(hours=2)).replace(second=0, microsecond=0)
    slot, _later = agenda.slots_publish(
        actor=recruiter,
        fair_id=booth.fair_id,
        booth_id=booth.pk,
        starts_at=start,
        ends_at=start + timedelta(minutes=50),
        length_minutes=20,
        buffer_minutes=5,
    )
    first, second = daphne(2)
    giulia = seat(
        "Giulia (phone, daphne 1)",
        factories.user(email="giulia@example.org", name="Giulia Esposito"),
        server=second,
        phone_sized=True,
    )
    desk = seat("recruiter (daphne 0)", recruiter, server=first)

    giulia.page.goto(f"{second.url}/booths/{booth.pk}/")
    section = giulia.page.locator("#booking-panel")
    expect(section.locator('input[name="slot"]')).to_have_count(2)
    expect(section).to_contain_text(f"times in {booth.fair.timezone}")
    assert axe_violations(giulia.page) == []
    giulia.page.locator(f'label[for="slot-{slot.pk}"]').tap()
    giulia.page.get_by_label("Mobile number for text reminders").fill("333 123 4567")
    giulia.page.locator("#booking-submit").tap()
    giulia.page.wait_for_url(re.compile(r"/#my-bookings$"))
    expect(giulia.page.locator("#my-bookings .booking")).to_contain_text("Vesuvio Cloud S.r.l.")
    booking = Booking.objects.get(candidate=giulia.user)
    assert booking.slot_id == slot.pk

    wait_until(lambda: LocmemBackend.outbox and mail.outbox, "the confirmation SMS and email")
    [sms] = LocmemBackend.outbox
    assert sms.to == "+393331234567"
    assert "Vesuvio Cloud S.r.l." in sms.text
    assert "(Europe/Rome)" in sms.text
    [email] = mail.outbox
    assert email.to == ["giulia@example.org"]
    # Messages go in the person's language (Italian, her account's), whatever the page's.
    assert email.subject == "Colloquio prenotato: Vesuvio Cloud S.r.l."
    invitation = calendar_part(email)
    assert "METHOD:REQUEST" in invitation
    assert f"UID:booking-{booking.pk}@" in invitation
    assert f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}" in invitation

    # The slot's time comes: beat's task opens the room and texts the candidate the link.
    agenda_open_rooms.delay(now=slot.starts_at.isoformat())
    wait_until(lambda: len(LocmemBackend.outbox) == 2, "the 'your interview is open' SMS")
    booking.refresh_from_db()
    room = f"/interviews/{booking.interview_id}/"
    assert LocmemBackend.outbox[1].text.endswith(room)

    desk.page.goto(f"{first.url}/staff/agenda/")
    expect(desk.page.locator(f'.agenda-slot[data-slot-id="{slot.pk}"]')).to_contain_text(
        "Giulia Esposito"
    )
    assert axe_violations(desk.page) == []
    desk.page.get_by_role("link", name="Join the interview with Giulia Esposito").click()
    giulia.page.goto(f"{second.url}/")
    giulia.page.get_by_role("link", name="Join the interview").tap()
    for person in (desk, giulia):
        person.page.wait_for_url(INTERVIEW_URL)
        assert person.page.url.endswith(room)

    desk.join()
    giulia.join()
    timing(
        "booked slot to video",
        wait_for_video([(desk, [giulia.user_id]), (giulia, [desk.user_id])]),
    )
