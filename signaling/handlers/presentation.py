"""Booth presentations over the socket: permission checks here, media in a relay process.

Publish and watch are forwarded (channel_layer.send) to the relay the booth is pinned to in Redis
(`signaling.media.registry`); the relay answers to this socket's channel with a `relay.reply`,
which the consumer turns into the command's one reply (`finish`). The socket remembers what it
publishes or watches (`conn.presentations`), so leaving, questions and the disconnect need no
database.
"""

from typing import Any

from channels.db import database_sync_to_async
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import Perm, require
from fairplatform.errors import DomainError
from rooms.selectors import access_booth
from signaling import bus, groups
from signaling.handlers import DEFERRED, Connection, command
from signaling.media import registry
from signaling.protocol import (
    PresentationCandidate,
    PresentationEnd,
    PresentationFollow,
    PresentationHand,
    PresentationHandChanged,
    PresentationLeave,
    PresentationPublish,
    PresentationQuestion,
    PresentationQuestionAsked,
    PresentationWatch,
)

PUBLISHER, VIEWER = "publisher", "viewer"


def _no_relay() -> DomainError:
    return DomainError(
        "presentation.no_relay", _("The presentation service is not available; try again later.")
    )


def _not_live() -> DomainError:
    return DomainError("presentation.not_live", _("This booth is not presenting now."))


def _full() -> DomainError:
    return DomainError(
        "presentation.full",
        _("The presentation is full. Try again in a few minutes, or join the line."),
    )


def _can_see(user: User, booth_id: int) -> int:
    return access_booth(actor=user, booth_id=booth_id).pk


def _can_present(user: User, booth_id: int) -> int:
    booth = access_booth(actor=user, booth_id=booth_id)
    require(user, Perm.BOOTH_EDIT, booth)
    return booth.pk


async def _forward(conn: Connection, channel: str, op: str, booth_id: int, **data: Any) -> None:
    message = {
        "type": "relay.request",
        "op": op,
        "booth_id": booth_id,
        "viewer_id": conn.channel_name,
        "reply_to": conn.channel_name,
        "request_id": conn.request_id,
        **data,
    }
    await conn.channel_layer.send(channel, message)


async def _pinned(booth_id: int) -> registry.RelayLoad | None:
    try:
        async with registry.connect() as client:
            return await registry.pinned(client, booth_id)
    except LookupError:
        return None


@command("presentation.follow")
async def follow(conn: Connection, payload: PresentationFollow) -> dict[str, Any]:
    await database_sync_to_async(_can_see)(conn.user, payload.booth_id)
    await conn.join_group(groups.presentation(payload.booth_id))
    load = await _pinned(payload.booth_id)
    live = load is not None and payload.booth_id in load.booths
    return {
        "booth_id": payload.booth_id,
        "live": live,
        "viewers": load.booths.get(payload.booth_id, 0) if load else 0,
        "max_viewers": load.max_viewers if load else 0,
    }


@command("presentation.publish")
async def publish(conn: Connection, payload: PresentationPublish) -> dict[str, Any]:
    booth_id = await database_sync_to_async(_can_present)(conn.user, payload.booth_id)
    if conn.presentations.get(booth_id, ("", ""))[0] == PUBLISHER:
        raise DomainError("presentation.already_live", _("You are already presenting."))
    try:
        async with registry.connect() as client:
            load = await registry.pin(client, booth_id)
    except LookupError:
        load = None
    if load is None:
        raise _no_relay()
    conn.defer_reply(_no_relay)
    await _forward(
        conn, load.channel, "publish", booth_id, description=payload.description.model_dump()
    )
    return DEFERRED


@command("presentation.watch")
async def watch(conn: Connection, payload: PresentationWatch) -> dict[str, Any]:
    booth_id = await database_sync_to_async(_can_see)(conn.user, payload.booth_id)
    load = await _pinned(booth_id)
    if load is None:
        raise _not_live()
    if load.full and conn.presentations.get(booth_id) is None:
        raise _full()
    conn.defer_reply(_no_relay)
    await _forward(
        conn,
        load.channel,
        "watch",
        booth_id,
        description=payload.description.model_dump(),
        audio_only=payload.audio_only,
    )
    return DEFERRED


def _joined(conn: Connection, booth_id: int, role: str | None = None) -> str:
    """The relay channel this socket's presentation is on, or presentation.not_watching."""
    record = conn.presentations.get(booth_id)
    if record is None or (role is not None and record[0] != role):
        raise DomainError(
            "presentation.not_watching", _("Open the presentation on this page first.")
        )
    return record[1]


