"""WebRTC signalling relay: no database on this path, only the socket's own record of its calls."""

from typing import Any

from signaling import bus, groups
from signaling.handlers import Connection, command
from signaling.handlers.interview import require_joined
from signaling.protocol import (
    RtcCandidate,
    RtcCandidateRelayed,
    RtcDescription,
    RtcDescriptionRelayed,
)


@command("rtc.description")
async def description(conn: Connection, payload: RtcDescription) -> dict[str, Any]:
    require_joined(conn, payload.session_id)
    await bus.apublish(
        groups.interview_user(payload.session_id, payload.to),
        "rtc.description",
        RtcDescriptionRelayed(
            session_id=payload.session_id, sender=conn.user.pk, description=payload.description
        ),
    )
    return {}


@command("rtc.candidate")
async def candidate(conn: Connection, payload: RtcCandidate) -> dict[str, Any]:
    require_joined(conn, payload.session_id)
    await bus.apublish(
        groups.interview_user(payload.session_id, payload.to),
        "rtc.candidate",
        RtcCandidateRelayed(
            session_id=payload.session_id, sender=conn.user.pk, candidate=payload.candidate
        ),
    )
    return {}
