"""The agenda's pages: staff publish and cancel slots and see their agenda; candidates book,
move and cancel from their phone. Every refusal is shown where the person acted, with a 400 and
nothing lost; every action by someone not allowed is a 403 or the same 404 as a missing object."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organisation
from fairplatform.notifications.sms import LocmemBackend
from rooms import agenda
from rooms.models import Booking, BookingWindow, Notification, Slot, WaitlistEntry
from rooms.selectors import booking_counts_of_fair
from tests import factories
from tests.conftest import client_for
from tests.unit.test_agenda import send

pytestmark = pytest.mark.django_db


@pytest.fixture
def booth():
    """At a live fair in Rome's zone; slots start tomorrow at 10:00 Rome time."""
    fair = factories.fair(
        status="live",
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=3),
    )
    return factories.booth(fair_=fair, employer_=factories.employer("Vesuvio Cloud S.r.l."))


@pytest.fixture
def recruiter(booth):
    return factories.member(
        booth.employer.organisation, Membership.Role.RECRUITER, name="Rita Recruiter"
    )


def tomorrow(booth):
    return (timezone.now().astimezone(booth.fair.zone) + timedelta(days=1)).date()


def series_form(booth, **overrides):
    data = {
        "fair": booth.fair_id,
        "day": tomorrow(booth).isoformat(),
        "first_start": "10:00",
        "last_end": "11:00",
        "length_minutes": "20",
        "buffer_minutes": "5",
        "mode": "remote",
        "place": "",
    }
    data.update(overrides)
    return data


def publish(recruiter, booth, count=2):
    start = timezone.now() + timedelta(hours=3)
    return agenda.slots_publish(
        actor=recruiter,
        fair_id=booth.fair_id,
        booth_id=booth.pk,
        starts_at=start,
        ends_at=start + timedelta(minutes=25 * count),
        length_minutes=20,
        buffer_minutes=5,
    )


# --- staff ------------------------------------------------------------------------------------


def test_a_recruiter_publishes_a_series_typed_in_the_fairs_zone(booth, recruiter):
    url = reverse("staff:booth_slots", args=[booth.pk])
    client = client_for(recruiter)
    page = client.get(url)
    assert page.status_code == 200
    assert b"No interview times yet" in page.content
    response = client.post(url, series_form(booth))
    assert response.status_code == 302
    slots = list(Slot.objects.filter(booth=booth))
    assert [s.starts_at.astimezone(booth.fair.zone).strftime("%H:%M") for s in slots] == [
        "10:00",
        "10:25",
    ]
    page = client.get(url)
    assert b"times in Europe/Rome" in page.content
    assert page.content.count(b'class="list-group-item slot-row"') == 2


def test_a_refused_series_is_explained_on_the_form_and_nothing_is_lost(booth, recruiter):
    url = reverse("staff:booth_slots", args=[booth.pk])
    client = client_for(recruiter)
    client.post(url, series_form(booth))
    again = client.post(url, series_form(booth, last_end="10:45"))
    assert again.status_code == 400
    assert b"You already have slots at these times." in again.content
    assert b'value="10:45"' in again.content
    in_person = client.post(url, series_form(booth, first_start="14:00", mode="in_person"))
    assert in_person.status_code == 400
    assert b"Say where an in-person interview takes place." in in_person.content
    backwards = client.post(url, series_form(booth, first_start="16:00", last_end="15:00"))
    assert backwards.status_code == 400
    assert Slot.objects.count() == 2


def test_only_the_booths_people_publish_there(booth, candidate):
    url = reverse("staff:booth_slots", args=[booth.pk])
    assert client_for(candidate).get(url).status_code == 403
    stranger = factories.member(factories.employer().organisation, Membership.Role.RECRUITER)
    assert client_for(stranger).post(url, series_form(booth)).status_code == 404
    assert client_for(stranger).get(reverse("staff:booth_slots", args=[0])).status_code == 404
    assert not Slot.objects.exists()


