"""The relay process: `python manage.py media_relay [--name N] [--max-viewers M]`.

Never inside Daphne. It consumes channel-layer channel `media-relay.<name>` (requests forwarded
by the `presentation.*` handlers), registers itself and its load in Redis with a TTL heartbeat
(`registry.py`), refreshes the pins of the booths it serves, answers each request to the asking
socket's channel (`relay.reply`, turned into the command's reply there) and publishes
`presentation.started/.viewers/.ended` to the booth's group.
"""

import asyncio
import contextlib
import logging
import os
import signal
import socket
from typing import Any, cast

import aioice.ice
from aiortc import RTCSessionDescription
from aiortc.sdp import candidate_from_sdp
from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings

from signaling import groups
from signaling.bus import PUSH_TYPE
from signaling.media import registry
from signaling.media.relay import Relay, RelayRefused
from signaling.protocol import (
    PresentationEnded,
    PresentationStarted,
    PresentationViewers,
    Strict,
    event,
)

logger = logging.getLogger(__name__)
REPLY_TYPE = "relay.reply"
VIEWERS_EVERY = 0.5
# A peer that has not connected this long after its answer never will (its page went away):
# a publisher's presentation ends, a viewer's seat is given back.
CONNECT_TIMEOUT = 30.0


def default_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class RelayServer:
    def __init__(self, *, name: str, max_viewers: int, layer: BaseChannelLayer) -> None:
        self.name = name
        self.channel = registry.channel_for(name)
        self.layer = layer
        self.relay = Relay(max_viewers=max_viewers, on_ended=self._ended)
        self._reasons: dict[int, str] = {}
        self._viewers_sent: dict[int, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self.connect_timeout = CONNECT_TIMEOUT

    async def run(self) -> None:
        # Subscribed before registering: no request can be sent to a channel nobody reads.
        receiving = asyncio.ensure_future(self.layer.receive(self.channel))
        await asyncio.sleep(0)
        await self._heartbeat_once()
        background = [
            asyncio.ensure_future(self._heartbeat()),
            asyncio.ensure_future(self._announce_viewers()),
        ]
        logger.info(
            "media relay %s on %s, up to %d viewers",
            self.name,
            self.channel,
            self.relay.max_viewers,
        )
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            while True:
                done, _ = await asyncio.wait({receiving, stop}, return_when=asyncio.FIRST_COMPLETED)
                if stop in done:
                    break
                self._spawn(self._handle(receiving.result()))
                receiving = asyncio.ensure_future(self.layer.receive(self.channel))
        finally:
            receiving.cancel()
            for task in background:
                task.cancel()
            for booth_id in list(self.relay.presentations):
                self._reasons[booth_id] = "relay_stopped"
            await self.relay.close()
            async with registry.connect() as client:
                await client.delete(registry.process_key(self.name))
                await client.srem(registry.PROCESSES, self.name)

    def stop(self) -> None:
        self._stopping.set()

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- requests --------------------------------------------------------------------------

    async def _handle(self, message: dict[str, Any]) -> None:
        op, booth_id = message.get("op"), int(message["booth_id"])
        try:
            data = await self._do(op, booth_id, message)
        except RelayRefused as exc:
            await self._reply(message, error={"code": exc.code, "message": exc.message})
        except Exception:
            logger.exception("relay %s: %s for booth %s failed", self.name, op, booth_id)
            await self._reply(
                message, error={"code": "server.error", "message": "The relay failed."}
            )
        else:
            await self._reply(message, data=data)

    async def _do(self, op: Any, booth_id: int, message: dict[str, Any]) -> dict[str, Any]:
        viewer_id: str = message["viewer_id"]
        if op == "publish":
            answer = await self.relay.publish(booth_id, _description(message))
            self._viewers_sent[booth_id] = 0
            await self._heartbeat_once()  # the registry shows it live (and pins it) at once
            self._spawn(self._until_connected(booth_id, None))
            await self._publish(
                booth_id,
                "presentation.started",
                PresentationStarted(booth_id=booth_id, max_viewers=self.relay.max_viewers),
            )
            return {"booth_id": booth_id, "description": _json(answer), "relay": self.name}
        if op == "watch":
            _id, answer = await self.relay.watch(
                booth_id,
                _description(message),
                viewer_id,
                audio_only=bool(message.get("audio_only")),
            )
            await self._heartbeat_once()  # the load the next watch is checked against
            self._spawn(self._until_connected(booth_id, viewer_id))
            return {"booth_id": booth_id, "description": _json(answer), "relay": self.name}
        if op == "candidate":
            role_viewer = None if message.get("role") == "publisher" else viewer_id
            pc = self.relay.peer(booth_id, role_viewer)
            line = message["candidate"]
            if pc is not None and line.get("candidate"):
                candidate = candidate_from_sdp(line["candidate"].split(":", 1)[1])
                candidate.sdpMid = line.get("sdpMid")
                candidate.sdpMLineIndex = line.get("sdpMLineIndex")
                await pc.addIceCandidate(candidate)
            return {}
        if op == "leave":
            await self.relay.leave(booth_id, viewer_id)
            return {"booth_id": booth_id}
        if op == "end":
            self._reasons.setdefault(booth_id, message.get("reason", "ended"))
            await self.relay.end(booth_id)
            return {"booth_id": booth_id}
        raise RelayRefused("protocol.invalid", f"unknown relay operation {op!r}")

    async def _until_connected(self, booth_id: int, viewer_id: str | None) -> None:
        pc = self.relay.peer(booth_id, viewer_id)
        await asyncio.sleep(self.connect_timeout)
        if pc is None or pc is not self.relay.peer(booth_id, viewer_id):
            return  # gone already, or replaced (a viewer switching to audio only)
        if pc.connectionState == "connected":
            return
        logger.info("relay %s: booth %s peer %s never connected", self.name, booth_id, viewer_id)
        if viewer_id is None:
            self._reasons.setdefault(booth_id, "publisher_left")
            await self.relay.end(booth_id)
        else:
            await self.relay.leave(booth_id, viewer_id)

    async def _reply(
        self,
        message: dict[str, Any],
        *,
        data: dict[str, Any] | None = None,
        error: dict[str, str] | None = None,
    ) -> None:
        reply_to = message.get("reply_to")
        if not reply_to:
            return
        await self.layer.send(
            reply_to,
            {
                "type": REPLY_TYPE,
                "request_id": message.get("request_id"),
                "op": message.get("op"),
                "booth_id": int(message["booth_id"]),
                "relay": self.name,
                "ok": error is None,
                "data": data or {},
                "error": error,
            },
        )

    # --- the booth's group and Redis -------------------------------------------------------

    async def _publish(self, booth_id: int, name: str, payload: Strict, **extra: Any) -> None:
        message = {"type": PUSH_TYPE, "frame": event(name, payload), **extra}
        await self.layer.group_send(groups.presentation(booth_id), message)

    async def _ended(self, booth_id: int) -> None:
        reason = self._reasons.pop(booth_id, "publisher_left")
        self._viewers_sent.pop(booth_id, None)
        with contextlib.suppress(Exception):
            async with registry.connect() as client:
                if await client.get(registry.pin_key(booth_id)) == self.name:
                    await client.delete(registry.pin_key(booth_id))
        ended = PresentationEnded(booth_id=booth_id, reason=reason)
        # Both groups: staff sockets of the booth and everyone following it.
        for group in (groups.presentation(booth_id), groups.presentation_staff(booth_id)):
            await self.layer.group_send(
                group,
                {
                    "type": PUSH_TYPE,
                    "frame": event("presentation.ended", ended),
                    "close_presentation": booth_id,
                },
            )
        logger.info("relay %s: booth %s ended (%s)", self.name, booth_id, reason)

    async def _pin(self, booth_id: int) -> None:
        async with registry.connect() as client:
            current = await client.get(registry.pin_key(booth_id))
            if current in (None, self.name):
                await client.set(registry.pin_key(booth_id), self.name, ex=registry.PIN_TTL)

    async def _heartbeat_once(self) -> None:
        fields: dict[str, Any] = {
            "channel": self.channel,
            "viewers": self.relay.viewer_count,
            "max_viewers": self.relay.max_viewers,
            "presentations": len(self.relay.presentations),
        }
        for booth_id, presentation in self.relay.presentations.items():
            fields[f"b{booth_id}"] = len(presentation.viewers)
        key = registry.process_key(self.name)
        async with registry.connect() as client, client.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping=cast(Any, fields))
            pipe.expire(key, registry.PROCESS_TTL)
            pipe.sadd(registry.PROCESSES, self.name)
            await pipe.execute()
        for booth_id in list(self.relay.presentations):
            await self._pin(booth_id)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(registry.HEARTBEAT)
            try:
                await self._heartbeat_once()
            except Exception:
                logger.exception("relay %s: heartbeat failed", self.name)

    async def _announce_viewers(self) -> None:
        while True:
            await asyncio.sleep(VIEWERS_EVERY)
            for booth_id, presentation in list(self.relay.presentations.items()):
                count = len(presentation.viewers)
                if self._viewers_sent.get(booth_id) == count:
                    continue
                self._viewers_sent[booth_id] = count
                payload = PresentationViewers(
                    booth_id=booth_id, viewers=count, max_viewers=self.relay.max_viewers
                )
                for group in (groups.presentation(booth_id), groups.presentation_staff(booth_id)):
                    await self._publish_to(group, "presentation.viewers", payload)

    async def _publish_to(self, group: str, name: str, payload: Strict) -> None:
        await self.layer.group_send(group, {"type": PUSH_TYPE, "frame": event(name, payload)})


