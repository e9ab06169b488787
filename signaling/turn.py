"""ICE servers for a user, with TURN credentials in coturn's REST-API (shared secret) scheme."""

import base64
import hashlib
import hmac
import time
from typing import Any

from django.conf import settings


def turn_credentials(user_id: int, *, now: float | None = None) -> tuple[str, str]:
    """username = "<expiry unix time>:<user id>", credential = base64(HMAC-SHA1(secret, username))."""
    expiry = int(now if now is not None else time.time()) + settings.TURN_CREDENTIAL_TTL_SECONDS
    username = f"{expiry}:{user_id}"
    digest = hmac.new(settings.TURN_SECRET.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers_for(user_id: int) -> list[dict[str, Any]]:
    servers: list[dict[str, Any]] = []
    if settings.STUN_URLS:
        servers.append({"urls": list(settings.STUN_URLS)})
    if settings.TURN_URLS and settings.TURN_SECRET:
        username, credential = turn_credentials(user_id)
        servers.append(
            {"urls": list(settings.TURN_URLS), "username": username, "credential": credential}
        )
    return servers
