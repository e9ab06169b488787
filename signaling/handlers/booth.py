from typing import Any

from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError

from accounts.models import User
from fairplatform.errors import DomainError
from rooms.selectors import access_booth
from rooms.services import booth_update
from signaling.handlers import Connection, command
from signaling.protocol import BoothUpdate


def _update(user: User, payload: BoothUpdate) -> dict[str, Any]:
    booth = access_booth(actor=user, booth_id=payload.booth_id)
    try:
        booth = booth_update(actor=user, booth=booth, headline=payload.headline)
    except ValidationError as exc:
        raise DomainError("booth.invalid", " ".join(exc.messages)) from exc
    return {"booth_id": booth.pk, "headline": booth.headline}


@command("booth.update")
async def update(conn: Connection, payload: BoothUpdate) -> dict[str, Any]:
    result: dict[str, Any] = await database_sync_to_async(_update)(conn.user, payload)
    return result
