"""Which web processes are alive. A Daphne killed outright (SIGKILL, out of memory, its host
gone) runs no disconnect handler: the calls its sockets were in would show those people online
for ever. So each process with sockets writes a heartbeat row every WEB_HEARTBEAT_SECONDS (one
write per process, not per socket), attendances name the process holding them, and a beat task
(rooms.interviews.interview_attendance_sweep) drops the people of a process silent for three beats.
"""

import asyncio
import logging
import os
import secrets
import socket
import weakref

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone

from fairplatform.models import WebProcessHeartbeat

logger = logging.getLogger(__name__)

PROCESS_NAME = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
_beats: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]]" = (
    weakref.WeakKeyDictionary()
)


def web_process() -> str:
    """This process's name for attendances, or "" when heartbeats are off."""
    return PROCESS_NAME if settings.WEB_HEARTBEAT_SECONDS else ""


def heartbeat_start() -> None:
    """Start this process's heartbeat, once per event loop; the first socket calls it."""
    if not settings.WEB_HEARTBEAT_SECONDS:
        return
    loop = asyncio.get_running_loop()
    if loop not in _beats:
        _beats[loop] = loop.create_task(_beat(settings.WEB_HEARTBEAT_SECONDS))


def heartbeat_record(process: str) -> None:
    WebProcessHeartbeat.objects.update_or_create(
        process=process, defaults={"seen_at": timezone.now()}
    )


async def _beat(every: int) -> None:
    while True:
        try:
            await database_sync_to_async(heartbeat_record)(PROCESS_NAME)
        except Exception:
            # A database blip must not stop the beat for good: this process would then look
            # dead and its people would drop out of their calls.
            logger.exception("web process heartbeat not recorded; trying again")
        await asyncio.sleep(every)
