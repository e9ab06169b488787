"""The WebSocket endpoint through the full ASGI app, on the real Redis channel layer."""

import asyncio
import json
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from fairplatform.asgi import application
from rooms.models import Fair
from rooms.services import fairs_advance_status
from signaling.protocol import ACCOUNT_CHANGED_CLOSE_CODE, SIGNED_OUT_CLOSE_CODE
from tests import factories
from tests.channels.conftest import ws_client

pytestmark = pytest.mark.django_db(transaction=True)


async def request(ws, type_, data=None, id_="r1"):
    await ws.send_json_to({"v": 1, "id": id_, "type": type_, "data": data or {}})
    return await ws.receive_json_from(timeout=5)


@pytest.fixture
def recruiter(db):
    employer = factories.employer("Alfa Software")
    return factories.member(employer.organisation, Membership.Role.RECRUITER, name="Rita Recruiter")


async def test_unauthenticated_socket_is_refused():
    async with ws_client(None) as ws:
        connected, _code = await ws.connect()
        assert not connected


async def test_socket_from_a_foreign_origin_is_refused(recruiter):
    async with ws_client(recruiter, origin=b"https://evil.example") as ws:
        connected, _code = await ws.connect()
        assert not connected


async def test_hello_says_who_i_am(recruiter):
    async with ws_client(recruiter) as ws:
        assert (await ws.connect())[0]
        reply = await request(ws, "session.hello")
    assert reply["ok"] is True
    assert reply["id"] == "r1"
    assert reply["data"]["user"] == {"id": recruiter.pk, "name": "Rita Recruiter"}
    assert reply["data"]["roles"][0]["role"] == "recruiter"


async def test_bad_frames_get_error_codes_and_the_socket_survives(recruiter):
    async with ws_client(recruiter, query="lang=en") as ws:
        assert (await ws.connect())[0]
        await ws.send_to(text_data="{not json")
        assert (await ws.receive_json_from())["error"]["code"] == "protocol.invalid_json"

        big = json.dumps(
            {"v": 1, "id": "big", "type": "session.hello", "data": {"x": "a" * 70_000}}
        )
        await ws.send_to(text_data=big)
        too_large = await ws.receive_json_from()
        # Refused unread, but with its id: the page's request is answered, not left waiting.
        assert (too_large["id"], too_large["error"]["code"]) == ("big", "protocol.too_large")

        unknown = await request(ws, "queue.teleport", id_="u1")
        assert unknown == {
            "v": 1,
            "id": "u1",
            "ok": False,
            "error": {"code": "protocol.unknown_type", "message": "Unknown type 'queue.teleport'."},
        }
        bad_payload = await request(ws, "fair.watch", {"fair_id": -3}, id_="b1")
        assert bad_payload["error"]["code"] == "protocol.invalid"

        still_alive = await request(ws, "session.hello", id_="after")
        assert still_alive["ok"] is True


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("lang=it", "Questa fiera non esiste o non è ancora pubblica."),
        ("lang=en", "This fair does not exist or is not public yet."),
        ("lang=xx", "This fair does not exist or is not public yet."),  # the person's own: en
    ],
)
async def test_refusals_are_worded_in_the_pages_language(recruiter, query, message):
    recruiter.preferred_language = "en"
    await database_sync_to_async(recruiter.save)()
    async with ws_client(recruiter, query=query) as ws:
        assert (await ws.connect())[0]
        reply = await request(ws, "fair.watch", {"fair_id": 999_999})
    assert reply["error"] == {"code": "fair.not_found", "message": message}


async def test_draft_fair_cannot_be_watched_by_an_outsider(recruiter):
    draft = await database_sync_to_async(factories.fair)(status=Fair.Status.DRAFT)
    async with ws_client(recruiter) as ws:
        assert (await ws.connect())[0]
        reply = await request(ws, "fair.watch", {"fair_id": draft.pk})
    assert reply["ok"] is False
    assert reply["error"]["code"] == "fair.not_found"


async def test_fair_status_change_reaches_watchers_after_an_idle_spell(recruiter):
    """Idle longer than redis-py 8's 5 s default socket timeout, then get a pushed event."""
    now = timezone.now()
    fair = await database_sync_to_async(factories.fair)(
        starts_at=now + timedelta(seconds=1), ends_at=now + timedelta(hours=2)
    )
    async with ws_client(recruiter) as ws:
        assert (await ws.connect())[0]
        watched = await request(ws, "fair.watch", {"fair_id": fair.pk})
        assert watched["data"] == {"fair_id": fair.pk, "status": "published"}

        await asyncio.sleep(6.5)
        assert await ws.receive_nothing(timeout=0.1)
        assert await database_sync_to_async(fairs_advance_status)() == 1

        pushed = await ws.receive_json_from(timeout=5)
    assert pushed == {
        "v": 1,
        "event": "fair.status_changed",
        "data": {"fair_id": fair.pk, "status": "live"},
    }


