"""Forwarding encoded media through aiortc: what arrives from a publisher leaves, unchanged, to
every subscriber, and the relay never decodes or encodes a frame.

aiortc has no public API for this (its maintainers say so in aiortc #449), so two places are
hooked, on single objects, never on classes (the same process may run ordinary peers):

* receive: the publisher-side `RTCRtpReceiver`'s jitter buffer (`__jitter_buffer`) is replaced
  by a `FrameAssembler`. The receiver has already done what a relay wants kept (bitrate estimate
  and REMB, RTCP statistics, RTX unwrapping, NACKs) when it calls `add(packet)`; the assembler
  groups the packets of a frame and always answers "no frame to decode", so nothing ever reaches
  the decoder thread.
* send: each subscriber-side `RTCRtpSender`'s `_next_encoded_frame` is shadowed by a `Leg`, which
  returns the publisher's RTP payloads as an `RTCEncodedFrame`. The sender's own `_run_rtp` then
  gives them this subscriber's SSRC, sequence numbers, timestamp origin, mid and abs-send-time,
  keeps them for NACK/RTX and reports them in its sender reports. `_send_keyframe` (a PLI or FIR
  from the subscriber) is shadowed too: the request goes to the publisher, rate-limited.

aiortc is pinned in constraints.txt; `check_aiortc_hooks()` (run by the relay at start and by
tests/unit/test_media_forwarding_hooks.py) fails loudly when an upgrade moves any of this.
"""

import asyncio
import inspect
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from aiortc import MediaStreamTrack, RTCRtpReceiver, RTCRtpSender
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtcrtpsender import RTCEncodedFrame
from aiortc.rtp import RtpPacket

logger = logging.getLogger(__name__)

KEYFRAME_REQUEST_INTERVAL = 0.5
# About half a second of 30 fps video per subscriber; a longer backlog is stale anyway.
LEG_CAPACITY = 16
# Frames of video being assembled at once; older incomplete ones are given up as lost.
MAX_PENDING_FRAMES = 8
FINISHED_MEMORY = 32

_JITTER_BUFFER = "_RTCRtpReceiver__jitter_buffer"


class AiortcHooksBroken(RuntimeError):
    pass


def check_aiortc_hooks() -> None:
    """Raise AiortcHooksBroken, naming what moved, if aiortc no longer has what we hook."""
    problems = []
    source = inspect.getsource(RTCRtpReceiver._handle_rtp_packet)
    if "self.__jitter_buffer.add(packet)" not in source:
        problems.append("RTCRtpReceiver._handle_rtp_packet no longer calls __jitter_buffer.add")
    if "pli_flag, encoded_frame = " not in source:
        problems.append("__jitter_buffer.add no longer returns (pli_flag, encoded_frame)")
    if "__jitter_buffer = JitterBuffer(" not in inspect.getsource(RTCRtpReceiver.__init__):
        problems.append("RTCRtpReceiver.__init__ no longer creates __jitter_buffer")
    if "self.__decoder_queue.put" not in source:
        problems.append("RTCRtpReceiver feeds its decoder some other way")
    if list(inspect.signature(RTCRtpReceiver._send_rtcp_pli).parameters) != ["self", "media_ssrc"]:
        problems.append("RTCRtpReceiver._send_rtcp_pli(media_ssrc) changed")
    run_rtp = inspect.getsource(RTCRtpSender._run_rtp)
    if "await self._next_encoded_frame(codec)" not in run_rtp:
        problems.append("RTCRtpSender._run_rtp no longer asks self._next_encoded_frame(codec)")
    for needed in ("enc_frame.payloads", "enc_frame.timestamp", "enc_frame.audio_level"):
        if needed not in run_rtp:
            problems.append(f"RTCRtpSender._run_rtp no longer reads {needed}")
    if "self._send_keyframe()" not in inspect.getsource(RTCRtpSender._handle_rtcp_packet):
        problems.append("RTCRtpSender no longer answers PLI/FIR with self._send_keyframe()")
    if list(inspect.signature(RTCEncodedFrame).parameters) != [
        "payloads",
        "timestamp",
        "audio_level",
    ]:
        problems.append("RTCEncodedFrame(payloads, timestamp, audio_level) changed")
    if problems:
        raise AiortcHooksBroken(
            "the media relay hooks aiortc internals that changed (see the docstring of "
            "signaling/media/forwarding.py; keep aiortc pinned until they are ported): "
            + "; ".join(problems)
        )


