"""Booth presentations over the socket: Daphne's handlers, a relay server on the real Redis layer
(in this test's loop, as `manage.py media_relay` runs it) and aiortc peers on 127.0.0.1."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from accounts.models import Membership
from signaling import groups
from signaling.media import registry
from signaling.media.peers import Publisher, Subscriber, wait_until
from signaling.media.relay_server import RelayServer
from tests import factories
from tests.aiortc_peers import _peer_connections_closed  # noqa: F401  (autouse)
from tests.channels.conftest import ws_client
from tests.channels.test_interview import drain, next_event, request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def booth(db):
    return factories.booth(fair_=factories.live_fair())


@pytest.fixture
def recruiter(booth):
    return factories.member(booth.employer.organisation, Membership.Role.RECRUITER, name="Rita")


async def _clear_registry() -> None:
    async with registry.connect() as client:
        keys = [key async for key in client.scan_iter("media-relay:*")]
        if keys:
            await client.delete(*keys)


@contextlib.asynccontextmanager
async def relay_server(
    name: str = "t1", max_viewers: int = 10, *, clear: bool = True
) -> AsyncIterator[RelayServer]:
    if clear:
        await _clear_registry()
    server = RelayServer(name=name, max_viewers=max_viewers, layer=get_channel_layer())
    task = asyncio.ensure_future(server.run())
    async with registry.connect() as client:
        for _ in range(100):
            if await registry.relay(client, name) is not None:
                break
            await asyncio.sleep(0.02)
    try:
        yield server
    finally:
        server.stop()
        await asyncio.wait_for(task, 10)
        await _clear_registry()


def _sdp(description) -> dict[str, str]:
    return {"type": description.type, "sdp": description.sdp}


async def test_staff_go_live_viewers_decode_ask_and_the_presenter_leaving_ends_it(booth, recruiter):
    anna = await database_sync_to_async(factories.user)(name="Anna")
    publisher, subscriber = Publisher(), Subscriber()
    async with relay_server(), ws_client(recruiter) as rec, ws_client(anna) as a:
        assert (await rec.connect())[0] and (await a.connect())[0]
        followed = await request(a, "presentation.follow", {"booth_id": booth.pk})
        assert followed["data"]["live"] is False

        published = await request(
            rec,
            "presentation.publish",
            {"booth_id": booth.pk, "description": _sdp(await publisher.offer())},
        )
        assert published["ok"], published
        assert published["data"]["description"]["type"] == "answer"
        await publisher.pc.setRemoteDescription(_answer(published))
        assert (await next_event(a, "presentation.started"))["booth_id"] == booth.pk
        again = await request(a, "presentation.follow", {"booth_id": booth.pk})
        assert again["data"]["live"] is True and again["data"]["max_viewers"] == 10

        watched = await request(
            a,
            "presentation.watch",
            {"booth_id": booth.pk, "description": _sdp(await subscriber.offer())},
        )
        assert watched["ok"], watched
        await subscriber.accept(_answer(watched))
        assert await wait_until(lambda: subscriber.video.frames >= 10, 15)
        viewers = await next_event(rec, "presentation.viewers")
        assert (viewers["viewers"], viewers["max_viewers"]) == (1, 10)

        assert (await request(a, "presentation.question", {"booth_id": booth.pk, "text": " Q? "}))[
            "ok"
        ]
        asked = await next_event(rec, "presentation.question")
        assert (asked["name"], asked["text"]) == ("Anna", "Q?")
        await request(a, "presentation.hand", {"booth_id": booth.pk, "raised": True})
        hand = await next_event(rec, "presentation.hand")
        assert (hand["user_id"], hand["raised"]) == (anna.pk, True)

        await rec.disconnect()  # the presenter's socket closes
        ended = await next_event(a, "presentation.ended")
        assert ended == {"booth_id": booth.pk, "reason": "publisher_left"}
        assert await wait_until(subscriber.video.ended.is_set, 10)
        refused = await request(a, "presentation.question", {"booth_id": booth.pk, "text": "x"})
        assert refused["error"]["code"] == "presentation.not_watching"
        async with registry.connect() as client:
            assert await client.get(registry.pin_key(booth.pk)) is None
    await publisher.close()
    await subscriber.close()


async def test_a_presenter_who_leaves_or_loses_the_role_ends_it_and_hears_no_more_viewers(
    booth, recruiter, groups_left
):
    anna = await database_sync_to_async(factories.user)(name="Anna")
    staff_group = groups.presentation_staff(booth.pk)
    async with relay_server(), ws_client(recruiter) as rec, ws_client(anna) as a:
        assert (await rec.connect())[0] and (await a.connect())[0]
        await request(a, "presentation.follow", {"booth_id": booth.pk})

        async def go_live() -> Publisher:
            publisher = Publisher()
            offer = {"booth_id": booth.pk, "description": _sdp(await publisher.offer())}
            published = await request(rec, "presentation.publish", offer)
            assert published["ok"], published
            await publisher.pc.setRemoteDescription(_answer(published))
            assert (await next_event(a, "presentation.started"))["booth_id"] == booth.pk
            return publisher

        first = await go_live()
        assert (await request(rec, "presentation.leave", {"booth_id": booth.pk}))["ok"]
        ended = await next_event(a, "presentation.ended")
        assert ended == {"booth_id": booth.pk, "reason": "publisher_left"}
        assert staff_group in groups_left
        await first.close()

        groups_left.clear()
        second = await go_live()
        await database_sync_to_async(recruiter.memberships.all().delete)()
        ended = await next_event(a, "presentation.ended")
        assert ended == {"booth_id": booth.pk, "reason": "publisher_left"}
        assert staff_group in groups_left
        refused = await request(a, "presentation.question", {"booth_id": booth.pk, "text": "x"})
        assert refused["error"]["code"] == "presentation.not_watching"
        await second.close()


def _answer(reply):
    from aiortc import RTCSessionDescription

    return RTCSessionDescription(**reply["data"]["description"])


async def test_refusals_carry_their_codes(booth, recruiter):
    stranger = await database_sync_to_async(factories.user)(name="Sara")
    other = await database_sync_to_async(factories.user)(name="Otto")
    publisher, first, second = Publisher(), Subscriber(), Subscriber()
    offer = {"booth_id": booth.pk, "description": _sdp(await publisher.offer())}
    await _clear_registry()
    async with ws_client(recruiter) as rec, ws_client(stranger) as s, ws_client(other) as o:
        assert (await rec.connect())[0] and (await s.connect())[0] and (await o.connect())[0]
        no_relay = await request(rec, "presentation.publish", offer)
        assert no_relay["error"]["code"] == "presentation.no_relay"
        async with relay_server(max_viewers=1):
            denied = await request(s, "presentation.publish", offer)
            assert denied["error"]["code"] == "permission.denied"
            watch = {"booth_id": booth.pk, "description": _sdp(await first.offer())}
            assert (await request(s, "presentation.watch", watch))["error"][
                "code"
            ] == "presentation.not_live"
            missing = await request(s, "presentation.watch", {**watch, "booth_id": 2**40})
            assert missing["error"]["code"] == "booth.not_found"

            published = await request(rec, "presentation.publish", offer)
            await publisher.pc.setRemoteDescription(_answer(published))
            twice = await request(rec, "presentation.publish", offer)
            assert twice["error"]["code"] == "presentation.already_live"
            assert (await request(s, "presentation.watch", watch))["ok"]
            await asyncio.sleep(registry.HEARTBEAT + 0.5)  # the registry shows the relay full
            second_watch = {**watch, "description": _sdp(await second.offer())}
            full = await request(o, "presentation.watch", second_watch)
            assert full["error"]["code"] == "presentation.full"
            not_watching = await request(
                o, "presentation.hand", {"booth_id": booth.pk, "raised": True}
            )
            assert not_watching["error"]["code"] == "presentation.not_watching"
            assert (await request(s, "presentation.end", {"booth_id": booth.pk}))["error"][
                "code"
            ] == "permission.denied"
            assert (await request(rec, "presentation.end", {"booth_id": booth.pk}))["ok"]
            ended = await next_event(s, "presentation.ended")
            assert ended["reason"] == "ended"
            await drain(rec)
    for peer in (publisher, first, second):
        await peer.close()


async def test_the_least_loaded_relay_gets_the_pin_and_a_dead_relays_pin_is_replaced():
    await _clear_registry()
    async with registry.connect() as client:
        for name, viewers in (("busy", 400), ("idle", 3)):
            await client.hset(
                registry.process_key(name),
                mapping={
                    "channel": registry.channel_for(name),
                    "viewers": viewers,
                    "max_viewers": 500,
                },
            )
            await client.sadd(registry.PROCESSES, name)
        names = [getattr(await registry.pin(client, 7), "name", None) for _ in range(2)]
        assert names == ["idle", "idle"]  # pinned: the same relay again
        await client.delete(registry.process_key("idle"))
        assert getattr(await registry.pin(client, 7), "name", None) == "busy"
        assert [r.name for r in await registry.relays(client)] == ["busy"]
    await _clear_registry()


async def test_audio_only_viewers_get_no_video_and_a_stopping_relay_ends_its_presentations(
    booth, recruiter
):
    anna = await database_sync_to_async(factories.user)(name="Anna")
    publisher, listener = Publisher(), Subscriber()
    async with ws_client(recruiter) as rec, ws_client(anna) as a:
        assert (await rec.connect())[0] and (await a.connect())[0]
        async with relay_server():
            offer = {"booth_id": booth.pk, "description": _sdp(await publisher.offer())}
            await publisher.pc.setRemoteDescription(
                _answer(await request(rec, "presentation.publish", offer))
            )
            watch = {
                "booth_id": booth.pk,
                "description": _sdp(await listener.offer()),
                "audio_only": True,
            }
            await listener.accept(_answer(await request(a, "presentation.watch", watch)))
            assert await wait_until(lambda: listener.audio.frames >= 20, 15)
            assert listener.video.frames == 0
        ended = await next_event(a, "presentation.ended")
        assert ended == {"booth_id": booth.pk, "reason": "relay_stopped"}
        async with registry.connect() as client:
            assert await registry.relays(client) == []
    await publisher.close()
    await listener.close()


async def test_a_silent_relay_is_answered_with_no_relay(booth, recruiter, settings):
    settings.MEDIA_RELAY_REPLY_TIMEOUT = 1
    await _clear_registry()
    async with registry.connect() as client:  # registered, but nobody reads its channel
        await client.hset(
            registry.process_key("mute"),
            mapping={"channel": registry.channel_for("mute"), "viewers": 0, "max_viewers": 5},
        )
        await client.sadd(registry.PROCESSES, "mute")
    publisher = Publisher()
    async with ws_client(recruiter) as rec:
        assert (await rec.connect())[0]
        offer = {"booth_id": booth.pk, "description": _sdp(await publisher.offer())}
        reply = await request(rec, "presentation.publish", offer)
        assert reply["error"]["code"] == "presentation.no_relay"
    await publisher.close()
    await _clear_registry()


async def test_a_publisher_that_never_connects_ends_its_presentation(booth, recruiter):
    anna = await database_sync_to_async(factories.user)(name="Anna")
    publisher = Publisher()
    async with relay_server() as server, ws_client(recruiter) as rec, ws_client(anna) as a:
        server.connect_timeout = 1.0
        assert (await rec.connect())[0] and (await a.connect())[0]
        await request(a, "presentation.follow", {"booth_id": booth.pk})
        offer = {"booth_id": booth.pk, "description": _sdp(await publisher.offer())}
        assert (await request(rec, "presentation.publish", offer))["ok"]  # answer never applied
        ended = await next_event(a, "presentation.ended")
        assert ended["reason"] == "publisher_left"
    await publisher.close()


async def test_two_relays_share_the_booths_and_each_booth_stays_on_its_own(recruiter, booth):
    other_booth = await database_sync_to_async(factories.booth)(fair_=booth.fair)
    other_recruiter = await database_sync_to_async(factories.member)(
        other_booth.employer.organisation, Membership.Role.RECRUITER
    )
    anna = await database_sync_to_async(factories.user)(name="Anna")
    publishers, viewer = [Publisher(), Publisher()], Subscriber()
    await _clear_registry()
    async with (
        relay_server("r1", clear=False),
        relay_server("r2", clear=False),
        ws_client(recruiter) as rec,
        ws_client(other_recruiter) as rec2,
        ws_client(anna) as a,
    ):
        assert (await rec.connect())[0] and (await rec2.connect())[0] and (await a.connect())[0]
        relays = []
        for ws, booth_id, publisher in (
            (rec, booth.pk, publishers[0]),
            (rec2, other_booth.pk, publishers[1]),
        ):
            offer = {"booth_id": booth_id, "description": _sdp(await publisher.offer())}
            reply = await request(ws, "presentation.publish", offer)
            await publisher.pc.setRemoteDescription(_answer(reply))
            relays.append(reply["data"]["relay"])
        assert sorted(relays) == ["r1", "r2"]  # the second went to the idle relay
        watch = {"booth_id": other_booth.pk, "description": _sdp(await viewer.offer())}
        watched = await request(a, "presentation.watch", watch)
        assert watched["data"]["relay"] == relays[1]  # the viewer goes where the booth is pinned
        await viewer.accept(_answer(watched))
        assert await wait_until(lambda: viewer.video.frames >= 10, 15)
        async with registry.connect() as client:
            loads = {r.name: r for r in await registry.relays(client)}
        assert loads[relays[1]].booths == {other_booth.pk: 1}
        assert loads[relays[0]].booths == {booth.pk: 0}
    for publisher in publishers:
        await publisher.close()
    await viewer.close()
