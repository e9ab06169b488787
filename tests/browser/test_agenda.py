"""The agenda's pages in a 360 px phone: axe-core finds nothing on any of them, in each state
(empty, filled, refused), and none scrolls sideways."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Dialog, Page, expect

from accounts.models import Membership
from rooms import agenda
from rooms.models import BookingWindow
from tests import factories
from tests.axe import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def clean(page: Page) -> None:
    assert axe_violations(page) == []
    width: int = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]  # type: ignore[index]


@pytest.fixture
def booth():
    fair = factories.live_fair()
    booth = factories.booth(fair_=fair, employer_=factories.employer("Vesuvio Cloud S.r.l."))
    booth.vacancies.add(factories.vacancy(booth.employer, "Sviluppatrice/ore Python"))
    return booth


@pytest.fixture
def recruiter(booth):
    return factories.member(
        booth.employer.organisation, Membership.Role.RECRUITER, name="Rita Recruiter"
    )


def test_staff_publish_see_and_cancel_slots(phone, daphne, booth, recruiter):
    desk = phone(recruiter)
    desk.goto(f"{daphne.url}/staff/booths/{booth.pk}/slots/")
    expect(desk.get_by_text("No interview times yet")).to_be_visible()
    clean(desk)
    start = (timezone.now() + timedelta(hours=2)).astimezone(booth.fair.zone)
    desk.get_by_label("Day").fill(start.date().isoformat())
    desk.get_by_label("From").fill(f"{start:%H}:00")
    desk.get_by_label("To", exact=True).fill(f"{start:%H}:00")
    desk.get_by_role("button", name="Publish").tap()
    expect(desk.get_by_text("The end must come after the start.")).to_be_visible()
    clean(desk)
    desk.get_by_label("To", exact=True).fill(f"{start:%H}:50")
    desk.get_by_role("button", name="Publish").tap()
    expect(desk.locator(".slot-row")).to_have_count(2)
    clean(desk)

    desk.locator(".slot-row").first.get_by_role("link", name="Cancel").tap()
    expect(desk.get_by_role("heading", name="Cancel this slot?")).to_be_visible()
    clean(desk)
    desk.get_by_role("button", name="Yes, cancel the slot").tap()
    expect(desk.locator(".slot-row")).to_have_count(1)

    desk.goto(f"{daphne.url}/staff/agenda/")
    expect(desk.locator(".agenda-slot")).to_have_count(1)
    clean(desk)


def test_a_candidate_books_is_refused_clearly_moves_and_cancels(phone, daphne, booth, recruiter):
    start = booth.fair.starts_at + timedelta(hours=3)
    first, second, third = agenda.slots_publish(
        actor=recruiter,
        fair_id=booth.fair_id,
        booth_id=booth.pk,
        starts_at=start,
        ends_at=start + timedelta(minutes=75),
        length_minutes=20,
        buffer_minutes=5,
    )
    agenda.booking_create(actor=factories.user(), slot_id=third.pk)
    giulia = phone(factories.user(name="Giulia Esposito"))
    empty_home = f"{daphne.url}/"
    giulia.goto(empty_home)
    expect(giulia.get_by_text("You have no interviews booked.")).to_be_visible()
    clean(giulia)

    giulia.goto(f"{daphne.url}/booths/{booth.pk}/")
    expect(giulia.locator("#booking-panel input[name=slot]")).to_have_count(2)
    clean(giulia)
    # Someone else takes the first time while Giulia is choosing.
    agenda.booking_create(actor=factories.user(), slot_id=first.pk)
    giulia.locator(f'label[for="slot-{first.pk}"]').tap()
    giulia.locator("#booking-submit").tap()
    expect(giulia.locator("#booking-error")).to_contain_text("Someone else has just booked")
    expect(giulia.locator("#booking-panel input[name=slot]")).to_have_count(1)
    clean(giulia)
    giulia.locator(f'label[for="slot-{second.pk}"]').tap()
    giulia.locator("#booking-submit").tap()
    booking = giulia.locator("#my-bookings .booking")
    expect(booking).to_contain_text("Vesuvio Cloud S.r.l.")
    clean(giulia)

    booking.get_by_role("link", name="Change the time").tap()
    expect(giulia.get_by_text("This employer has no other free times.")).to_be_visible()
    clean(giulia)
    giulia.get_by_role("link", name="Back to my bookings").tap()

    prompts: list[str] = []

    def no_dialogs(dialog: Dialog) -> None:
        prompts.append(dialog.message)
        dialog.dismiss()

    giulia.on("dialog", no_dialogs)
    booking.get_by_role("link", name="Cancel").tap()
    expect(giulia.get_by_role("heading", name="Cancel the interview?")).to_be_visible()
    clean(giulia)
    giulia.get_by_role("button", name="Yes, cancel it").tap()
    expect(giulia.get_by_text("You have no interviews booked.")).to_be_visible()
    assert prompts == []  # the confirmation is a page a screen reader reads, not a pop-up


def test_before_booking_opens_a_candidate_joins_the_waitlist(phone, daphne, booth, recruiter):
    start = booth.fair.starts_at + timedelta(hours=3)
    agenda.slots_publish(
        actor=recruiter,
        fair_id=booth.fair_id,
        booth_id=booth.pk,
        starts_at=start,
        ends_at=start + timedelta(minutes=20),
        length_minutes=20,
    )
    BookingWindow.objects.create(booth=booth, opens_at=timezone.now() + timedelta(hours=1))
    giulia = phone(factories.user(name="Giulia Esposito"))
    giulia.goto(f"{daphne.url}/booths/{booth.pk}/")
    expect(giulia.locator("#booking-panel")).to_contain_text("Booking at this booth opens on")
    clean(giulia)
    giulia.locator("#waitlist-join").tap()
    giulia.get_by_role("link", name="Leave the waitlist").tap()
    expect(giulia.get_by_role("heading", name="Leave the waitlist?")).to_be_visible()
    clean(giulia)  # the confirmation page too
    giulia.get_by_role("link", name="Cancel").tap()  # keeps the place
    expect(giulia.get_by_role("link", name="Leave the waitlist")).to_be_visible()


def test_a_viewer_in_another_zone_also_sees_their_own_time(browser, daphne, booth, recruiter):
    start = booth.fair.starts_at + timedelta(hours=3)
    [slot] = agenda.slots_publish(
        actor=recruiter,
        fair_id=booth.fair_id,
        booth_id=booth.pk,
        starts_at=start,
        ends_at=start + timedelta(minutes=20),
        length_minutes=20,
    )
    client = Client()
    client.force_login(factories.user(name="Inês Abroad"))
    session = {"name": settings.SESSION_COOKIE_NAME, "url": daphne.url}
    session["value"] = client.cookies[settings.SESSION_COOKIE_NAME].value
    seen = {}
    for zone in ("Europe/Lisbon", booth.fair.timezone):
        context = browser.new_context(locale="en-GB", timezone_id=zone)
        context.add_cookies([session])
        page = context.new_page()
        page.goto(f"{daphne.url}/booths/{booth.pk}/")
        seen[zone] = page.locator(f'label[for="slot-{slot.pk}"] .local-time').all_inner_texts()
        context.close()
    lisbon = start.astimezone(ZoneInfo("Europe/Lisbon"))
    [note] = seen["Europe/Lisbon"]
    assert "your time" in note and lisbon.strftime("%H:%M") in note and "Europe/Lisbon" in note
    assert seen[booth.fair.timezone] == []  # same zone as the fair: nothing added