def test_cpi_operators_publish_in_person_times_for_their_office_only(booth):
    office = booth.fair.organiser
    operator = factories.member(office, Membership.Role.CPI_OPERATOR)
    client = client_for(operator)
    url = reverse("staff:office_slots", args=[office.pk])
    assert (
        reverse("staff:office_slots", args=[office.pk]).encode()
        in client.get(reverse("staff:dashboard")).content
    )
    response = client.post(
        url, series_form(booth, mode="in_person", place="CPI Napoli, via Roma 1", last_end="10:30")
    )
    assert response.status_code == 302
    [slot] = Slot.objects.filter(office=office)
    assert slot.place == "CPI Napoli, via Roma 1"
    other = factories.organisation(Organisation.Kind.CPI)
    assert client.get(reverse("staff:office_slots", args=[other.pk])).status_code == 404


def test_cancelling_a_booked_slot_asks_first_and_tells_the_candidate(booth, recruiter, candidate):
    slot = publish(recruiter, booth)[0]
    agenda.booking_create(actor=candidate, slot_id=slot.pk)
    url = reverse("staff:slot_cancel", args=[slot.pk])
    client = client_for(recruiter)
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert b"A candidate booked this time" in confirm.content
    assert client.post(url).status_code == 302
    slot.refresh_from_db()
    assert slot.state == Slot.State.CANCELLED
    assert Notification.objects.filter(kind="cancelled", booking__slot=slot).exists()
    again = client.post(url)
    assert again.status_code == 400
    assert b"already been cancelled" in again.content


def test_other_people_cannot_cancel_a_slot(booth, recruiter, candidate):
    slot = publish(recruiter, booth)[0]
    url = reverse("staff:slot_cancel", args=[slot.pk])
    assert client_for(candidate).post(url).status_code == 403
    stranger = factories.member(factories.employer().organisation, Membership.Role.RECRUITER)
    assert client_for(stranger).post(url).status_code == 404
    slot.refresh_from_db()
    assert slot.state == Slot.State.OPEN


def test_the_agenda_shows_who_booked_and_a_join_button_once_the_room_opens(
    booth, recruiter, candidate
):
    empty = client_for(recruiter).get(reverse("staff:agenda"))
    assert b"No interviews in your agenda" in empty.content
    slot = publish(recruiter, booth)[0]
    booking = agenda.booking_create(actor=candidate, slot_id=slot.pk)
    page = client_for(recruiter).get(reverse("staff:agenda"))
    assert page.status_code == 200
    assert b"Carla Candidate" in page.content
    assert b"times in Europe/Rome" in page.content
    assert b"Join the interview with Carla Candidate" not in page.content
    agenda.agenda_open_rooms(now=slot.starts_at)
    booking.refresh_from_db()
    page = client_for(recruiter).get(reverse("staff:agenda"))
    assert reverse("frontend:interview", args=[booking.interview_id]).encode() in page.content
    assert client_for(candidate).get(reverse("staff:agenda")).status_code == 403


def test_a_day_with_fairs_in_two_zones_shows_each_zones_times_apart(booth, recruiter):
    lisbon = factories.fair(
        status="live",
        timezone="Europe/Lisbon",
        starts_at=booth.fair.starts_at,
        ends_at=booth.fair.ends_at,
    )
    other_booth = factories.booth(fair_=lisbon, employer_=booth.employer)
    noon_in_rome = (timezone.localtime() + timedelta(days=1)).replace(hour=12, minute=0)
    # Noon in Rome, then noon in Lisbon an hour later: one day in both zones.
    for where, start in ((booth, noon_in_rome), (other_booth, noon_in_rome + timedelta(hours=1))):
        agenda.slots_publish(
            actor=recruiter,
            fair_id=where.fair_id,
            booth_id=where.pk,
            starts_at=start,
            ends_at=start + timedelta(minutes=20),
            length_minutes=20,
        )

    page = client_for(recruiter).get(reverse("staff:agenda")).content.decode()

    # Two groups for the one day, each read in its own zone.
    assert page.count(noon_in_rome.strftime("%A %-d %B %Y")) == 2
    rome, lisbon_part = page.split("times in Europe/Lisbon")
    assert "times in Europe/Rome" in rome and "12:00–12:20" in rome
    assert lisbon.title in lisbon_part and "12:00–12:20" in lisbon_part


