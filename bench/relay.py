"""CPU and memory of the presentation relay per viewer: forwarding vs aiortc's MediaRelay.

The relay runs in a child process (its CPU, from its own rusage, and RSS are what is measured);
the publisher (640x360, 30 fps VP8) runs here and the viewers in VIEWER_PROCESSES processes of
their own. Viewers count whole frames with the relay's own `FrameAssembler` instead of decoding,
so they keep up with hundreds. Per-viewer cost is the slope between the two lowest viewer counts.
Forwarding then adds viewers until a level is not clean (a viewer below CLEAN_FPS or any frame
lost); on this 2-core machine the viewers' processes give out before the relay does (the
"viewers' CPU" column), so subscribers per relay core are extrapolated from the relay's CPU share
at the largest clean level. Loopback only.
"""

import asyncio
import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import aioice.ice
import aiortc.codecs.vpx
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from av import VideoFrame

from bench._report import report
from signaling.media.forwarding import EncodedFrame, FrameAssembler
from signaling.media.peers import MovingPattern, Publisher, loopback_configuration
from signaling.media.relay import Relay

BOOTH = 1
WINDOW = 5.0
SLOPE_LEVELS = (10, 60)
FORWARD_STEP = 60
MAX_FORWARD_VIEWERS = 600
VIEWER_PROCESSES = 2
MEDIARELAY_LEVELS = (1, 4)
CLEAN_FPS = 27.0


def loopback_only() -> None:
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


def one_megabit_vp8() -> None:
    """Every VP8 encoder in this process (publisher, or MediaRelay's per viewer) at 1 Mb/s CBR,
    whatever REMB says, as in the reference measurements."""
    vpx: Any = aiortc.codecs.vpx
    vpx.DEFAULT_BITRATE = vpx.MIN_BITRATE = vpx.MAX_BITRATE = 1_000_000


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class BusyPattern(MovingPattern):
    """The moving pattern with a strip of fresh noise: enough detail to fill 1 Mb/s."""

    async def recv(self) -> VideoFrame:
        frame = await super().recv()
        luma = frame.planes[0]
        strip = self.width * self.height // 20
        luma.update(os.urandom(strip) + bytes(luma)[strip:])
        return frame


class MediaRelayBaseline:
    """aiortc's MediaRelay: the relay decodes the publisher once and encodes for each viewer."""

    def __init__(self) -> None:
        self.relay = MediaRelay()
        self.video: MediaStreamTrack | None = None
        self.pcs: list[RTCPeerConnection] = []

    async def _answer(self, pc: RTCPeerConnection) -> RTCSessionDescription:
        await pc.setLocalDescription(await pc.createAnswer())
        answer: RTCSessionDescription = pc.localDescription
        return answer

    async def publish(self, booth_id: int, offer: RTCSessionDescription) -> RTCSessionDescription:
        pc = RTCPeerConnection(loopback_configuration())
        self.pcs.append(pc)
        pc.on("track", lambda track: setattr(self, "video", track))
        await pc.setRemoteDescription(offer)
        return await self._answer(pc)

    async def watch(
        self, booth_id: int, offer: RTCSessionDescription
    ) -> tuple[str, RTCSessionDescription]:
        pc = RTCPeerConnection(loopback_configuration())
        self.pcs.append(pc)
        await pc.setRemoteDescription(offer)
        assert self.video is not None
        pc.addTrack(self.relay.subscribe(self.video))
        return str(len(self.pcs)), await self._answer(pc)

    async def close(self) -> None:
        await asyncio.gather(*(pc.close() for pc in self.pcs))


def relay_process(conn: Connection, mode: str) -> None:
    asyncio.run(serve(conn, mode))


