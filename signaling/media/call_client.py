"""A second implementation of the call protocol: an aiortc peer that joins a call over the socket.

Written from docs/protocol.md alone, it proves the protocol is specified well enough for other
clients (a recording bot, an interpreter's desktop app, the future booth relay). It never makes
offers: browsers offer to every online participant (perfect negotiation), and aiortc cannot roll
back a local offer, so answering only keeps negotiation glare-free.
"""

import asyncio
import contextlib
import itertools
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.sdp import candidate_from_sdp
from av import VideoFrame
from websockets.asyncio.client import ClientConnection, connect

logger = logging.getLogger(__name__)


class MagentaPicture(VideoStreamTrack):
    """A 640x480 magenta picture: the browser can tell this sender's video from any other."""

    # Magenta in BT.601 YUV: a colour no fake camera produces.
    YUV = (105, 212, 234)

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = VideoFrame(width=640, height=480, format="yuv420p")
        for plane, value in zip(frame.planes, self.YUV, strict=True):
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts = pts
        frame.time_base = time_base
        return frame


@dataclass
class Peer:
    pc: RTCPeerConnection
    # Candidates can overtake the offer they belong to; they wait for it here.
    pending_candidates: list[dict[str, Any]] = field(default_factory=list)
    has_offer: bool = False
    frames_received: int = 0


class CallClient:
    def __init__(self, ws_url: str, session_cookie: str, session_id: int, *, origin: str) -> None:
        self.ws_url = ws_url
        self.cookie = session_cookie
        self.session_id = session_id
        self.origin = origin
        self.peers: dict[int, Peer] = {}
        self.me: int | None = None
        self.ice_servers: list[RTCIceServer] = []
        self._ids = itertools.count(1)
        self._ws: ClientConnection | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def frames_from(self, user_id: int) -> int:
        peer = self.peers.get(user_id)
        return peer.frames_received if peer else 0

    async def run(self, joined: asyncio.Event) -> None:
        async with connect(
            self.ws_url,
            origin=self.origin,  # type: ignore[arg-type]
            additional_headers={"Cookie": f"sessionid={self.cookie}"},
        ) as ws:
            self._ws = ws
            await self._send("interview.join", {"session_id": self.session_id, "device": "desktop"})
            try:
                async for raw in ws:
                    frame = json.loads(raw)
                    if frame.get("ok") is True and "participants" in frame.get("data", {}):
                        self._on_joined(frame["data"])
                        joined.set()
                    elif frame.get("ok") is False:
                        logger.warning("refused: %s", frame["error"])
                    elif "event" in frame:
                        await self._on_event(frame["event"], frame["data"])
            finally:
                await self.close()

    async def hang_up(self) -> None:
        """Leave the call (the others see `left`) and close the socket; `run` then returns."""
        if self._ws is not None:
            await self._send("interview.leave", {"session_id": self.session_id})
            await self._ws.close()

    async def close(self) -> None:
        for peer in self.peers.values():
            await peer.pc.close()
        for task in self._tasks:
            task.cancel()

    async def _send(self, type_: str, data: dict[str, Any]) -> None:
        assert self._ws is not None  # noqa: S101  (only called while connected)
        await self._ws.send(
            json.dumps({"v": 1, "id": f"py{next(self._ids)}", "type": type_, "data": data})
        )

    def _on_joined(self, data: dict[str, Any]) -> None:
        self.me = data["me"]
        self.ice_servers = [
            RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
            for s in data["ice_servers"]
        ]

    def _peer(self, user_id: int) -> Peer:
        if user_id not in self.peers:
            pc = RTCPeerConnection(RTCConfiguration(iceServers=self.ice_servers))
            pc.addTrack(MagentaPicture())
            peer = Peer(pc)

            @pc.on("track")
            def on_track(track: MediaStreamTrack) -> None:
                if track.kind == "video":
                    task = asyncio.ensure_future(self._count_frames(peer, track))
                    self._tasks.add(task)

            self.peers[user_id] = peer
        return self.peers[user_id]

    async def _count_frames(self, peer: Peer, track: MediaStreamTrack) -> None:
        with contextlib.suppress(Exception):
            while True:
                await track.recv()
                peer.frames_received += 1

    async def _on_event(self, name: str, data: dict[str, Any]) -> None:
        if data.get("session_id") != self.session_id:
            return
        if name == "rtc.description" and data["description"]["type"] == "offer":
            peer = self._peer(data["sender"])
            offer = RTCSessionDescription(**data["description"])
            await peer.pc.setRemoteDescription(offer)
            peer.has_offer = True
            for candidate in peer.pending_candidates:
                await self._add_candidate(peer, candidate)
            peer.pending_candidates.clear()
            await peer.pc.setLocalDescription(await peer.pc.createAnswer())
            local = peer.pc.localDescription
            await self._send(
                "rtc.description",
                {
                    "session_id": self.session_id,
                    "to": data["sender"],
                    "description": {"type": local.type, "sdp": local.sdp},
                },
            )
        elif name == "rtc.candidate":
            peer = self._peer(data["sender"])
            if not peer.has_offer:
                peer.pending_candidates.append(data["candidate"])
            else:
                await self._add_candidate(peer, data["candidate"])
        elif (
            name == "interview.presence"
            and data["state"] == "left"
            and data["user_id"] in self.peers
        ):
            await self.peers.pop(data["user_id"]).pc.close()
        elif name == "interview.ended":
            assert self._ws is not None  # noqa: S101
            await self._ws.close()

    async def _add_candidate(self, peer: Peer, candidate: dict[str, Any]) -> None:
        line = candidate.get("candidate") or ""
        if not line:
            return
        ice = candidate_from_sdp(line.removeprefix("candidate:"))
        ice.sdpMid = candidate.get("sdpMid")
        ice.sdpMLineIndex = candidate.get("sdpMLineIndex")
        await peer.pc.addIceCandidate(ice)
