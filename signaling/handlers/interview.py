from typing import Any

from channels.db import database_sync_to_async
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from fairplatform.errors import DomainError
from rooms import interviews
from rooms.selectors import access_interview
from signaling import bus, groups
from signaling.handlers import Connection, command
from signaling.liveness import web_process
from signaling.protocol import (
    InterviewChat,
    InterviewEnd,
    InterviewJoin,
    InterviewLeave,
    InterviewMedia,
    InterviewMediaChanged,
)
from signaling.turn import ice_servers_for


def _join(user: User, payload: InterviewJoin) -> tuple[int, dict[str, Any]]:
    call = interviews.interview_join(
        actor=user, session_id=payload.session_id, device=payload.device, web_process=web_process()
    )
    return call.attendance.pk, {
        "session_id": call.session.pk,
        "state": call.session.state,
        "me": user.pk,
        "participants": [
            {
                "user_id": seat.user_id,
                "name": seat.user.full_name,
                "role": seat.role,
                "online": seat.user_id in call.online_user_ids,
            }
            for seat in call.participants
        ],
        "ice_servers": ice_servers_for(user.pk),
        "chat": [interviews.chat_event(message).model_dump() for message in call.chat],
    }


def require_joined(conn: Connection, session_id: int) -> int:
    """The attendance id of this socket in that call; signalling without joining is refused."""
    attendance_id = conn.interviews.get(session_id)
    if attendance_id is None:
        raise DomainError("interview.not_joined", _("Join the call on this connection first."))
    return attendance_id


@command("interview.join")
async def join(conn: Connection, payload: InterviewJoin) -> dict[str, Any]:
    # Only a participant subscribes: nothing of the call may reach a stranger's socket. Then
    # subscribed before the join commits, so an event sent meanwhile (the call ending, a chat
    # line) is not lost; a join refused then (the call ended) unsubscribes again.
    await database_sync_to_async(access_interview)(actor=conn.user, session_id=payload.session_id)
    await conn.join_group(groups.interview(payload.session_id))
    await conn.join_group(groups.interview_user(payload.session_id, conn.user.pk))
    try:
        joined: tuple[int, dict[str, Any]] = await database_sync_to_async(_join)(conn.user, payload)
    except Exception:
        if payload.session_id not in conn.interviews:
            await forget(conn, payload.session_id)
        raise
    attendance_id, snapshot = joined
    conn.interviews[payload.session_id] = attendance_id
    return snapshot


async def forget(conn: Connection, session_id: int) -> None:
    conn.interviews.pop(session_id, None)
    await conn.leave_group(groups.interview(session_id))
    await conn.leave_group(groups.interview_user(session_id, conn.user.pk))


@command("interview.leave")
async def leave(conn: Connection, payload: InterviewLeave) -> dict[str, Any]:
    attendance_id = require_joined(conn, payload.session_id)
    await forget(conn, payload.session_id)
    await database_sync_to_async(interviews.interview_leave)(
        actor=conn.user, session_id=payload.session_id, attendance_id=attendance_id, how="left"
    )
    return {"session_id": payload.session_id}


@command("interview.end")
async def end(conn: Connection, payload: InterviewEnd) -> dict[str, Any]:
    session = await database_sync_to_async(interviews.interview_end)(
        actor=conn.user, session_id=payload.session_id
    )
    return {"session_id": session.pk, "state": session.state}


@command("interview.media")
async def media(conn: Connection, payload: InterviewMedia) -> dict[str, Any]:
    require_joined(conn, payload.session_id)
    await bus.apublish(
        groups.interview(payload.session_id),
        "interview.media",
        InterviewMediaChanged(user_id=conn.user.pk, **payload.model_dump()),
    )
    return {}


@command("interview.chat")
async def chat(conn: Connection, payload: InterviewChat) -> dict[str, Any]:
    require_joined(conn, payload.session_id)
    message = await database_sync_to_async(interviews.interview_chat_post)(
        actor=conn.user, session_id=payload.session_id, text=payload.text
    )
    return {"message_id": message.pk}
