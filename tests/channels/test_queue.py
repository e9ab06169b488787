"""Booth queues over the socket, through the full ASGI app on the real Redis layer."""

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from accounts.models import Membership
from rooms.models import QueueEntry
from rooms.services import fairs_advance_status
from signaling import groups
from tests import factories
from tests.channels.conftest import ws_client
from tests.channels.test_interview import drain, next_event, request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def booth(db):
    return factories.booth(fair_=factories.live_fair())


@pytest.fixture
def recruiter(booth):
    return factories.member(booth.employer.organisation, Membership.Role.RECRUITER, name="Rita")


async def test_positions_move_live_and_the_called_candidate_opens_the_interview(booth, recruiter):
    anna = await database_sync_to_async(factories.user)(name="Anna")
    bruno = await database_sync_to_async(factories.user)(name="Bruno")
    async with ws_client(anna) as a, ws_client(bruno) as b, ws_client(recruiter) as rec:
        assert (await a.connect())[0] and (await b.connect())[0] and (await rec.connect())[0]
        console = await request(rec, "queue.console", {"booth_id": booth.pk})
        assert console["ok"] and console["data"]["entries"] == []

        joined = await request(a, "queue.join", {"booth_id": booth.pk, "note": " Sviluppatrice "})
        assert joined["data"]["position"]["position"] == 1
        anna_entry = joined["data"]["entry"]["entry_id"]
        assert (await request(b, "queue.watch", {"booth_id": booth.pk}))["data"]["entry"] is None
        joined = await request(b, "queue.join", {"booth_id": booth.pk})
        assert joined["data"]["position"]["position"] == 2
        await drain(a)
        await drain(b)
        line = (await drain(rec))[-1]["data"]
        assert [(e["name"], e["note"], e["position"]) for e in line["entries"]] == [
            ("Anna", "Sviluppatrice", 1),
            ("Bruno", "", 2),
        ]

        called = await request(rec, "queue.call_next", {"booth_id": booth.pk})
        assert called["data"]["entry_id"] == anna_entry
        alert = await next_event(a, "queue.entry")
        assert alert["state"] == "called" and alert["answer_by"]
        moved = await next_event(b, "queue.position")
        assert (moved["position"], moved["waiting"]) == (1, 1)

        answered = await request(a, "queue.answer", {"entry_id": anna_entry})
        session_id = answered["data"]["session_id"]
        while (line := await next_event(rec, "queue.line"))["entries"][0]["state"] == "called":
            pass  # the event of the call itself
        assert [
            (e["name"], e["state"], e["session_id"], e["called_by_id"]) for e in line["entries"]
        ] == [
            ("Anna", "in_interview", session_id, recruiter.pk),
            ("Bruno", "waiting", None, None),
        ]
        joined = await request(rec, "interview.join", {"session_id": session_id})
        assert {p["name"] for p in joined["data"]["participants"]} == {"Anna", "Rita"}


async def test_a_reconnecting_page_gets_the_current_state(booth, recruiter):
    person = await database_sync_to_async(factories.user)()
    async with ws_client(person) as first:
        assert (await first.connect())[0]
        entry = (await request(first, "queue.join", {"booth_id": booth.pk}))["data"]["entry"]
    async with ws_client(recruiter) as rec:
        assert (await rec.connect())[0]
        await request(rec, "queue.call_next", {"booth_id": booth.pk})
    async with ws_client(person) as again:
        assert (await again.connect())[0]
        mine = await request(again, "queue.mine", {})
        [line] = mine["data"]["lines"]
        assert line["entry"]["entry_id"] == entry["entry_id"]
        assert line["entry"]["state"] == "called"


