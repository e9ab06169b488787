"""Interview signalling through the full ASGI app on the real Redis layer."""

import pytest
from channels.db import database_sync_to_async

from accounts.models import Membership
from fairplatform.errors import DomainError
from rooms.interviews import interview_end, interview_start
from rooms.models import Attendance, ChatMessage, InterviewSession, Participant
from signaling import groups
from tests import factories
from tests.channels.conftest import ws_client

pytestmark = pytest.mark.django_db(transaction=True)

SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"


async def request(ws, type_, data, id_="r"):
    await ws.send_json_to({"v": 1, "id": id_, "type": type_, "data": data})
    while True:
        frame = await ws.receive_json_from(timeout=5)
        # A frame too large to read gets its error with no id.
        if "event" not in frame and frame.get("id") in (id_, None):
            return frame


async def drain(ws):
    frames = []
    while not await ws.receive_nothing(timeout=0.3):
        frames.append(await ws.receive_json_from())
    return frames


async def next_event(ws, name):
    while True:
        frame = await ws.receive_json_from(timeout=5)
        if frame.get("event") == name:
            return frame["data"]


@pytest.fixture
def call(db):
    employer = factories.employer()
    recruiter = factories.member(employer.organisation, Membership.Role.RECRUITER, name="Rita")
    candidate = factories.user(phone="+393331112222", name="Carlo")
    booth = factories.booth(employer_=employer)
    session = interview_start(actor=recruiter, candidate=candidate, booth=booth)
    return session, recruiter, candidate


async def test_offer_answer_and_candidates_reach_only_the_addressee(call):
    session, recruiter, candidate = call
    guest = await database_sync_to_async(factories.user)(name="Gina")
    await database_sync_to_async(Participant.objects.create)(
        session=session, user=guest, role="guest"
    )
    async with ws_client(recruiter) as rec, ws_client(candidate) as cand, ws_client(guest) as third:
        assert (await rec.connect())[0] and (await cand.connect())[0] and (await third.connect())[0]
        assert (await request(third, "interview.join", {"session_id": session.pk}))["ok"]
        joined = await request(
            rec, "interview.join", {"session_id": session.pk, "device": "desktop"}
        )
        assert joined["ok"], joined
        assert joined["data"]["me"] == recruiter.pk
        assert {p["user_id"] for p in joined["data"]["participants"]} == {
            recruiter.pk,
            candidate.pk,
            guest.pk,
        }
        assert (
            await request(cand, "interview.join", {"session_id": session.pk, "device": "phone"})
        )["ok"]
        presence = await next_event(rec, "interview.presence")
        # Sockets subscribe before their join commits: their own and the guest's may come first.
        while presence["user_id"] != candidate.pk:
            presence = await next_event(rec, "interview.presence")
        assert (presence["user_id"], presence["state"], presence["device"]) == (
            candidate.pk,
            "joined",
            "phone",
        )

        offer = {"type": "offer", "sdp": SDP}
        sent = await request(
            rec,
            "rtc.description",
            {"session_id": session.pk, "to": candidate.pk, "description": offer},
        )
        assert sent["ok"], sent
        relayed = await next_event(cand, "rtc.description")
        assert relayed == {"session_id": session.pk, "sender": recruiter.pk, "description": offer}

        candidate_line = {
            "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
            "sdpMid": "0",
            "sdpMLineIndex": 0,
        }
        assert (
            await request(
                cand,
                "rtc.candidate",
                {"session_id": session.pk, "to": recruiter.pk, "candidate": candidate_line},
            )
        )["ok"]
        got = await next_event(rec, "rtc.candidate")
        assert got["sender"] == candidate.pk
        assert got["candidate"]["candidate"] == candidate_line["candidate"]
        assert await cand.receive_nothing(timeout=0.2)
        overheard = [f for f in await drain(third) if f.get("event", "").startswith("rtc.")]
        assert overheard == []

    refreshed = await database_sync_to_async(InterviewSession.objects.get)(pk=session.pk)
    assert refreshed.state == InterviewSession.State.LIVE
    assert await database_sync_to_async(Attendance.objects.filter(session=session).count)() == 3