@dataclass(frozen=True, slots=True)
class EncodedFrame:
    payloads: tuple[bytes, ...]  # RTP payloads as the publisher packetised them
    timestamp: int  # the publisher's RTP timestamp
    keyframe: bool  # decodable on its own (every audio frame is)


def vp8_frame_start(payload: bytes) -> tuple[bool, bool]:
    """(first packet of a frame, that frame is a keyframe), from the RFC 7741 descriptor."""
    if not payload:
        return False, False
    first = payload[0]
    # S set and partition index 0: the first packet of the frame.
    if first & 0x17 != 0x10:
        return False, False
    length = 1
    if first & 0x80:
        if len(payload) < 2:
            return False, False
        extension = payload[1]
        length = 2
        if extension & 0x80:  # I: picture id, 7 or 15 bits
            if len(payload) <= length:
                return False, False
            length += 2 if payload[length] & 0x80 else 1
        if extension & 0x40:  # L: TL0PICIDX
            length += 1
        if extension & 0x30:  # T or K: one shared octet
            length += 1
    if len(payload) <= length:
        return True, False
    # The VP8 payload header's P bit is 0 on keyframes.
    return True, not payload[length] & 0x01


@dataclass(slots=True)
class _PartialFrame:
    packets: dict[int, RtpPacket]
    first: int | None = None
    last: int | None = None
    keyframe: bool = False

    def add(self, packet: RtpPacket) -> EncodedFrame | None:
        """Add a packet; the frame, once it has its first, its last and every one between."""
        self.packets[packet.sequence_number] = packet
        if packet.marker:
            self.last = packet.sequence_number
        starts, keyframe = vp8_frame_start(packet.payload)
        if starts:
            self.first, self.keyframe = packet.sequence_number, keyframe
        if self.first is None or self.last is None:
            return None
        count = (self.last - self.first) % 65536 + 1
        if count != len(self.packets):
            return None
        try:
            payloads = tuple(self.packets[(self.first + i) % 65536].payload for i in range(count))
        except KeyError:  # as many packets, but not these: some came from elsewhere
            return None
        return EncodedFrame(payloads, packet.timestamp, self.keyframe)


class FrameAssembler:
    """Stands in for a publisher-side receiver's jitter buffer: delivers each complete frame's
    payloads to `deliver` as soon as its last packet arrives, and never a frame to decode."""

    def __init__(
        self, kind: str, deliver: Callable[[EncodedFrame], None], lost: Callable[[], None]
    ) -> None:
        self.kind = kind
        self.media_ssrc: int | None = None
        self._deliver = deliver
        self._lost = lost
        self._pending: dict[int, _PartialFrame] = {}
        self._finished: deque[int] = deque(maxlen=FINISHED_MEMORY)

    def add(self, packet: RtpPacket) -> tuple[bool, None]:
        self.media_ssrc = packet.ssrc
        if not packet.payload:  # padding used as a bandwidth probe
            return False, None
        if self.kind != "video":
            self._deliver(EncodedFrame((packet.payload,), packet.timestamp, keyframe=True))
            return False, None
        if packet.timestamp in self._finished:  # a late duplicate or retransmission
            return False, None
        partial = self._pending.get(packet.timestamp)
        if partial is None:
            partial = self._pending[packet.timestamp] = _PartialFrame({})
        frame = partial.add(packet)
        if frame is not None:
            self._finish_up_to(packet.timestamp)
            self._deliver(frame)
        elif len(self._pending) > MAX_PENDING_FRAMES:
            self._give_up(next(iter(self._pending)))
        return False, None

    def _finish_up_to(self, timestamp: int) -> None:
        """Frames are delivered in order: older ones still incomplete are lost."""
        for pending in list(self._pending):
            if pending == timestamp:
                del self._pending[pending]
                self._finished.append(pending)
                return
            self._give_up(pending)

    def _give_up(self, timestamp: int) -> None:
        del self._pending[timestamp]
        self._finished.append(timestamp)
        self._lost()


