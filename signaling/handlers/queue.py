"""Booth queues over the socket: thin calls into rooms.queues; live state from rooms.queue_feed.

Watching subscribes before reading, so a change committed in between is not lost: the page may
see it twice (the reply and an event), never miss it.
"""

from typing import Any

from channels.db import database_sync_to_async

from accounts.models import User
from accounts.permissions import Perm, require
from rooms import queues
from rooms.models import QueueEntry
from rooms.queue_feed import entry_changed, position_for, queue_line, queue_snapshot
from rooms.selectors import access_booth
from signaling import groups
from signaling.handlers import Connection, command, database_command
from signaling.protocol import (
    QueueAnswer,
    QueueCall,
    QueueCallNext,
    QueueConsole,
    QueueJoin,
    QueueLeave,
    QueueMine,
    QueuePause,
    QueueRemove,
    QueueSkip,
    QueueUnwatch,
    QueueWatch,
)


def _state_for(user: User, booth_id: int) -> dict[str, Any]:
    """The line as this user sees it, and their own entry (if any)."""
    snapshot = queue_snapshot(booth_id=booth_id)
    entry = (
        QueueEntry.objects.select_related("booth__employer")
        .filter(booth_id=booth_id, candidate=user, state__in=QueueEntry.ACTIVE_STATES)
        .first()
    )
    return {
        "position": position_for(snapshot, user.pk).model_dump(mode="json"),
        "entry": entry_changed(entry).model_dump(mode="json") if entry else None,
    }


@command("queue.watch")
async def watch(conn: Connection, payload: QueueWatch) -> dict[str, Any]:
    # Like the console: checked, subscribed, then the state read (and checked) again.
    await database_sync_to_async(access_booth)(actor=conn.user, booth_id=payload.booth_id)
    await conn.join_group(groups.queue(payload.booth_id))
    try:
        state: dict[str, Any] = await database_sync_to_async(_watch)(conn.user, payload.booth_id)
    except Exception:
        await conn.leave_group(groups.queue(payload.booth_id))
        raise
    return state


@command("queue.unwatch")
async def unwatch(conn: Connection, payload: QueueUnwatch) -> dict[str, Any]:
    await conn.leave_group(groups.queue(payload.booth_id))
    return {"booth_id": payload.booth_id}


@database_command("queue.join")
def join(user: User, payload: QueueJoin) -> dict[str, Any]:
    entry = queues.queue_join(
        actor=user, booth_id=payload.booth_id, vacancy_id=payload.vacancy_id, note=payload.note
    )
    return _state_for(user, entry.booth_id)


def _entry_reply(entry: QueueEntry) -> dict[str, Any]:
    return entry_changed(entry).model_dump(mode="json")


@database_command("queue.leave")
def leave(user: User, payload: QueueLeave) -> dict[str, Any]:
    return _entry_reply(queues.queue_leave(actor=user, entry_id=payload.entry_id))


@database_command("queue.answer")
def answer(user: User, payload: QueueAnswer) -> dict[str, Any]:
    session = queues.queue_answer(actor=user, entry_id=payload.entry_id)
    return {"entry_id": payload.entry_id, "session_id": session.pk}


@database_command("queue.mine")
def mine(user: User, _payload: QueueMine) -> dict[str, Any]:
    booth_ids = QueueEntry.objects.filter(
        candidate=user, state__in=QueueEntry.ACTIVE_STATES
    ).values_list("booth_id", flat=True)
    return {"lines": [_state_for(user, booth_id) for booth_id in booth_ids]}


def _watch(user: User, booth_id: int) -> dict[str, Any]:
    booth = access_booth(actor=user, booth_id=booth_id)
    return _state_for(user, booth.pk)


def authorise_console(user: User, booth_id: int) -> None:
    require(user, Perm.BOOTH_EDIT, access_booth(actor=user, booth_id=booth_id))


def _console(user: User, booth_id: int) -> dict[str, Any]:
    authorise_console(user, booth_id)
    return queue_line(snapshot=queue_snapshot(booth_id=booth_id)).model_dump(mode="json")


@command("queue.console")
async def console(conn: Connection, payload: QueueConsole) -> dict[str, Any]:
    # Checked before subscribing, as nothing of the line may reach a stranger's socket, and
    # again with the snapshot taken after it, so no change between the two is lost.
    await database_sync_to_async(authorise_console)(conn.user, payload.booth_id)
    await conn.join_group(groups.queue_staff(payload.booth_id))
    try:
        line: dict[str, Any] = await database_sync_to_async(_console)(conn.user, payload.booth_id)
    except Exception:
        await conn.leave_group(groups.queue_staff(payload.booth_id))
        raise
    return line


@database_command("queue.call_next")
def call_next(user: User, payload: QueueCallNext) -> dict[str, Any]:
    return _entry_reply(
        queues.queue_call_next(actor=user, booth_id=payload.booth_id, vacancy_id=payload.vacancy_id)
    )


@database_command("queue.call")
def call(user: User, payload: QueueCall) -> dict[str, Any]:
    return _entry_reply(queues.queue_call(actor=user, entry_id=payload.entry_id))


@database_command("queue.skip")
def skip(user: User, payload: QueueSkip) -> dict[str, Any]:
    return _entry_reply(queues.queue_skip(actor=user, entry_id=payload.entry_id))


@database_command("queue.remove")
def remove(user: User, payload: QueueRemove) -> dict[str, Any]:
    return _entry_reply(queues.queue_remove(actor=user, entry_id=payload.entry_id))


@database_command("queue.pause")
def pause(user: User, payload: QueuePause) -> dict[str, Any]:
    booth = queues.queue_pause(actor=user, booth_id=payload.booth_id, paused=payload.paused)
    return {"booth_id": booth.pk, "paused": booth.queue_paused}
