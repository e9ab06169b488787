"""Real calls on the room page (/interviews/<id>/) between Chromium pages, through real Daphnes.

Each call test waits for decoded video (inbound framesDecoded >= 30 from every remote person,
shown in their tile) over a 127.0.0.1 candidate pair; "connected" alone is not enough.
"""

import pytest

from accounts.models import Membership
from rooms.models import Attendance
from tests import factories
from tests.axe import axe_violations
from tests.webrtc.harness import counters, wait_for_video

pytestmark = [pytest.mark.webrtc, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people():
    """A recruiter (who starts the call) and a candidate."""
    employer = factories.employer("Vesuvio Cloud S.r.l.")
    recruiter = factories.member(
        employer.organisation, Membership.Role.RECRUITER, name="Rita Recruiter"
    )
    return recruiter, factories.user(phone="+393331112222", name="Carla Candidate")


@pytest.fixture
def session(people):
    recruiter, candidate = people
    return factories.booth_call(recruiter, candidate)


def test_phone_candidate_and_desktop_recruiter_see_each_other(seat, session, people, timing):
    recruiter, candidate = people
    rec = seat("recruiter (desktop)", recruiter)
    cand = seat("candidate (Pixel 7)", candidate, phone_sized=True)
    assert cand.page.viewport_size["width"] < 420
    rec.enter(session.pk)
    cand.enter(session.pk)
    timing("both ways", wait_for_video([(rec, [cand.user_id]), (cand, [rec.user_id])]))
    for person in (rec, cand):
        assert person.page.locator("#local-tile").is_visible()
        assert axe_violations(person.page) == [], person.label


def test_people_on_two_daphne_processes_see_each_other(seat, daphne, session, people, timing):
    recruiter, candidate = people
    first, second = daphne(2)  # one Redis between them: signalling crosses processes
    rec = seat("recruiter on daphne 0", recruiter, server=first)
    cand = seat("candidate on daphne 1", candidate, server=second, phone_sized=True)
    rec.enter(session.pk)
    cand.enter(session.pk)
    timing("both ways", wait_for_video([(rec, [cand.user_id]), (cand, [rec.user_id])]))


def test_a_guest_joining_mid_call_sees_and_is_seen_by_both(seat, people, timing):
    recruiter, candidate = people
    guest = factories.member(
        factories.organisation(name="CPI Napoli"), Membership.Role.CPI_OPERATOR, name="Gina Guest"
    )
    session = factories.booth_call(recruiter, candidate, guests=[guest])
    rec = seat("recruiter", recruiter)
    cand = seat("candidate", candidate, phone_sized=True)
    rec.enter(session.pk)
    cand.enter(session.pk)
    timing("two", wait_for_video([(rec, [cand.user_id]), (cand, [rec.user_id])]))

    third = seat("guest", guest)
    third.enter(session.pk)
    # New frames on every pair, the first one included: the guest must not break it.
    since_guest = counters([rec, cand])
    everyone = [rec, cand, third]
    expectations = [
        (person, [other.user_id for other in everyone if other is not person])
        for person in everyone
    ]
    timing("three", wait_for_video(expectations, baseline=since_guest))


def test_call_recovers_after_one_side_reloads(seat, session, people, timing):
    recruiter, candidate = people
    rec = seat("recruiter", recruiter)
    cand = seat("candidate (reloads)", candidate, phone_sized=True)
    rec.enter(session.pk)
    cand.enter(session.pk)
    timing("before reload", wait_for_video([(rec, [cand.user_id]), (cand, [rec.user_id])]))

    cand.page.reload()
    cand.page.wait_for_function("() => window.fairCall && window.fairCall.state === 'preview'")
    # Taken after the old page is gone: only video sent by the reloaded page counts from here.
    since_reload = counters([rec])
    cand.join()
    timing(
        "after reload",
        wait_for_video([(rec, [cand.user_id]), (cand, [rec.user_id])], baseline=since_reload),
    )


def test_non_participant_gets_404_and_socket_join_not_found(seat, session):
    outsider = factories.member(
        factories.organisation(name="CPI Salerno"), Membership.Role.CPI_OPERATOR, name="Otto"
    )
    out = seat("outsider", outsider)

    response = out.open_room(session.pk)
    assert response is not None and response.status == 404
    assert out.page.locator("#join-call").count() == 0
    missing = out.page.goto(out.room_url(session.pk + 1000))
    assert missing is not None and missing.status == 404  # the same answer as "not yours"

    reply = out.socket_request(
        {"v": 1, "id": "x", "type": "interview.join", "data": {"session_id": session.pk}}
    )
    assert reply["ok"] is False, reply
    assert reply["id"] == "x"
    assert reply["error"]["code"] == "interview.not_found"
    assert not Attendance.objects.filter(user=outsider).exists()


def test_joining_on_the_phone_moves_the_call_from_the_desktop(seat, session, people, timing):
    recruiter, candidate = people
    rec = seat("recruiter", recruiter)
    desk = seat("candidate at the desk", candidate)
    rec.enter(session.pk)
    desk.enter(session.pk)
    timing("at the desk", wait_for_video([(rec, [desk.user_id]), (desk, [rec.user_id])]))

    phone = seat("candidate on the phone", candidate, phone_sized=True)
    since_phone = counters([rec])
    phone.enter(session.pk)
    desk.page.wait_for_function("() => window.fairCall.state === 'left'")
    assert desk.page.locator("#call-moved-note").is_visible()
    assert desk.page.locator("#rejoin-call").is_visible()
    assert axe_violations(desk.page) == []
    timing(
        "on the phone",
        wait_for_video([(rec, [phone.user_id]), (phone, [rec.user_id])], baseline=since_phone),
    )
    assert Attendance.objects.filter(session=session, user=candidate, left_at=None).count() == 1
