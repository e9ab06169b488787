"""The queue's pages: who may open the console, what the booth and fair pages offer whom, and the
fair form's switch for showing places in line."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Membership
from rooms.models import Fair
from rooms.queues import queue_join
from tests import factories
from tests.conftest import client_for
from tests.unit.test_staff_area import fair_form

pytestmark = pytest.mark.django_db


def positions_box(page: bytes) -> str:
    boxes: list[str] = re.findall(r'<input[^>]*name="queue_positions_visible"[^>]*>', page.decode())
    return boxes[0]


def test_the_fair_form_saves_whether_candidates_see_their_place(organiser, cpi):
    client = client_for(organiser)
    assert " checked" in positions_box(client.get(reverse("staff:fair_create")).content)
    created = fair_form(cpi, queue_positions_visible="on")
    assert client.post(reverse("staff:fair_create"), created).status_code == 302
    fair = Fair.objects.get()
    assert fair.queue_positions_visible

    data = fair_form(cpi)  # an unchecked box is simply absent from the post
    assert client.post(reverse("staff:fair_edit", args=[fair.pk]), data).status_code == 302
    assert not Fair.objects.get().queue_positions_visible
    edit_page = client.get(reverse("staff:fair_edit", args=[fair.pk])).content
    assert " checked" not in positions_box(edit_page)

    data["queue_positions_visible"] = "on"
    assert client.post(reverse("staff:fair_edit", args=[fair.pk]), data).status_code == 302
    assert Fair.objects.get().queue_positions_visible


@pytest.fixture
def live_booth():
    return factories.booth(fair_=factories.live_fair())


def test_the_console_opens_for_booth_staff_and_fair_organisers(live_booth, organiser):
    recruiter = factories.member(live_booth.employer.organisation, Membership.Role.RECRUITER)
    url = reverse("staff:booth_queue", args=[live_booth.pk])
    for person in (
        recruiter,
        factories.member(live_booth.fair.organiser, Membership.Role.ORGANISER),
    ):
        response = client_for(person).get(url)
        assert response.status_code == 200
        assert b'id="queue-call-next"' in response.content


def test_the_console_is_the_same_404_for_other_staff_and_missing_booths(live_booth):
    stranger = factories.member(factories.employer().organisation, Membership.Role.RECRUITER)
    client = client_for(stranger)
    refused = client.get(reverse("staff:booth_queue", args=[live_booth.pk]))
    missing = client.get(reverse("staff:booth_queue", args=[live_booth.pk + 1000]))
    assert refused.status_code == missing.status_code == 404
    assert b"queue-call-next" not in refused.content
    for response in (refused, missing):
        assert b"This page does not exist or is not yours." in response.content


def test_candidates_and_visitors_never_reach_the_console(live_booth, candidate):
    url = reverse("staff:booth_queue", args=[live_booth.pk])
    assert client_for(candidate).get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to sign in


def test_the_booth_page_offers_each_visitor_their_way_into_the_line(live_booth, candidate):
    url = reverse("frontend:booth", args=[live_booth.pk])
    visitor = Client().get(url).content.decode()
    assert f'href="{reverse("accounts:login")}?next={url}"' in visitor.replace("%2F", "/")
    assert 'id="queue-join"' not in visitor

    page = client_for(candidate).get(url).content.decode()
    assert 'id="queue-join"' in page and 'id="queue-position"' in page
    assert 'id="queue-call-dialog"' in page
    assert reverse("staff:booth_queue", args=[live_booth.pk]) not in page

    recruiter = factories.member(live_booth.employer.organisation, Membership.Role.RECRUITER)
    staff_page = client_for(recruiter).get(url).content.decode()
    assert reverse("staff:booth_queue", args=[live_booth.pk]) in staff_page
    assert 'id="queue-join"' not in staff_page


def test_a_closed_booth_says_so(candidate):
    booth = factories.booth(fair_=factories.fair(status=Fair.Status.PUBLISHED))
    page = client_for(candidate).get(reverse("frontend:booth", args=[booth.pk])).content.decode()
    assert 'data-state="closed"' in page
    assert "The line opens when the fair is live." in page


def test_the_staff_fair_page_shows_each_line_in_numbers(live_booth):
    organiser = factories.member(live_booth.fair.organiser, Membership.Role.ORGANISER)
    for name in ("Anna", "Bruno"):
        queue_join(actor=factories.user(name=name), booth_id=live_booth.pk)
    page = client_for(organiser).get(reverse("staff:fair", args=[live_booth.fair_id])).content
    html = page.decode()
    assert '<dd data-stat="waiting">2</dd>' in html
    assert '<dd data-stat="called">0</dd>' in html
    assert "min</dd>" in html  # a wait range where people wait
    assert f'data-pause-booth="{live_booth.pk}"' in html
    assert reverse("staff:booth_queue", args=[live_booth.pk]) in html


def test_the_console_is_linked_from_the_dashboard_and_the_booth_form(live_booth):
    recruiter = factories.member(live_booth.employer.organisation, Membership.Role.RECRUITER)
    client = client_for(recruiter)
    console = reverse("staff:booth_queue", args=[live_booth.pk])
    assert console in client.get(reverse("staff:dashboard")).content.decode()
    assert console in client.get(reverse("staff:booth_edit", args=[live_booth.pk])).content.decode()
