"""aiortc peers that publish to and watch a relay: used by the tests and by `bench/relay.py`."""

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiortc import (
    AudioStreamTrack,
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame


class MovingPattern(VideoStreamTrack):
    """640x360 at 30 fps with a picture that moves, so the encoder makes real delta frames."""

    def __init__(self, width: int = 640, height: int = 360) -> None:
        super().__init__()
        self.width, self.height = width, height
        row = bytes((x * 7) % 256 for x in range(width))
        self._luma = b"".join(row[y % width :] + row[: y % width] for y in range(height))

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = VideoFrame(width=self.width, height=self.height, format="yuv420p")
        shift = (pts // 3000 * 4) % len(self._luma)
        frame.planes[0].update(self._luma[shift:] + self._luma[:shift])
        for plane in frame.planes[1:]:
            plane.update(b"\x80" * plane.buffer_size)
        frame.pts, frame.time_base = pts, time_base
        return frame


def loopback_configuration() -> RTCConfiguration:
    return RTCConfiguration(iceServers=[])  # an empty list: None would add a public STUN server


class Publisher:
    def __init__(self, *, audio: bool = True, video: MediaStreamTrack | None = None) -> None:
        self.pc = RTCPeerConnection(loopback_configuration())
        self.pc.addTrack(video or MovingPattern())
        if audio:
            self.pc.addTrack(AudioStreamTrack())

    async def offer(self) -> RTCSessionDescription:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        description: RTCSessionDescription = self.pc.localDescription
        return description

    async def close(self) -> None:
        await self.pc.close()


@dataclass
class Received:
    frames: int = 0
    first_at: float | None = None
    size: tuple[int, int] | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)


class Subscriber:
    """Receives audio and video from the relay and decodes them (here, decoding is wanted)."""

    def __init__(self) -> None:
        self.pc = RTCPeerConnection(loopback_configuration())
        self.pc.addTransceiver("video", direction="recvonly")
        self.pc.addTransceiver("audio", direction="recvonly")
        self.video = Received()
        self.audio = Received()
        self.started = time.monotonic()
        self._tasks: set[asyncio.Task[None]] = set()

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            received = self.video if track.kind == "video" else self.audio
            task = asyncio.ensure_future(self._count(track, received))
            self._tasks.add(task)

    async def offer(self) -> RTCSessionDescription:
        self.started = time.monotonic()
        await self.pc.setLocalDescription(await self.pc.createOffer())
        description: RTCSessionDescription = self.pc.localDescription
        return description

    async def accept(self, answer: RTCSessionDescription) -> None:
        await self.pc.setRemoteDescription(answer)

    async def _count(self, track: MediaStreamTrack, received: Received) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                if received.first_at is None:
                    received.first_at = time.monotonic()
                if isinstance(frame, VideoFrame):
                    received.size = (frame.width, frame.height)
                received.frames += 1
        received.ended.set()

    async def close(self) -> None:
        await self.pc.close()
        for task in self._tasks:
            task.cancel()


async def wait_until(predicate: Callable[[], bool], within: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)
    return True
