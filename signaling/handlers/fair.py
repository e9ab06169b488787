from typing import Any

from channels.db import database_sync_to_async

from accounts.models import User
from accounts.permissions import Perm, can
from rooms.models import Fair
from rooms.selectors import access_fair
from signaling import groups
from signaling.handlers import Connection, command
from signaling.protocol import FairUnwatch, FairWatch


def _watched(user: User, fair_id: int) -> tuple[Fair, bool]:
    fair = access_fair(actor=user, fair_id=fair_id)
    return fair, can(user, Perm.FAIR_MANAGE, fair)


@command("fair.watch")
async def watch(conn: Connection, payload: FairWatch) -> dict[str, Any]:
    fair, manages = await database_sync_to_async(_watched)(conn.user, payload.fair_id)
    await conn.join_group(groups.fair(fair.pk))
    if manages:
        # Every booth's line in numbers changes often: only the fair's organisers follow it.
        await conn.join_group(groups.fair_staff(fair.pk))
    return {"fair_id": fair.pk, "status": fair.status}


@command("fair.unwatch")
async def unwatch(conn: Connection, payload: FairUnwatch) -> dict[str, Any]:
    await conn.leave_group(groups.fair(payload.fair_id))
    await conn.leave_group(groups.fair_staff(payload.fair_id))
    return {"fair_id": payload.fair_id}
