"""Booth presentations: one publisher's audio and video forwarded, encoded, to many viewers.

A `Relay` is what one relay process runs (never a Daphne worker): presentations keyed by booth,
each with the publisher's server-side peer and one server-side peer per viewer. Peers only ever
answer offers (aiortc cannot roll back a local offer); forwarding is in `forwarding.py`.
"""

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable

from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError

from signaling.media.forwarding import (
    ForwardedTrack,
    Leg,
    PublishedTrack,
    check_aiortc_hooks,
)

logger = logging.getLogger(__name__)

# What is forwarded: the codecs every browser decodes, and RTX so lost packets are resent.
FORWARDED_MIME_TYPES = {"audio": ("audio/opus",), "video": ("video/VP8", "video/rtx")}
DEFAULT_MAX_VIEWERS = 500
ENDED_STATES = {"failed", "closed"}


class RelayRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _forward_only_what_we_can(transceiver: RTCRtpTransceiver) -> None:
    wanted = FORWARDED_MIME_TYPES.get(transceiver.kind, ())
    capabilities = RTCRtpReceiver.getCapabilities(transceiver.kind)
    assert capabilities is not None  # noqa: S101  (audio and video always have some)
    transceiver.setCodecPreferences([c for c in capabilities.codecs if c.mimeType in wanted])


async def _answer(pc: RTCPeerConnection) -> RTCSessionDescription:
    await pc.setLocalDescription(await pc.createAnswer())
    description: RTCSessionDescription = pc.localDescription
    return description


class Viewer:
    def __init__(self, viewer_id: str, pc: RTCPeerConnection) -> None:
        self.id = viewer_id
        self.pc = pc
        self.legs: list[tuple[PublishedTrack, Leg]] = []


