"""Presentation pages: who sees the viewer panel, who may open "Go live", the relays' load."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Membership
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_booth():
    return factories.booth(fair_=factories.live_fair())


def test_candidates_get_the_watch_panel_and_staff_a_link_to_go_live(live_booth):
    url = reverse("frontend:booth", args=[live_booth.pk])
    page = client_for(factories.user()).get(url).content.decode()
    assert 'id="presentation-panel"' in page and 'id="presentation-audio-only"' in page
    assert 'id="queue-panel"' in page  # the line stays right there
    recruiter = factories.member(live_booth.employer.organisation, Membership.Role.RECRUITER)
    staff_page = client_for(recruiter).get(url).content.decode()
    assert 'id="presentation-panel"' not in staff_page
    assert reverse("staff:booth_present", args=[live_booth.pk]) in staff_page
    assert 'id="presentation-panel"' not in Client().get(url).content.decode()


def test_only_the_booths_staff_open_the_go_live_page(live_booth):
    url = reverse("staff:booth_present", args=[live_booth.pk])
    recruiter = factories.member(live_booth.employer.organisation, Membership.Role.RECRUITER)
    response = client_for(recruiter).get(url)
    assert response.status_code == 200 and b'id="presenter-go-live"' in response.content
    other = factories.member(factories.employer().organisation, Membership.Role.RECRUITER)
    assert client_for(other).get(url).status_code in (403, 404)


def test_organisers_see_each_relays_load(organiser, settings):
    import redis

    from signaling.media import registry

    with redis.Redis.from_url(settings.REDIS_URL, decode_responses=True) as client:
        client.hset(
            registry.process_key("relay-a-1"),
            mapping={"channel": "media-relay.relay-a-1", "viewers": 500, "max_viewers": 500},
        )
        client.expire(registry.process_key("relay-a-1"), 30)
        client.sadd(registry.PROCESSES, "relay-a-1")
        try:
            page = client_for(organiser).get(reverse("staff:dashboard")).content.decode()
        finally:
            client.delete(registry.process_key("relay-a-1"))
            client.srem(registry.PROCESSES, "relay-a-1")
    assert 'id="relay-load"' in page and "relay-a-1" in page and "500" in page
    empty = client_for(organiser).get(reverse("staff:dashboard")).content.decode()
    assert "No relay process is running" in empty
