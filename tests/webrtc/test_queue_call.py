"""From a booth's line to a video call, in real browsers: two phones wait, a recruiter calls.

The recruiter's console and the two candidates sit on two Daphne processes, so every queue event
crosses Redis. The test ends on decoded video both ways, not on "connected".
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Membership
from rooms.models import QueueEntry
from tests import factories
from tests.axe import axe_violations
from tests.webrtc.harness import wait_for_video

pytestmark = [pytest.mark.webrtc, pytest.mark.django_db(transaction=True)]

INTERVIEW_URL = re.compile(r"/interviews/(\d+)/$")


def test_the_first_in_line_is_called_into_a_video_call_and_the_second_moves_up(
    seat, daphne, timing
):
    booth = factories.booth(
        fair_=factories.live_fair(), employer_=factories.employer("Vesuvio Cloud S.r.l.")
    )
    recruiter = factories.member(
        booth.employer.organisation, Membership.Role.RECRUITER, name="Rita Recruiter"
    )
    first, second = daphne(2)
    rec = seat("recruiter console (daphne 0)", recruiter, server=first)
    anna = seat(
        "Anna (phone, daphne 1)",
        factories.user(name="Anna Attesa"),
        server=second,
        phone_sized=True,
    )
    bruno = seat(
        "Bruno (phone, daphne 0)",
        factories.user(name="Bruno Bianchi"),
        server=first,
        phone_sized=True,
    )

    for person, place in ((anna, "1"), (bruno, "2")):
        person.page.goto(f"{person.server.url}/booths/{booth.pk}/")
        person.page.locator("#queue-join").click()
        expect(person.page.locator("#queue-position")).to_have_attribute("data-position", place)
    assert axe_violations(bruno.page) == []

    rec.page.goto(f"{rec.server.url}/staff/booths/{booth.pk}/queue/")
    expect(rec.page.get_by_text("Anna Attesa")).to_be_visible()
    expect(rec.page.get_by_text("Bruno Bianchi")).to_be_visible()
    rec.page.locator("#queue-call-next").click()

    dialog = anna.page.locator("#queue-call-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Vesuvio Cloud")
    # Live, without a reload: Bruno is now first.
    expect(bruno.page.locator("#queue-position")).to_have_attribute("data-position", "1")
    assert axe_violations(anna.page) == []

    anna.page.locator("#queue-call-accept").click()
    anna.page.wait_for_url(INTERVIEW_URL)
    rec.page.wait_for_url(INTERVIEW_URL)  # the console follows the candidate it called
    session_ids = {INTERVIEW_URL.search(p.page.url).group(1) for p in (anna, rec)}  # type: ignore[union-attr]
    entry = QueueEntry.objects.get(candidate=anna.user)
    assert session_ids == {str(entry.interview_id)}
    assert entry.state == "in_interview"

    anna.join()
    rec.join()
    timing("queue to video", wait_for_video([(rec, [anna.user_id]), (anna, [rec.user_id])]))