@command("presentation.candidate")
async def candidate(conn: Connection, payload: PresentationCandidate) -> dict[str, Any]:
    channel = _joined(conn, payload.booth_id)
    await _forward(
        conn,
        channel,
        "candidate",
        payload.booth_id,
        role=conn.presentations[payload.booth_id][0],
        candidate=payload.candidate.model_dump(),
        reply_to=None,
    )
    return {}


@command("presentation.leave")
async def leave(conn: Connection, payload: PresentationLeave) -> dict[str, Any]:
    record = conn.presentations.get(payload.booth_id)
    if record is not None and record[0] == VIEWER:
        conn.presentations.pop(payload.booth_id)
        await _forward(conn, record[1], "leave", payload.booth_id, reply_to=None)
    else:
        await stop_publishing(conn, payload.booth_id)
    return {"booth_id": payload.booth_id}


async def stop_publishing(conn: Connection, booth_id: int) -> None:
    """This socket presents no more at the booth: the presentation ends for everyone (as when
    its socket closes), and the viewers' questions and hands stop reaching it."""
    record = conn.presentations.get(booth_id)
    if record is not None and record[0] == PUBLISHER:
        conn.presentations.pop(booth_id)
        await _forward(conn, record[1], "end", booth_id, reason="publisher_left", reply_to=None)
    await conn.leave_group(groups.presentation_staff(booth_id))


@command("presentation.end")
async def end(conn: Connection, payload: PresentationEnd) -> dict[str, Any]:
    booth_id = await database_sync_to_async(_can_present)(conn.user, payload.booth_id)
    load = await _pinned(booth_id)
    if load is None:
        raise _not_live()
    await _forward(conn, load.channel, "end", booth_id, reason="ended", reply_to=None)
    return {"booth_id": booth_id}


@command("presentation.question")
async def question(conn: Connection, payload: PresentationQuestion) -> dict[str, Any]:
    _joined(conn, payload.booth_id, VIEWER)
    await bus.apublish(
        groups.presentation_staff(payload.booth_id),
        "presentation.question",
        PresentationQuestionAsked(
            booth_id=payload.booth_id,
            user_id=conn.user.pk,
            name=conn.user.get_short_name() or _("A viewer"),
            text=payload.text.strip(),
            sent_at=timezone.now().isoformat(),
        ),
    )
    return {"booth_id": payload.booth_id}


@command("presentation.hand")
async def hand(conn: Connection, payload: PresentationHand) -> dict[str, Any]:
    _joined(conn, payload.booth_id, VIEWER)
    await bus.apublish(
        groups.presentation_staff(payload.booth_id),
        "presentation.hand",
        PresentationHandChanged(
            booth_id=payload.booth_id,
            user_id=conn.user.pk,
            name=conn.user.get_short_name() or _("A viewer"),
            raised=payload.raised,
        ),
    )
    return {"booth_id": payload.booth_id, "raised": payload.raised}


async def finish(conn: Connection, message: dict[str, Any]) -> None:
    """A relay's answer to this socket: remember what it now publishes or watches."""
    if not message["ok"]:
        return
    booth_id, channel = int(message["booth_id"]), registry.channel_for(message["relay"])
    if message["op"] == "publish":
        conn.presentations[booth_id] = (PUBLISHER, channel)
        await conn.join_group(groups.presentation_staff(booth_id))
    elif message["op"] == "watch":
        conn.presentations[booth_id] = (VIEWER, channel)
        await conn.join_group(groups.presentation(booth_id))  # to hear that it ended


async def abandoned(conn: Connection, message: dict[str, Any]) -> None:
    """A relay answered after the socket gave up waiting: the page never got the answer, so
    whatever the relay set up for it is undone."""
    if not message["ok"] or message["op"] not in ("publish", "watch"):
        return
    op = "end" if message["op"] == "publish" else "leave"
    channel = registry.channel_for(message["relay"])
    await _forward(conn, channel, op, int(message["booth_id"]), reason="ended", reply_to=None)


async def disconnected(conn: Connection) -> None:
    """The socket closed: its viewers leave; a presenter's presentation ends for everyone."""
    for booth_id, (role, channel) in list(conn.presentations.items()):
        if role == PUBLISHER:
            await _forward(conn, channel, "end", booth_id, reason="publisher_left", reply_to=None)
        else:
            await _forward(conn, channel, "leave", booth_id, reply_to=None)
    conn.presentations.clear()
