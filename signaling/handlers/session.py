from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

from accounts.models import User
from signaling.handlers import Connection, command
from signaling.protocol import PROTOCOL_VERSION, SessionHello


def _roles(user: User) -> list[dict[str, Any]]:
    return [
        {"organisation_id": m.organisation_id, "organisation": m.organisation.name, "role": m.role}
        for m in user.memberships.select_related("organisation")
    ]


@command("session.hello")
async def hello(conn: Connection, _payload: SessionHello) -> dict[str, Any]:
    user = conn.user
    return {
        "protocol": PROTOCOL_VERSION,
        "user": {"id": user.pk, "name": user.full_name},
        "roles": await database_sync_to_async(_roles)(user),
        "limits": {
            "max_message_bytes": settings.WS_MAX_MESSAGE_BYTES,
            "rate_per_second": settings.WS_RATE_LIMIT_PER_SECOND,
        },
    }