async def serve(conn: Connection, mode: str) -> None:
    loopback_only()
    one_megabit_vp8()
    loop = asyncio.get_running_loop()
    relay: Any = Relay(max_viewers=100_000) if mode == "forward" else MediaRelayBaseline()
    while True:
        op, sdp = await loop.run_in_executor(None, conn.recv)
        if op == "publish":
            answer = await relay.publish(BOOTH, RTCSessionDescription(sdp, "offer"))
            conn.send(answer.sdp)
        elif op == "watch":
            _viewer, answer = await relay.watch(BOOTH, RTCSessionDescription(sdp, "offer"))
            conn.send(answer.sdp)
        elif op == "stats":
            conn.send((time.process_time(), rss_bytes()))
        else:
            await relay.close()
            conn.send(None)
            return


@dataclass
class CountingViewer:
    pc: RTCPeerConnection
    frames: int = 0
    octets: int = 0
    lost: int = 0

    def count(self, frame: EncodedFrame) -> None:
        self.frames += 1
        self.octets += sum(len(p) for p in frame.payloads)

    def lose(self) -> None:
        self.lost += 1


async def new_viewer() -> tuple[CountingViewer, str]:
    pc = RTCPeerConnection(loopback_configuration())
    viewer = CountingViewer(pc)
    receiver = pc.addTransceiver("video", direction="recvonly").receiver
    assembler = FrameAssembler("video", viewer.count, viewer.lose)
    setattr(receiver, "_RTCRtpReceiver__jitter_buffer", assembler)  # noqa: B010
    await pc.setLocalDescription(await pc.createOffer())
    return viewer, pc.localDescription.sdp


def viewers_process(conn: Connection) -> None:
    asyncio.run(serve_viewers(conn))


async def serve_viewers(conn: Connection) -> None:
    """A share of the viewers, in a process of their own (one process saturated at ~150)."""
    loopback_only()
    loop = asyncio.get_running_loop()
    viewers: list[CountingViewer] = []
    while True:
        op, sdp = await loop.run_in_executor(None, conn.recv)
        if op == "offer":
            viewer, offer = await new_viewer()
            viewers.append(viewer)
            conn.send(offer)
        elif op == "answer":
            await viewers[-1].pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))
            conn.send(None)
        elif op == "counts":
            conn.send((time.process_time(), [(v.frames, v.lost, v.octets) for v in viewers]))
        else:
            await asyncio.gather(*(v.pc.close() for v in viewers))
            conn.send(None)
            return


class Child:
    """A spawned process answering (op, sdp) requests on a pipe."""

    def __init__(self, target: Callable[..., None], *args: object) -> None:
        self.conn, child = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("spawn").Process(
            target=target, args=(child, *args), daemon=True
        )
        self.process.start()

    async def ask(self, op: str, sdp: str = "") -> Any:
        self.conn.send((op, sdp))
        return await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)

    async def stop(self) -> None:
        await self.ask("stop")
        self.process.join(10)


@dataclass
class Counts:
    """Every viewer's (frames, lost frames, octets) and the viewers' processes' CPU seconds."""

    cpu: float
    viewers: list[tuple[int, int, int]]


async def counts(groups: list[Child]) -> Counts:
    replies = [await group.ask("counts") for group in groups]
    return Counts(
        cpu=time.process_time() + sum(cpu for cpu, _ in replies),
        viewers=[viewer for _, viewers in replies for viewer in viewers],
    )


@dataclass
class Level:
    viewers: int
    cpu_pct: float
    viewers_cpu_pct: float  # the publisher's encoder and every viewer, all processes
    rss_mb: float
    min_fps: float
    lost_frames: int
    kbps: float

    @property
    def clean(self) -> bool:
        return self.min_fps >= CLEAN_FPS and self.lost_frames == 0


def forward_levels(done: list[Level]) -> int | None:
    """The two slope levels, then a step more while the last one was clean."""
    if len(done) < len(SLOPE_LEVELS):
        return SLOPE_LEVELS[len(done)]
    following = done[-1].viewers + FORWARD_STEP
    return following if done[-1].clean and following <= MAX_FORWARD_VIEWERS else None


def mediarelay_levels(done: list[Level]) -> int | None:
    return MEDIARELAY_LEVELS[len(done)] if len(done) < len(MEDIARELAY_LEVELS) else None


