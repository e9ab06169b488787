import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from rooms.models import Fair
from rooms.services import fairs_advance_status
from signaling import bus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_events(monkeypatch):
    sent = []
    monkeypatch.setattr(
        bus, "publish", lambda group, name, payload, **_: sent.append((group, name, payload))
    )
    return sent


def test_fairs_go_live_at_start_and_close_at_end(
    published_events, django_capture_on_commit_callbacks
):
    now = timezone.now()
    starting = factories.fair(
        starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=1)
    )
    ending = factories.fair(
        status=Fair.Status.LIVE,
        starts_at=now - timedelta(hours=2),
        ends_at=now - timedelta(seconds=1),
    )
    missed = factories.fair(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    future = factories.fair(starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=2))
    draft = factories.fair(
        status=Fair.Status.DRAFT,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )

    with django_capture_on_commit_callbacks(execute=True):
        moved = fairs_advance_status(now=now)

    assert moved == 3
    statuses = {f.pk: f.status for f in Fair.objects.all()}
    assert statuses == {
        starting.pk: "live",
        ending.pk: "closed",
        missed.pk: "closed",
        future.pk: "published",
        draft.pk: "draft",
    }
    assert sorted((g, p.status) for g, _n, p in published_events) == sorted(
        [
            (f"fair.{starting.pk}", "live"),
            (f"fair.{ending.pk}", "closed"),
            (f"fair.{missed.pk}", "closed"),
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert fairs_advance_status(now=now) == 0
    assert len(published_events) == 3


def test_no_event_leaves_a_rolled_back_transaction(
    published_events, django_capture_on_commit_callbacks
):
    now = timezone.now()
    factories.fair(starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=1))
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        assert fairs_advance_status(now=now) == 1
        raise RuntimeError
    assert callbacks == []
    assert published_events == []
    assert Fair.objects.get().status == "published"


def test_the_home_page_gives_the_end_date_of_a_fair_over_several_days(client):
    start = (timezone.localtime() + timedelta(days=2)).replace(hour=9, minute=0)
    one_day = factories.fair(title="Un giorno", starts_at=start, ends_at=start + timedelta(hours=8))
    two_days = factories.fair(
        title="Due giorni", starts_at=start, ends_at=start + timedelta(days=1)
    )
    page = client.get("/").content.decode()

    def card(fair):
        return page[page.index(fair.title) : page.index("</article>", page.index(fair.title))]

    def end_shown(fair):  # the end's <time> is the one without a data-zone
        found = re.search(r'<time datetime="[^"]+">([^<]+)</time>', card(fair))
        assert found is not None
        return found.group(1)

    assert str(start.year) in end_shown(two_days)  # the next day's date, not only "9 a.m."
    assert str(start.year) not in end_shown(one_day)  # the same day: the time alone