@pytest.mark.parametrize(
    ("type_", "data", "code"),
    [
        (
            "rtc.description",
            {"to": 1, "description": {"type": "offer", "sdp": "hello"}},
            "protocol.invalid",
        ),
        (
            "rtc.description",
            {"to": 1, "description": {"type": "offer", "sdp": "v=0\n" + "a" * 70_000}},
            "protocol.too_large",
        ),
        ("rtc.candidate", {"to": 1, "candidate": {"candidate": "x" * 1100}}, "protocol.invalid"),
        (
            "rtc.candidate",
            {"to": 1, "candidate": {"candidate": "not-a-candidate"}},
            "protocol.invalid",
        ),
        ("interview.chat", {"text": "x" * 2001}, "protocol.invalid"),
    ],
    ids=["malformed-sdp", "sdp-over-64k", "candidate-over-1k", "bad-candidate", "chat-too-long"],
)
async def test_bad_signalling_is_refused_with_a_code_and_the_call_goes_on(call, type_, data, code):
    session, recruiter, candidate = call
    async with ws_client(recruiter) as rec, ws_client(candidate) as cand:
        assert (await rec.connect())[0] and (await cand.connect())[0]
        await request(rec, "interview.join", {"session_id": session.pk})
        await request(cand, "interview.join", {"session_id": session.pk})
        reply = await request(rec, type_, {"session_id": session.pk, **data}, id_="bad")
        assert reply["ok"] is False
        assert reply["error"]["code"] == code
        assert not [f for f in await drain(cand) if f.get("event", "").startswith("rtc.")]
        good = await request(
            rec, "interview.chat", {"session_id": session.pk, "text": "ancora qui"}, id_="ok"
        )
        assert good["ok"] is True


async def test_strangers_unknown_calls_and_unjoined_sockets_are_refused(call, groups_joined):
    session, recruiter, _candidate = call
    stranger = await database_sync_to_async(factories.user)(name="Stranger")
    async with ws_client(stranger) as ws:
        assert (await ws.connect())[0]
        for session_id in (session.pk, 999_999):
            reply = await request(ws, "interview.join", {"session_id": session_id})
            assert reply["error"]["code"] == "interview.not_found"
        # Not even for the moment the refusal takes: the call's events are not theirs.
        call_groups = {groups.interview(session.pk), groups.interview_user(session.pk, stranger.pk)}
        assert call_groups.isdisjoint(groups_joined)
        relay = await request(
            ws,
            "rtc.description",
            {
                "session_id": session.pk,
                "to": recruiter.pk,
                "description": {"type": "offer", "sdp": SDP},
            },
        )
        assert relay["error"]["code"] == "interview.not_joined"


async def test_an_ended_call_refuses_joins_and_stops_relaying(call):
    session, recruiter, candidate = call
    async with ws_client(recruiter) as rec, ws_client(candidate) as cand:
        assert (await rec.connect())[0] and (await cand.connect())[0]
        await request(rec, "interview.join", {"session_id": session.pk})
        await request(cand, "interview.join", {"session_id": session.pk})
        refused = await request(cand, "interview.end", {"session_id": session.pk}, id_="end1")
        assert refused["error"]["code"] == "permission.denied"
        ended = await request(rec, "interview.end", {"session_id": session.pk}, id_="end2")
        assert ended["data"]["state"] == "ended"
        assert (await next_event(cand, "interview.ended"))["state"] == "ended"
        after = await request(
            cand,
            "rtc.description",
            {
                "session_id": session.pk,
                "to": recruiter.pk,
                "description": {"type": "offer", "sdp": SDP},
            },
            id_="late",
        )
        assert after["error"]["code"] == "interview.not_joined"
        rejoin = await request(cand, "interview.join", {"session_id": session.pk}, id_="rejoin")
        assert rejoin["error"]["code"] == "interview.closed"


def test_a_fifth_person_cannot_take_part(call):
    _session, recruiter, candidate = call
    guests = [factories.user() for _ in range(3)]
    with pytest.raises(DomainError) as refused:
        interview_start(actor=recruiter, candidate=candidate, guests=guests, booth=_session.booth)
    assert refused.value.code == "interview.full"
    assert InterviewSession.objects.count() == 1


