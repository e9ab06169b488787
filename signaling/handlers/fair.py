from typing import Any

from channels.db import database_sync_to_async

from rooms.selectors import access_fair
from signaling import groups
from signaling.handlers import Connection, command
from signaling.protocol import FairUnwatch, FairWatch


@command("fair.watch")
async def watch(conn: Connection, payload: FairWatch) -> dict[str, Any]:
    fair = await database_sync_to_async(access_fair)(actor=conn.user, fair_id=payload.fair_id)
    await conn.join_group(groups.fair(fair.pk))
    return {"fair_id": fair.pk, "status": fair.status}


@command("fair.unwatch")
async def unwatch(conn: Connection, payload: FairUnwatch) -> dict[str, Any]:
    await conn.leave_group(groups.fair(payload.fair_id))
    return {"fair_id": payload.fair_id}
