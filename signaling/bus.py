"""Services publish socket events here, after their transaction commits. Imports no domain app."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from signaling.protocol import Strict, event

# Every socket handles this one channel-layer message type and forwards its frame as it is.
PUSH_TYPE = "client.push"


def _message(name: str, payload: Strict, marks: dict[str, int | None]) -> dict[str, Any]:
    """Marks that sockets act on (consumers.py): `close_interview`, they stop relaying for that
    call once they forward the event; `superseded_by_attendance`, only sockets in the call on an
    older attendance (the same person's other window) forward it, and stop relaying."""
    message: dict[str, Any] = {"type": PUSH_TYPE, "frame": event(name, payload)}
    message.update({mark: value for mark, value in marks.items() if value is not None})
    return message


async def apublish(
    group: str,
    name: str,
    payload: Strict,
    *,
    close_interview: int | None = None,
    superseded_by_attendance: int | None = None,
) -> None:
    layer = get_channel_layer()
    if layer is not None:
        marks = {
            "close_interview": close_interview,
            "superseded_by_attendance": superseded_by_attendance,
        }
        await layer.group_send(group, _message(name, payload, marks))


def publish(
    group: str,
    name: str,
    payload: Strict,
    *,
    close_interview: int | None = None,
    superseded_by_attendance: int | None = None,
) -> None:
    async_to_sync(apublish)(
        group,
        name,
        payload,
        close_interview=close_interview,
        superseded_by_attendance=superseded_by_attendance,
    )


def publish_on_commit(
    group: str,
    name: str,
    payload: Strict,
    *,
    close_interview: int | None = None,
    superseded_by_attendance: int | None = None,
) -> None:
    """Never push state that may still roll back (Zulip's send_event_on_commit)."""
    event(name, payload)  # fail inside the transaction if the payload is wrong
    transaction.on_commit(
        lambda: publish(
            group,
            name,
            payload,
            close_interview=close_interview,
            superseded_by_attendance=superseded_by_attendance,
        ),
        robust=True,
    )