async def test_flooding_a_socket_is_rate_limited(recruiter, settings):
    settings.WS_RATE_LIMIT_BURST = 5
    settings.WS_RATE_LIMIT_PER_SECOND = 1
    async with ws_client(recruiter) as ws:
        assert (await ws.connect())[0]
        codes, ids = [], []
        for n in range(60):
            await ws.send_json_to({"v": 1, "id": f"f{n}", "type": "session.hello"})
        for _ in range(60):
            reply = await ws.receive_json_from(timeout=5)
            codes.append(reply.get("error", {}).get("code"))
            ids.append(reply["id"])
    assert codes[:5] == [None] * 5
    assert ids == [f"f{n}" for n in range(60)]
    # The burst, plus at most a token or two refilled while the 60 frames were sent.
    assert 53 <= codes.count("protocol.rate_limited") <= 55


async def test_recruiter_edits_own_booth_but_not_another_employers_over_the_socket(recruiter):
    def make_booths():
        fair = factories.fair()
        own = factories.booth(
            fair_=fair, employer_=recruiter.memberships.get().organisation.employer
        )
        other = factories.booth(fair_=fair, employer_=factories.employer("Beta Digital"))
        return own, other

    own, other = await database_sync_to_async(make_booths)()
    async with ws_client(recruiter) as ws:
        assert (await ws.connect())[0]
        allowed = await request(ws, "booth.update", {"booth_id": own.pk, "headline": "Ciao"})
        refused = await request(
            ws, "booth.update", {"booth_id": other.pk, "headline": "Hijacked"}, id_="r2"
        )
    assert allowed["ok"] is True
    assert refused["ok"] is False
    assert refused["error"]["code"] == "permission.denied"
    await database_sync_to_async(other.refresh_from_db)()
    await database_sync_to_async(own.refresh_from_db)()
    assert other.headline == ""
    assert own.headline == "Ciao"


async def test_candidate_cannot_edit_any_booth_over_the_socket():
    def make():
        return factories.user(phone="+393339876543"), factories.booth()

    candidate, booth = await database_sync_to_async(make)()
    async with ws_client(candidate) as ws:
        assert (await ws.connect())[0]
        refused = await request(ws, "booth.update", {"booth_id": booth.pk, "headline": "x"})
    assert refused["error"]["code"] == "permission.denied"


async def test_signing_out_closes_that_sessions_sockets_and_no_other():
    user = await database_sync_to_async(factories.user)()
    async with ws_client(user) as phone, ws_client(user) as laptop:
        assert (await phone.connect())[0] and (await laptop.connect())[0]
        phone_cookie = dict(phone.scope["headers"])[b"cookie"].decode()
        await database_sync_to_async(_sign_out)(phone_cookie)
        closed = await phone.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": SIGNED_OUT_CLOSE_CODE}
        assert (await request(laptop, "session.hello", {}))["ok"]


@pytest.mark.parametrize("change", ["new password", "deactivated", "deleted"])
async def test_an_account_change_closes_every_socket_of_the_person(change):
    user, other = await database_sync_to_async(lambda: (factories.user(), factories.user()))()
    async with ws_client(user) as phone, ws_client(user) as laptop, ws_client(other) as bystander:
        for ws in (phone, laptop, bystander):
            assert (await ws.connect())[0]
        # A sign-in's bookkeeping is no change: the sockets stay.
        user.last_login = timezone.now()
        await database_sync_to_async(user.save)(update_fields=["last_login"])
        assert (await request(phone, "session.hello", {}))["ok"]

        if change == "new password":
            user.set_password("a-new-password-2026")
            await database_sync_to_async(user.save)()
        elif change == "deactivated":
            user.is_active = False
            await database_sync_to_async(user.save)()
        else:
            await database_sync_to_async(user.delete)()

        for ws in (phone, laptop):
            closed = await ws.receive_output(timeout=5)
            assert closed == {"type": "websocket.close", "code": ACCOUNT_CHANGED_CLOSE_CODE}
        assert (await request(bystander, "session.hello", {}))["ok"]
        # Reconnecting with the phone's session is refused at the handshake.
        again = WebsocketCommunicator(application, "/ws/v1/", headers=phone.scope["headers"])
        assert not (await again.connect())[0]
        await again.disconnect()


def _sign_out(cookie: str) -> None:
    name, value = cookie.split("=", 1)
    client = Client()
    client.cookies[name] = value
    assert client.post(reverse("accounts:logout")).status_code == 302