def test_the_organiser_sees_how_the_fairs_bookings_went(booth, recruiter, organiser):
    slots = publish(recruiter, booth, count=3)
    people = [factories.user() for _ in slots]
    bookings = [
        agenda.booking_create(actor=person, slot_id=slot.pk)
        for person, slot in zip(people, slots, strict=True)
    ]
    agenda.booking_cancel(actor=people[0], booking_id=bookings[0].pk)
    Booking.objects.filter(pk=bookings[1].pk).update(state=Booking.State.NO_SHOW)
    assert booking_counts_of_fair(fair=booth.fair) == {
        "booked": 1,
        "attended": 0,
        "no_show": 1,
        "cancelled": 1,
    }
    fair_organiser = factories.member(booth.fair.organiser, Membership.Role.ORGANISER)
    page = client_for(fair_organiser).get(reverse("staff:fair", args=[booth.fair_id]))
    assert b'data-stat="no_show">1<' in page.content
    assert b'data-stat="cancelled">1<' in page.content


# --- candidates -------------------------------------------------------------------------------


def test_the_booth_page_offers_times_by_day_with_the_zone_named(booth, recruiter, candidate):
    booth_url = reverse("frontend:booth", args=[booth.pk])
    empty = client_for(candidate).get(booth_url)
    assert b"No free interview times at this booth" in empty.content
    publish(recruiter, booth)
    page = client_for(candidate).get(booth_url)
    assert page.content.count(b'name="slot"') == 2
    assert b"times in Europe/Rome" in page.content
    assert b'id="queue-panel"' in page.content
    assert b"Sign in to book an interview" in Client().get(booth_url).content
    staff_page = client_for(recruiter).get(booth_url)
    assert reverse("staff:booth_slots", args=[booth.pk]).encode() in staff_page.content


