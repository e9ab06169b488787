"""Services publish socket events here, after their transaction commits. Imports no domain app."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from signaling.protocol import Strict, event

# Every socket handles this one channel-layer message type and forwards its frame as it is.
PUSH_TYPE = "client.push"


def _message(name: str, payload: Strict, close_interview: int | None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": PUSH_TYPE, "frame": event(name, payload)}
    if close_interview is not None:
        # Sockets stop relaying for this call once they forward the event (consumers.py).
        message["close_interview"] = close_interview
    return message


async def apublish(
    group: str, name: str, payload: Strict, *, close_interview: int | None = None
) -> None:
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(group, _message(name, payload, close_interview))


def publish(group: str, name: str, payload: Strict, *, close_interview: int | None = None) -> None:
    async_to_sync(apublish)(group, name, payload, close_interview=close_interview)


def publish_on_commit(
    group: str, name: str, payload: Strict, *, close_interview: int | None = None
) -> None:
    """Never push state that may still roll back (Zulip's send_event_on_commit)."""
    event(name, payload)  # fail inside the transaction if the payload is wrong
    transaction.on_commit(
        lambda: publish(group, name, payload, close_interview=close_interview), robust=True
    )