async def measure(mode: str, next_level: Callable[[list[Level]], int | None]) -> list[Level]:
    relay = Child(relay_process, mode)
    groups = [Child(viewers_process) for _ in range(VIEWER_PROCESSES)]
    publisher = Publisher(audio=False, video=BusyPattern())
    watching = 0
    results: list[Level] = []
    try:
        answer = await relay.ask("publish", (await publisher.offer()).sdp)
        await publisher.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        while (target := next_level(results)) is not None:
            while watching < target:
                group = groups[watching % len(groups)]
                await group.ask("answer", await relay.ask("watch", await group.ask("offer")))
                watching += 1
            deadline = time.monotonic() + 30
            while any(frames == 0 for frames, _, _ in (await counts(groups)).viewers):
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(1.0)
            cpu0, _ = await relay.ask("stats")
            before = await counts(groups)
            started = time.monotonic()
            await asyncio.sleep(WINDOW)
            cpu1, rss = await relay.ask("stats")
            after = await counts(groups)
            elapsed = time.monotonic() - started
            pairs = list(zip(before.viewers, after.viewers, strict=True))
            results.append(
                Level(
                    viewers=target,
                    cpu_pct=100 * (cpu1 - cpu0) / elapsed,
                    viewers_cpu_pct=100 * (after.cpu - before.cpu) / elapsed,
                    rss_mb=rss / 1e6,
                    min_fps=min(a[0] - b[0] for b, a in pairs) / elapsed,
                    lost_frames=sum(a[1] - b[1] for b, a in pairs),
                    kbps=8 * (pairs[0][1][2] - pairs[0][0][2]) / elapsed / 1000,
                )
            )
    finally:
        await relay.stop()
        await asyncio.gather(*(group.stop() for group in groups))
        await publisher.close()
    return results


def per_viewer(levels: list[Level]) -> tuple[float, float]:
    """(CPU ms per viewer-second, MB per viewer) between the first and last level."""
    first, last = levels[0], levels[-1]
    added = last.viewers - first.viewers
    return 10 * (last.cpu_pct - first.cpu_pct) / added, (last.rss_mb - first.rss_mb) / added


async def run() -> None:
    loopback_only()
    one_megabit_vp8()
    forward = await measure("forward", forward_levels)
    baseline = await measure("mediarelay", mediarelay_levels)
    clean = [level for level in forward if level.clean]
    # The slope is taken over the two lowest levels, where neither process is near saturation.
    forward_ms, forward_mb = per_viewer(forward[: len(SLOPE_LEVELS)])
    baseline_ms, _ = per_viewer(baseline)
    at_max = clean[-1] if clean else forward[0]
    rows = [
        (
            mode,
            lv.viewers,
            f"{lv.cpu_pct:.1f}",
            f"{lv.viewers_cpu_pct:.1f}",
            f"{lv.rss_mb:.0f}",
            f"{lv.min_fps:.1f}",
            lv.lost_frames,
            f"{lv.kbps:.0f}",
        )
        for mode, levels in (("forward", forward), ("mediarelay", baseline))
        for lv in levels
    ]
    report(
        "relay",
        [
            "mode",
            "viewers",
            "relay CPU %",
            "viewers' CPU %",
            "relay RSS MB",
            "min viewer fps",
            "frames lost",
            "kb/s per viewer",
        ],
        rows,
        {
            "forward_ms_per_sub_s": round(forward_ms, 3),
            "mediarelay_ms_per_sub_s": round(baseline_ms, 3),
            "ratio": round(baseline_ms / forward_ms, 1),
            "max_clean_subscribers": at_max.viewers if clean else 0,
            "relay_cpu_pct_at_max": round(at_max.cpu_pct, 1),
            "mb_per_sub": round(forward_mb, 3),
            # The reading: the relay's CPU share at the largest clean level, so its
            # fixed cost (the publisher's stream in) counts against it.
            "subscribers_per_core_extrapolated": round(100 * at_max.viewers / at_max.cpu_pct)
            if clean
            else 0,
        },
    )


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