def test_booking_confirms_and_the_home_page_lists_it(booth, recruiter, candidate):
    slot = publish(recruiter, booth)[0]
    client = client_for(candidate)
    response = client.post(
        reverse("frontend:booth_book", args=[booth.pk]), {"slot": slot.pk, "phone": "333 765 4321"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("/#my-bookings")
    booking = Booking.objects.get(candidate=candidate)
    candidate.refresh_from_db()
    assert candidate.phone == "+393337654321"
    [sms] = Notification.objects.filter(booking=booking, kind="booked", channel="sms")
    assert send(sms.pk) == "sent"
    assert "Vesuvio Cloud S.r.l." in LocmemBackend.outbox[0].text
    home = client.get(reverse("frontend:home"))
    assert b"Your interview is booked for" in home.content
    assert reverse("frontend:booking_cancel", args=[booking.pk]).encode() in home.content
    assert reverse("frontend:booking_reschedule", args=[booking.pk]).encode() in home.content


def test_a_slot_just_taken_is_explained_and_the_number_is_kept(booth, recruiter, candidate):
    slot = publish(recruiter, booth)[0]
    agenda.booking_create(actor=factories.user(), slot_id=slot.pk)
    response = client_for(candidate).post(
        reverse("frontend:booth_book", args=[booth.pk]), {"slot": slot.pk, "phone": "3337654321"}
    )
    assert response.status_code == 400
    assert b"Someone else has just booked this time. Choose another one." in response.content
    assert b'value="3337654321"' in response.content
    assert not Booking.objects.filter(candidate=candidate).exists()
    nothing_chosen = client_for(candidate).post(reverse("frontend:booth_book", args=[booth.pk]))
    assert nothing_chosen.status_code == 400
    assert b"Choose a time first." in nothing_chosen.content


def test_a_window_not_open_yet_says_when_it_opens(booth, recruiter, candidate):
    slot = publish(recruiter, booth)[0]
    opens = timezone.now() + timedelta(hours=1)
    BookingWindow.objects.create(booth=booth, opens_at=opens)
    local = opens.astimezone(booth.fair.zone).strftime("%H:%M")
    page = client_for(candidate).get(reverse("frontend:booth", args=[booth.pk]))
    assert b"Booking at this booth opens on" in page.content
    response = client_for(candidate).post(
        reverse("frontend:booth_book", args=[booth.pk]), {"slot": slot.pk}
    )
    assert response.status_code == 400
    assert f"{local} (Europe/Rome)".encode() in response.content


def test_invitation_only_times_need_an_invitation_which_the_pages_show(booth, recruiter, candidate):
    start = timezone.now() + timedelta(hours=3)
    [slot] = agenda.slots_publish(
        actor=recruiter,
        fair_id=booth.fair_id,
        booth_id=booth.pk,
        starts_at=start,
        ends_at=start + timedelta(minutes=20),
        length_minutes=20,
        invitation_only=True,
    )
    book = reverse("frontend:booth_book", args=[booth.pk])
    refused = client_for(candidate).post(book, {"slot": slot.pk})
    assert refused.status_code == 400
    assert b"Only candidates invited by the employer can book." in refused.content
    agenda.invitation_create(
        actor=recruiter,
        booth_id=booth.pk,
        candidate=candidate,
        expires_at=timezone.now() + timedelta(days=1),
    )
    for url in (reverse("frontend:booth", args=[booth.pk]), reverse("frontend:home")):
        assert b"invites you to an interview" in client_for(candidate).get(url).content
    assert client_for(candidate).post(book, {"slot": slot.pk}).status_code == 302


def test_the_host_cannot_book_their_own_time(booth, recruiter):
    slot = publish(recruiter, booth)[0]
    response = client_for(recruiter).post(
        reverse("frontend:booth_book", args=[booth.pk]), {"slot": slot.pk}
    )
    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_cancelling_asks_first_and_frees_the_time(booth, recruiter, candidate):
    slot = publish(recruiter, booth)[0]
    booking = agenda.booking_create(actor=candidate, slot_id=slot.pk)
    url = reverse("frontend:booking_cancel", args=[booking.pk])
    assert client_for(factories.user()).post(url).status_code == 404
    client = client_for(candidate)
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert b"Yes, cancel it" in confirm.content
    assert client.post(url).status_code == 302
    booking.refresh_from_db()
    slot.refresh_from_db()
    assert (booking.state, slot.state) == (Booking.State.CANCELLED, Slot.State.OPEN)
    home = client.get(reverse("frontend:home"))
    assert b"You have no interviews booked." in home.content


def test_too_close_to_the_start_the_booking_can_no_longer_change(booth, recruiter, candidate):
    start = timezone.now() + timedelta(minutes=30)
    [slot] = agenda.slots_publish(
        actor=recruiter,
        fair_id=booth.fair_id,
        booth_id=booth.pk,
        starts_at=start,
        ends_at=start + timedelta(minutes=20),
        length_minutes=20,
    )
    booking = agenda.booking_create(actor=candidate, slot_id=slot.pk)
    client = client_for(candidate)
    home = client.get(reverse("frontend:home"))
    assert b"It is too late to change this booking." in home.content
    refused = client.post(reverse("frontend:booking_cancel", args=[booking.pk]))
    assert refused.status_code == 400
    assert b"Bookings can be changed up to 60 minutes before the interview." in refused.content
    agenda.agenda_open_rooms(now=slot.starts_at)
    booking.refresh_from_db()
    home = client.get(reverse("frontend:home"))
    assert reverse("frontend:interview", args=[booking.interview_id]).encode() in home.content
    assert b"Join the interview" in home.content


def test_rescheduling_offers_the_same_employers_other_times(booth, recruiter, candidate):
    first, second = publish(recruiter, booth)
    booking = agenda.booking_create(actor=candidate, slot_id=first.pk)
    elsewhere = factories.booth(fair_=booth.fair)
    other_host = factories.member(elsewhere.employer.organisation, Membership.Role.RECRUITER)
    other_slot = publish(other_host, elsewhere)[0]
    url = reverse("frontend:booking_reschedule", args=[booking.pk])
    client = client_for(candidate)
    page = client.get(url)
    assert page.content.count(b'name="slot"') == 1
    assert f'value="{second.pk}"'.encode() in page.content
    refused = client.post(url, {"slot": other_slot.pk})
    assert refused.status_code == 400
    assert b"Choose another time with the same employer." in refused.content
    assert client_for(factories.user()).post(url, {"slot": second.pk}).status_code == 404
    assert client.post(url, {"slot": 2**64}).status_code == 400
    assert client.post(url, {"slot": second.pk}).status_code == 302
    booking.refresh_from_db()
    assert booking.slot_id == second.pk


def test_candidates_join_and_leave_a_booths_waitlist(booth, recruiter, candidate):
    booth_url = reverse("frontend:booth", args=[booth.pk])
    join = reverse("frontend:booth_waitlist_join", args=[booth.pk])
    client = client_for(candidate)
    assert b'id="waitlist-join"' in client.get(booth_url).content  # no free times: offered
    assert client.post(join).status_code == 302
    entry = WaitlistEntry.objects.get(candidate=candidate, state="waiting")
    assert b"Leave the waitlist" in client.get(booth_url).content
    again = client.post(join)
    assert again.status_code == 400
    assert b"You are already on this waitlist." in again.content
    leave = reverse("frontend:waitlist_leave", args=[entry.pk])
    assert leave.encode() in client.get(booth_url).content  # a link to a confirmation first
    assert client_for(factories.user()).get(leave).status_code == 404
    assert client_for(factories.user()).post(leave).status_code == 404
    asked = client.get(leave)
    assert b"Leave the waitlist?" in asked.content
    assert (booth_url + "#booking-heading").encode() in asked.content  # Cancel goes back
    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.WAITING
    assert client.post(leave).status_code == 302
    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.LEFT
    assert Client().post(join).status_code == 302  # to the sign-in page
    assert WaitlistEntry.objects.count() == 1


def test_the_fairs_organiser_sets_when_booking_opens_and_a_recruiter_may_not(
    organiser, cpi, candidate
):
    start = timezone.now() - timedelta(hours=1)
    fair = factories.fair(
        organiser=cpi, status="live", starts_at=start, ends_at=start + timedelta(days=2)
    )
    booth = factories.booth(fair_=fair)
    recruiter = factories.member(booth.employer.organisation, Membership.Role.RECRUITER)
    url = reverse("staff:booth_booking_window", args=[booth.pk])
    opens = (timezone.now() + timedelta(hours=3)).astimezone(fair.zone).replace(second=0)
    form = {"opens_at": opens.strftime("%Y-%m-%dT%H:%M"), "quota_per_candidate": 2}

    assert client_for(recruiter).post(url, form).status_code == 404
    assert client_for(organiser).post(url, {**form, "quota_per_candidate": 0}).status_code == 400
    assert not BookingWindow.objects.filter(booth=booth).exists()

    assert client_for(organiser).post(url, form).status_code == 302
    window = BookingWindow.objects.get(booth=booth)
    assert (window.opens_at, window.quota_per_candidate) == (opens.replace(microsecond=0), 2)
    page = client_for(candidate).get(reverse("frontend:booth", args=[booth.pk]))
    assert b"Booking at this booth opens on" in page.content


def test_candidates_book_the_cpi_help_desk_from_the_fair_page(booth, recruiter, candidate):
    fair = booth.fair
    operator = factories.member(fair.organiser, Membership.Role.CPI_OPERATOR)
    start = timezone.now().replace(microsecond=0) + timedelta(hours=2)
    desk_slot, _second = agenda.slots_publish(
        actor=operator,
        fair_id=fair.pk,
        office_id=fair.organiser_id,
        starts_at=start,
        ends_at=start + timedelta(minutes=40),
        length_minutes=20,
    )
    booth_slot = publish(recruiter, booth)[0]
    url = reverse("frontend:fair", args=[fair.pk])

    assert b"Sign in to book a time" in Client().get(url).content
    page = client_for(candidate).get(url).content.decode()
    assert f'id="slot-{desk_slot.pk}"' in page
    assert f'id="slot-{booth_slot.pk}"' not in page  # booth times are on the booth page

    book = reverse("frontend:fair_book", args=[fair.pk])
    refused = client_for(candidate).post(book, {"slot": booth_slot.pk})
    assert refused.status_code == 400
    assert b"Choose one of the times listed." in refused.content
    assert client_for(candidate).post(book, {"slot": desk_slot.pk}).status_code == 302
    assert Booking.objects.get(candidate=candidate).slot == desk_slot
    assert Client().post(book, {"slot": desk_slot.pk}).status_code == 302  # to sign-in
