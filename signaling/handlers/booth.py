from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import User
from fairplatform.errors import DomainError
from rooms.selectors import access_booth
from rooms.services import booth_update
from signaling.handlers import database_command
from signaling.protocol import BoothUpdate


@database_command("booth.update")
def update(user: User, payload: BoothUpdate) -> dict[str, Any]:
    booth = access_booth(actor=user, booth_id=payload.booth_id)
    try:
        booth = booth_update(actor=user, booth=booth, headline=payload.headline)
    except ValidationError as exc:
        raise DomainError("booth.invalid", " ".join(exc.messages)) from exc
    return {"booth_id": booth.pk, "headline": booth.headline}