async def test_queue_refusals_carry_codes(booth, recruiter, groups_joined):
    person = await database_sync_to_async(factories.user)()
    stranger = await database_sync_to_async(
        lambda: factories.member(factories.employer().organisation, Membership.Role.RECRUITER)
    )()
    async with ws_client(person) as cand, ws_client(stranger) as other, ws_client(recruiter) as rec:
        assert (await cand.connect())[0] and (await other.connect())[0] and (await rec.connect())[0]
        assert (await request(rec, "queue.call_next", {"booth_id": booth.pk}))["error"][
            "code"
        ] == "queue.empty"
        entry = (await request(cand, "queue.join", {"booth_id": booth.pk}))["data"]["entry"]
        again = await request(cand, "queue.join", {"booth_id": booth.pk})
        assert again["error"]["code"] == "queue.already_joined"
        for type_, data in [
            ("queue.call_next", {"booth_id": booth.pk}),
            ("queue.call", {"entry_id": entry["entry_id"]}),
            ("queue.pause", {"booth_id": booth.pk, "paused": True}),
            ("queue.console", {"booth_id": booth.pk}),
        ]:
            refused = await request(other, type_, data)
            assert refused["error"]["code"] == "permission.denied", type_
        # Candidates cannot drive the line, nor answer or leave somebody else's place.
        refused = await request(cand, "queue.call_next", {"booth_id": booth.pk})
        assert refused["error"]["code"] == "permission.denied"
        refused = await request(other, "queue.leave", {"entry_id": entry["entry_id"]})
        assert refused["error"]["code"] == "queue.not_found"
        refused = await request(other, "queue.answer", {"entry_id": entry["entry_id"]})
        assert refused["error"]["code"] == "queue.not_found"
        # A refused console never subscribes, so no staff event reaches it.
        assert groups.queue_staff(booth.pk) not in groups_joined
        await request(cand, "queue.leave", {"entry_id": entry["entry_id"]})
        assert not [f for f in await drain(other) if f.get("event") == "queue.line"]
    state = await database_sync_to_async(QueueEntry.objects.get)(pk=entry["entry_id"])
    assert state.state == "left"


async def test_a_recruiter_whose_role_ends_stops_receiving_the_line(booth, recruiter, groups_left):
    anna = await database_sync_to_async(factories.user)(name="Anna")
    async with ws_client(anna) as cand, ws_client(recruiter) as rec:
        assert (await cand.connect())[0] and (await rec.connect())[0]
        assert (await request(rec, "queue.console", {"booth_id": booth.pk}))["ok"]
        await database_sync_to_async(recruiter.memberships.all().delete)()

        for _ in range(100):
            if groups.queue_staff(booth.pk) in groups_left:
                break
            await asyncio.sleep(0.05)
        assert groups_left == [groups.queue_staff(booth.pk)]
        await request(cand, "queue.join", {"booth_id": booth.pk})
        assert not [f for f in await drain(rec) if f.get("event") == "queue.line"]
        refused = await request(rec, "queue.console", {"booth_id": booth.pk})
        assert refused["error"]["code"] == "permission.denied"


async def test_a_booth_page_sees_its_line_open_when_the_fair_goes_live():
    def booth_of_a_fair_due_to_start():
        now = timezone.now()
        fair = factories.fair(
            starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=1)
        )
        return factories.booth(fair_=fair)

    booth = await database_sync_to_async(booth_of_a_fair_due_to_start)()
    person = await database_sync_to_async(factories.user)()
    async with ws_client(person) as page:
        assert (await page.connect())[0]
        watched = await request(page, "queue.watch", {"booth_id": booth.pk})
        assert watched["data"]["position"]["open"] is False
        refused = await request(page, "queue.join", {"booth_id": booth.pk})
        assert refused["error"]["code"] == "queue.closed"
        assert await database_sync_to_async(fairs_advance_status)() == 1
        assert (await next_event(page, "queue.position"))["open"] is True


async def test_only_the_fairs_organisers_get_every_lines_numbers(booth):
    def people():
        organiser = factories.member(booth.fair.organiser, Membership.Role.ORGANISER)
        return organiser, factories.user(), factories.user()

    organiser, watcher, joiner = await database_sync_to_async(people)()
    async with ws_client(organiser) as staff, ws_client(watcher) as page, ws_client(joiner) as cand:
        assert (
            (await staff.connect())[0] and (await page.connect())[0] and (await cand.connect())[0]
        )
        for ws in (staff, page):
            assert (await request(ws, "fair.watch", {"fair_id": booth.fair_id}))["ok"]
        await request(cand, "queue.join", {"booth_id": booth.pk})
        stats = await next_event(staff, "queue.stats")
        assert (stats["booth_id"], stats["waiting"]) == (booth.pk, 1)
        assert not [f for f in await drain(page) if f.get("event") == "queue.stats"]


async def test_a_booth_its_employer_has_not_confirmed_is_closed_to_candidates(
    booth, recruiter, groups_joined
):
    booth.participation = booth.Participation.INVITED
    await database_sync_to_async(booth.save)()
    anna = await database_sync_to_async(factories.user)(name="Anna")
    async with ws_client(anna) as cand, ws_client(recruiter) as rec:
        assert (await cand.connect())[0] and (await rec.connect())[0]
        for type_ in ("queue.join", "queue.watch", "presentation.follow"):
            refused = await request(cand, type_, {"booth_id": booth.pk})
            assert refused["error"]["code"] == "booth.not_found", type_
        assert groups.queue(booth.pk) not in groups_joined
        # Its own people prepare it meanwhile.
        assert (await request(rec, "queue.console", {"booth_id": booth.pk}))["ok"]
    assert not await database_sync_to_async(QueueEntry.objects.exists)()