class Presentation:
    """A booth's live presentation on this relay."""

    def __init__(
        self,
        booth_id: int,
        *,
        configuration: RTCConfiguration,
        on_ended: Callable[["Presentation"], Awaitable[None]],
    ) -> None:
        self.booth_id = booth_id
        self.tracks: dict[str, PublishedTrack] = {}
        self.viewers: dict[str, Viewer] = {}
        self.ended = asyncio.Event()
        self._configuration = configuration
        self._on_ended = on_ended
        self._publisher = RTCPeerConnection(configuration)
        self._watchers: set[asyncio.Task[None]] = set()

    async def publish(self, offer: RTCSessionDescription) -> RTCSessionDescription:
        pc = self._publisher
        await pc.setRemoteDescription(offer)
        for transceiver in pc.getTransceivers():
            if transceiver.kind not in FORWARDED_MIME_TYPES or transceiver.kind in self.tracks:
                continue
            _forward_only_what_we_can(transceiver)
            receiver = transceiver.receiver
            self.tracks[transceiver.kind] = PublishedTrack(receiver, transceiver.kind)
            self._watch(self._until_track_ends(receiver))
        if not self.tracks:
            raise RelayRefused("presentation.no_media", "the offer sends neither audio nor video")

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState in ENDED_STATES:
                await self.end()

        return await _answer(pc)

    async def add_viewer(
        self, viewer_id: str, offer: RTCSessionDescription, *, audio_only: bool = False
    ) -> RTCSessionDescription:
        pc = RTCPeerConnection(self._configuration)
        viewer = Viewer(viewer_id, pc)
        self.viewers[viewer_id] = viewer
        try:
            await pc.setRemoteDescription(offer)
            for transceiver in pc.getTransceivers():
                source = self.tracks.get(transceiver.kind)
                if source is None or (audio_only and transceiver.kind != "audio"):
                    continue
                _forward_only_what_we_can(transceiver)
                sender = pc.addTrack(ForwardedTrack(transceiver.kind))
                viewer.legs.append((source, source.subscribe(sender)))
            answer = await _answer(pc)
        except Exception:
            await self.remove_viewer(viewer_id)
            raise

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState in ENDED_STATES:
                await self.remove_viewer(viewer_id)

        return answer

    async def remove_viewer(self, viewer_id: str) -> None:
        viewer = self.viewers.pop(viewer_id, None)
        if viewer is None:
            return
        for source, leg in viewer.legs:
            source.unsubscribe(leg)
        await viewer.pc.close()

    async def end(self) -> None:
        """End for everyone: viewers' peers close (their tracks end), then the publisher's."""
        if self.ended.is_set():
            return
        self.ended.set()
        for track in self.tracks.values():
            track.end()
        await asyncio.gather(*(self.remove_viewer(v) for v in list(self.viewers)))
        await self._publisher.close()
        for task in self._watchers:
            if task is not asyncio.current_task():
                task.cancel()
        await self._on_ended(self)

    @property
    def publisher(self) -> RTCPeerConnection:
        return self._publisher

    def _watch(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._watchers.add(task)
        task.add_done_callback(self._watchers.discard)

    async def _until_track_ends(self, receiver: RTCRtpReceiver) -> None:
        """The receiver's track yields nothing (nothing is decoded) until the publisher stops
        sending (RTCP BYE, DTLS closed): then it ends, and so does the presentation."""
        with contextlib.suppress(MediaStreamError):
            while True:
                await receiver.track.recv()
        await self.end()


class Relay:
    """Everything one relay process forwards, within its viewer limit."""

    def __init__(
        self,
        *,
        max_viewers: int = DEFAULT_MAX_VIEWERS,
        on_ended: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        check_aiortc_hooks()
        # Host candidates only (no STUN, no TURN): a relay is reached directly, and forwarding
        # sends on the nominated pair's own socket. An empty list, not None: aiortc would add a
        # public STUN server.
        self.configuration = RTCConfiguration(iceServers=[])
        self.max_viewers = max_viewers
        self.presentations: dict[int, Presentation] = {}
        self._on_ended = on_ended
        self._viewer_ids = itertools.count(1)

    @property
    def viewer_count(self) -> int:
        return sum(len(p.viewers) for p in self.presentations.values())

    async def publish(self, booth_id: int, offer: RTCSessionDescription) -> RTCSessionDescription:
        if booth_id in self.presentations:
            raise RelayRefused("presentation.already_live", "this booth is already presenting")
        presentation = Presentation(
            booth_id, configuration=self.configuration, on_ended=self._forget
        )
        self.presentations[booth_id] = presentation
        try:
            return await presentation.publish(offer)
        except Exception:
            await presentation.end()
            raise

    async def watch(
        self,
        booth_id: int,
        offer: RTCSessionDescription,
        viewer_id: str | None = None,
        *,
        audio_only: bool = False,
    ) -> tuple[str, RTCSessionDescription]:
        presentation = self.presentations.get(booth_id)
        if presentation is None or presentation.ended.is_set():
            raise RelayRefused("presentation.not_live", "this booth is not presenting")
        if self.viewer_count >= self.max_viewers:
            raise RelayRefused(
                "presentation.full", "this presentation has no room for more viewers"
            )
        viewer_id = viewer_id or f"v{next(self._viewer_ids)}"
        if viewer_id in presentation.viewers:  # the same socket again (audio-only toggled)
            await presentation.remove_viewer(viewer_id)
        answer = await presentation.add_viewer(viewer_id, offer, audio_only=audio_only)
        return viewer_id, answer

    def peer(self, booth_id: int, viewer_id: str | None) -> RTCPeerConnection | None:
        """The server-side peer of a viewer, or of the publisher (viewer_id None)."""
        presentation = self.presentations.get(booth_id)
        if presentation is None:
            return None
        if viewer_id is None:
            return presentation.publisher
        viewer = presentation.viewers.get(viewer_id)
        return None if viewer is None else viewer.pc

    async def leave(self, booth_id: int, viewer_id: str) -> None:
        presentation = self.presentations.get(booth_id)
        if presentation is not None:
            await presentation.remove_viewer(viewer_id)

    async def end(self, booth_id: int) -> None:
        presentation = self.presentations.get(booth_id)
        if presentation is not None:
            await presentation.end()

    async def close(self) -> None:
        await asyncio.gather(*(p.end() for p in list(self.presentations.values())))

    async def _forget(self, presentation: Presentation) -> None:
        if self.presentations.get(presentation.booth_id) is presentation:
            del self.presentations[presentation.booth_id]
        if self._on_ended is not None:
            await self._on_ended(presentation.booth_id)
