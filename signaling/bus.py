"""Services publish socket events here, after their transaction commits. Imports no domain app."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from signaling.protocol import Strict, event

# Every socket handles this one channel-layer message type and forwards its frame as it is.
PUSH_TYPE = "client.push"


def publish(group: str, name: str, payload: Strict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    frame: dict[str, Any] = event(name, payload)
    async_to_sync(layer.group_send)(group, {"type": PUSH_TYPE, "frame": frame})


def publish_on_commit(group: str, name: str, payload: Strict) -> None:
    """Never push state that may still roll back (Zulip's send_event_on_commit)."""
    event(name, payload)  # fail inside the transaction if the payload is wrong
    transaction.on_commit(lambda: publish(group, name, payload), robust=True)