async def test_chat_is_stored_and_a_reconnect_gets_the_transcript_and_reconnecting_presence(call):
    session, recruiter, candidate = call
    async with ws_client(recruiter) as rec:
        assert (await rec.connect())[0]
        await request(rec, "interview.join", {"session_id": session.pk})
        async with ws_client(candidate) as cand:
            assert (await cand.connect())[0]
            await request(cand, "interview.join", {"session_id": session.pk})
            posted = await request(
                cand, "interview.chat", {"session_id": session.pk, "text": "  Buongiorno!  "}
            )
            assert posted["ok"]
            chat = await next_event(rec, "interview.chat")
            assert (chat["user_id"], chat["text"]) == (candidate.pk, "Buongiorno!")
        dropped = await next_event(rec, "interview.presence")
        while dropped["state"] == "joined":
            dropped = await next_event(rec, "interview.presence")
        assert (dropped["user_id"], dropped["state"]) == (candidate.pk, "reconnecting")

        async with ws_client(candidate) as again:
            assert (await again.connect())[0]
            rejoined = await request(again, "interview.join", {"session_id": session.pk})
            assert [m["text"] for m in rejoined["data"]["chat"]] == ["Buongiorno!"]
            back = await next_event(rec, "interview.presence")
            assert (back["user_id"], back["state"]) == (candidate.pk, "joined")
    assert await database_sync_to_async(ChatMessage.objects.filter(session=session).count)() == 1


def test_turn_credentials_follow_the_coturn_rest_scheme(settings):
    from signaling.turn import ice_servers_for, turn_credentials

    settings.TURN_SECRET = "s3cret"
    settings.TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
    settings.TURN_CREDENTIAL_TTL_SECONDS = 600
    # Known answer, from: printf '1000600:42' | openssl dgst -sha1 -hmac s3cret -binary | base64
    assert turn_credentials(42, now=1_000_000) == ("1000600:42", "asdyBzi6wWIe+oI808LEWrjR/vc=")
    [server] = ice_servers_for(42)
    assert server["urls"] == settings.TURN_URLS
    assert server["username"].endswith(":42")


def test_ended_sessions_close_every_open_attendance(call):
    session, recruiter, _candidate = call
    from rooms.interviews import interview_join

    interview_join(actor=recruiter, session_id=session.pk, device="desktop")
    interview_end(actor=recruiter, session_id=session.pk)
    assert not Attendance.objects.filter(session=session, left_at__isnull=True).exists()


async def test_joining_in_a_second_window_moves_the_call_there(call):
    session, recruiter, candidate = call
    join = {"session_id": session.pk, "device": "phone"}
    async with (
        ws_client(recruiter) as rec,
        ws_client(candidate) as first,
        ws_client(candidate) as second,
    ):
        assert (
            (await rec.connect())[0] and (await first.connect())[0] and (await second.connect())[0]
        )
        assert (await request(rec, "interview.join", {**join, "device": "desktop"}))["ok"]
        assert (await request(first, "interview.join", join))["ok"]
        assert (await request(second, "interview.join", join))["ok"]

        assert await next_event(first, "interview.moved") == {"session_id": session.pk}
        offer = {"type": "offer", "sdp": SDP}
        to_candidate = {"session_id": session.pk, "to": candidate.pk, "description": offer}
        assert (await request(rec, "rtc.description", to_candidate))["ok"]
        assert (await next_event(second, "rtc.description"))["sender"] == recruiter.pk
        left_behind = [f.get("event") for f in await drain(first)]
        assert "rtc.description" not in left_behind
        assert "interview.moved" not in [f.get("event") for f in await drain(second)]
        refused = await request(first, "rtc.description", {**to_candidate, "to": recruiter.pk})
        assert refused["error"]["code"] == "interview.not_joined"

    open_stretches = Attendance.objects.filter(session=session, user=candidate, left_at=None)
    assert await database_sync_to_async(open_stretches.count)() == 0  # both sockets closed now