def _description(message: dict[str, Any]) -> RTCSessionDescription:
    description = message["description"]
    return RTCSessionDescription(sdp=description["sdp"], type=description["type"])


def _json(description: RTCSessionDescription) -> dict[str, str]:
    return {"type": description.type, "sdp": description.sdp}


def offer_only(addresses: list[str]) -> None:
    """Make this process's ICE offer these host addresses (aioice leaves out 127.0.0.1 unless told;
    a production relay may want only its public interface). The relay's process only."""
    if addresses:
        aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: list(addresses)


async def serve(*, name: str, max_viewers: int, addresses: list[str] | None = None) -> None:
    offer_only(list(settings.MEDIA_RELAY_ADDRESSES) if addresses is None else addresses)
    layer = get_channel_layer()
    if layer is None or not hasattr(layer, "group_send"):
        raise RuntimeError("the relay needs the Redis channel layer (set REDIS_URL)")
    server = RelayServer(name=name, max_viewers=max_viewers, layer=layer)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, server.stop)
    await server.run()


if __name__ == "__main__":  # python -m signaling.media.relay_server (same as manage.py media_relay)
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairplatform.settings.local")
    django.setup()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(serve(name=default_name(), max_viewers=settings.MEDIA_RELAY_MAX_VIEWERS))