class PublishedTrack:
    """One track of the publisher as it arrives at the relay, and the legs it feeds."""

    def __init__(
        self,
        receiver: RTCRtpReceiver,
        kind: str,
        *,
        keyframe_interval: float = KEYFRAME_REQUEST_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.kind = kind
        self.frames_in = 0
        self.keyframe_requests_sent = 0
        self._receiver = receiver
        self._legs: set[Leg] = set()
        self._keyframe_interval = keyframe_interval
        self._clock = clock
        self._last_request = -math.inf
        self._deferred_request: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Future[None]] = set()
        self._assembler = FrameAssembler(kind, self._fan_out, self.request_keyframe)
        setattr(receiver, _JITTER_BUFFER, self._assembler)

    @property
    def legs(self) -> frozenset["Leg"]:
        return frozenset(self._legs)

    def subscribe(self, sender: RTCRtpSender, *, capacity: int = LEG_CAPACITY) -> "Leg":
        leg = Leg(self, capacity)
        sender._next_encoded_frame = leg.next_encoded_frame  # type: ignore[method-assign]
        sender._send_keyframe = self.request_keyframe  # type: ignore[method-assign]
        self._legs.add(leg)
        if leg.needs_keyframe:
            self.request_keyframe()
        return leg

    def unsubscribe(self, leg: "Leg") -> None:
        self._legs.discard(leg)
        leg.end()

    def end(self) -> None:
        for leg in self._legs:
            leg.end()
        self._legs.clear()
        if self._deferred_request is not None:
            self._deferred_request.cancel()
        for task in self._tasks:
            task.cancel()

    def request_keyframe(self) -> None:
        """Ask the publisher for a keyframe: at once, or, within the rate limit, once at its end
        (however many subscribers asked meanwhile)."""
        if self.kind != "video" or self._deferred_request is not None:
            return
        wait = self._last_request + self._keyframe_interval - self._clock()
        if wait <= 0:
            self._send_pli()
        else:
            self._deferred_request = asyncio.get_running_loop().call_later(wait, self._send_pli)

    def _send_pli(self) -> None:
        self._deferred_request = None
        ssrc = self._assembler.media_ssrc
        if ssrc is None:  # nothing received yet: the first frame will be a keyframe anyway
            return
        self._last_request = self._clock()
        self.keyframe_requests_sent += 1
        task = asyncio.ensure_future(self._receiver._send_rtcp_pli(ssrc))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _fan_out(self, frame: EncodedFrame) -> None:
        self.frames_in += 1
        if frame.keyframe and self._deferred_request is not None:
            self._deferred_request.cancel()  # whoever asked gets this one
            self._deferred_request = None
        for leg in self._legs:
            leg.push(frame)


class Leg:
    """What one subscriber's sender still has to send of one published track. Its queue is
    bounded: a subscriber that falls behind loses its own backlog, nobody else's."""

    def __init__(self, source: PublishedTrack, capacity: int) -> None:
        self.frames_sent = 0
        self.frames_dropped = 0
        self._source = source
        self._video = source.kind == "video"
        self._capacity = capacity
        self._queue: deque[EncodedFrame] = deque()
        self._ready = asyncio.Event()
        self._ended = False
        self.needs_keyframe = self._video

    def push(self, frame: EncodedFrame) -> None:
        if self._ended:
            return
        if len(self._queue) >= self._capacity:
            self._drop_backlog()
        if self.needs_keyframe and not frame.keyframe:
            return
        self.needs_keyframe = False
        self._queue.append(frame)
        self._ready.set()

    def _drop_backlog(self) -> None:
        if self._video:
            # Later frames refer to the dropped ones: only a keyframe makes the picture whole.
            self.frames_dropped += len(self._queue)
            self._queue.clear()
            self.needs_keyframe = True
            self._source.request_keyframe()
        else:
            self.frames_dropped += 1
            self._queue.popleft()

    def end(self) -> None:
        self._ended = True
        self._ready.set()

    async def next_encoded_frame(self, codec: RTCRtpCodecParameters) -> RTCEncodedFrame:
        """Replaces RTCRtpSender._next_encoded_frame on this subscriber's sender."""
        while not self._queue:
            if self._ended:
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        frame = self._queue.popleft()
        self.frames_sent += 1
        return RTCEncodedFrame(list(frame.payloads), frame.timestamp, None)  # type: ignore[arg-type]


class ForwardedTrack(MediaStreamTrack):
    """The track a subscriber's sender is given: its frames come from a `Leg`, never from here."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    async def recv(self) -> None:  # type: ignore[override]
        # Reached only if the sender hook is gone: refuse rather than let aiortc encode.
        raise AiortcHooksBroken("RTCRtpSender ignored the relay's _next_encoded_frame")
