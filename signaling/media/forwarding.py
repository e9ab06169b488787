"""Forwarding encoded media through aiortc: what arrives from a publisher leaves, unchanged, to
every subscriber, and the relay never decodes or encodes a frame.

aiortc has no public API for this (its maintainers say so in aiortc #449), so a few places are
hooked, on single objects, never on classes (the same process may run ordinary peers):

* receive: the publisher-side `RTCRtpReceiver`'s jitter buffer (`__jitter_buffer`) is replaced
  by a `FrameAssembler`. The receiver has already done what a relay wants kept (bitrate estimate
  and REMB, RTCP statistics, RTX unwrapping, NACKs) when it calls `add(packet)`; the assembler
  groups the packets of a frame and always answers "no frame to decode", so nothing ever reaches
  the decoder thread.
* send: aiortc's per-packet send path (an `RtpPacket` built and serialised per packet, then
  `RTCDtlsTransport._send_rtp` -> pylibsrtp `Session.protect` -> aioice `Connection.sendto`,
  each a coroutine, one asyncio task per subscriber and track woken per frame) cost about 20 us
  per packet and subscriber. Instead each complete frame is written to every subscriber in one
  loop: an `RtpWriter` per leg patches the sequence number, timestamp and marker into a header
  prepared once (this subscriber's SSRC, payload type and mid), copies the payload behind it,
  SRTP-protects it in place with the subscriber's DTLS transport's own libsrtp session and sends
  it on the socket of the ICE pair the subscriber nominated (asyncio's UDP transport's `_sock`;
  a socket whose send buffer is full refuses, and that subscriber loses the frame). It keeps the
  last packets for NACK/RTX and feeds the sender's RTCP sender reports. The subscriber's
  `RTCRtpSender` still negotiates, runs RTCP and receives feedback: its `_next_encoded_frame` is
  shadowed by `Leg.run`, which sets the writer up when aiortc starts the sender and then only
  waits for the leg to end; `_send_keyframe` (PLI/FIR) asks the publisher, rate-limited, and
  `_retransmit` (NACK) resends from the writer's history.

aiortc (with aioice and pylibsrtp) is pinned in constraints.txt, Python in pyproject.toml;
`check_aiortc_hooks()` (run by the relay at start and by tests/media/test_forwarding.py) fails
loudly when an upgrade moves any of this.
"""

import asyncio
import asyncio.selector_events
import contextlib
import inspect
import logging
import math
import struct
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pylibsrtp
from aioice.ice import Connection, StunProtocol
from aiortc import (
    MediaStreamTrack,
    RTCDtlsTransport,
    RTCIceTransport,
    RTCRtpReceiver,
    RTCRtpSender,
    clock,
)
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtcrtpsender import RTCEncodedFrame, random_sequence_number
from aiortc.rtp import RTP_HISTORY_SIZE, RtpPacket
from aiortc.utils import random32
from pylibsrtp._binding import ffi, lib  # type: ignore[import-not-found]  # cffi, no stubs

logger = logging.getLogger(__name__)
_DatagramTransport: Any = asyncio.selector_events._SelectorDatagramTransport  # type: ignore[attr-defined]

KEYFRAME_REQUEST_INTERVAL = 0.5
# Frames of video being assembled at once; older incomplete ones are given up as lost.
MAX_PENDING_FRAMES = 8
FINISHED_MEMORY = 32
# A payload that does not fit one Ethernet-sized datagram is not forwarded (browsers stay ~1200).
MAX_PAYLOAD = 1500
ICE_COMPONENT_RTP = 1

_JITTER_BUFFER = "_RTCRtpReceiver__jitter_buffer"
# The RTCRtpSender fields a writer reads once (negotiated in send()) and keeps current for its
# RTCP sender reports.
_MID = "_RTCRtpSender__mid"
_HEADER_EXTENSIONS = "_RTCRtpSender__rtp_header_extensions_map"
_RTX_PAYLOAD_TYPE = "_RTCRtpSender__rtx_payload_type"
_NTP_TIMESTAMP = "_RTCRtpSender__ntp_timestamp"
_RTP_TIMESTAMP = "_RTCRtpSender__rtp_timestamp"
_PACKET_COUNT = "_RTCRtpSender__packet_count"
_OCTET_COUNT = "_RTCRtpSender__octet_count"
# Bytes 1-11 of an RTP header: marker and payload type, sequence number, timestamp, SSRC.
_HEADER_FIELDS = struct.Struct("!BHII")
_SEQUENCE_NUMBER = struct.Struct("!H")


class AiortcHooksBroken(RuntimeError):
    pass


def _source(function: Any) -> str:
    return inspect.getsource(function)


def _in_order(source: str, *fragments: str) -> bool:
    """Every fragment is in source, each after the one before."""
    position = 0
    for fragment in fragments:
        position = source.find(fragment, position)
        if position < 0:
            return False
    return True


def check_aiortc_hooks() -> None:
    """Raise AiortcHooksBroken, naming what moved, if aiortc, aioice or pylibsrtp no longer have
    what the relay hooks."""
    expected = [
        # receive: the assembler stands in for the jitter buffer
        (RTCRtpReceiver.__init__, "__jitter_buffer = JitterBuffer("),
        (RTCRtpReceiver._handle_rtp_packet, "self.__jitter_buffer.add(packet)"),
        (RTCRtpReceiver._handle_rtp_packet, "pli_flag, encoded_frame = "),
        (RTCRtpReceiver._handle_rtp_packet, "self.__decoder_queue.put"),
        # send: aiortc starts the sender's loop after send() negotiated what the writer reads
        (RTCRtpSender.__init__, "self._ssrc = random32()"),
        (RTCRtpSender.__init__, "self._rtx_ssrc = random32()"),
        (RTCRtpSender._run_rtp, "await self._next_encoded_frame(codec)"),
        (RTCRtpSender._handle_rtcp_packet, "self._send_keyframe()"),
        (RTCRtpSender._handle_rtcp_packet, "await self._retransmit(seq)"),
        (RTCRtpSender._run_rtcp, "ntp_timestamp=self.__ntp_timestamp"),
        (RTCRtpSender._run_rtcp, "rtp_timestamp=self.__rtp_timestamp"),
        (RTCRtpSender._run_rtcp, "packet_count=self.__packet_count"),
        (RTCRtpSender._run_rtcp, "octet_count=self.__octet_count"),
        (RTCDtlsTransport._send_rtp, "data = self._tx_srtp.protect(data)"),
        (RTCDtlsTransport._send_rtp, "await self.transport._send(data)"),
        (RTCIceTransport.__init__, "self._connection = gatherer._connection"),
        (RTCIceTransport.__init__, "self._send = self._connection.send"),
        (Connection.sendto, "active_pair = self._nominated.get(component)"),
        (Connection.sendto, "active_pair.protocol.send_data(data, active_pair.remote_addr)"),
        (StunProtocol.send_data, "self.transport.sendto(data, addr)"),
        # the writer sends on the socket asyncio's UDP transport keeps (Python is pinned too)
        (_DatagramTransport.sendto, "self._sock.sendto(data, addr)"),
        (pylibsrtp.Session.__init__, "self._srtp = ffi.gc(srtp"),
        (pylibsrtp.Session._Session__process, "func(self._srtp[0], self._cdata, len_p)"),  # type: ignore[attr-defined]
    ]
    problems = [
        f"{function.__qualname__} no longer has `{fragment}`"
        for function, fragment in expected
        if fragment not in _source(function)
    ]
    if not _in_order(
        _source(RTCRtpSender.send),
        "self.__mid = parameters.muxId",
        "self.__rtp_header_extensions_map.configure(parameters)",
        "self.__rtx_payload_type = codec.payloadType",
        "self._run_rtp(parameters.codecs[0])",
    ):
        problems.append("RTCRtpSender.send no longer negotiates mid, extensions, RTX, then runs")
    if list(inspect.signature(RTCRtpReceiver._send_rtcp_pli).parameters) != ["self", "media_ssrc"]:
        problems.append("RTCRtpReceiver._send_rtcp_pli(media_ssrc) changed")
    if str(ffi.typeof(lib.srtp_protect)) != (
        "<ctype 'srtp_err_status_t(*)(struct srtp_ctx_t_ *, void *, int *)'>"
    ):
        problems.append("pylibsrtp's srtp_protect(srtp_t, void *, int *) changed")
    if problems:
        raise AiortcHooksBroken(
            "the media relay hooks aiortc internals that changed (see the docstring of "
            "signaling/media/forwarding.py; keep aiortc, aioice and pylibsrtp pinned until they "
            "are ported): " + "; ".join(problems)
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
        if len(packet.payload) > MAX_PAYLOAD:  # a video frame missing it is lost and asked again
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

    def subscribe(self, sender: RTCRtpSender) -> "Leg":
        leg = Leg(self, sender)
        sender._next_encoded_frame = leg.run  # type: ignore[method-assign]
        sender._send_keyframe = self.request_keyframe  # type: ignore[method-assign]
        sender._retransmit = leg.retransmit  # type: ignore[method-assign]
        self._legs.add(leg)
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
        if not self._legs:
            return
        sent_at = clock.current_ntp_time()  # once for everyone: the legs send it together
        for leg in self._legs:
            leg.send(frame, sent_at)


class Leg:
    """One published track as one subscriber receives it. A video leg starts at a keyframe. When
    the subscriber's socket backs up the leg loses frames, its own and nobody else's, and a video
    leg then waits for (and asks for) the next keyframe, as later frames refer to the lost ones."""

    def __init__(self, source: PublishedTrack, sender: RTCRtpSender) -> None:
        self.frames_sent = 0
        self.frames_dropped = 0
        self.needs_keyframe = source.kind == "video"
        self._source = source
        self._sender = sender
        self._writer: RtpWriter | None = None
        self._ended = asyncio.Event()

    async def run(self, codec: RTCRtpCodecParameters) -> RTCEncodedFrame | None:
        """Replaces RTCRtpSender._next_encoded_frame. aiortc's `_run_rtp` calls it once the
        sender is negotiated and its DTLS transport connected; it never returns a frame (aiortc
        sends nothing itself), only raises when the leg ends, which ends `_run_rtp`."""
        self.start(RtpWriter.for_sender(self._sender, codec))
        try:
            await self._ended.wait()
        finally:
            self._writer = None
        raise MediaStreamError

    def start(self, writer: "RtpWriter") -> None:
        self._writer = writer
        if self.needs_keyframe:
            self._source.request_keyframe()

    def send(self, frame: EncodedFrame, sent_at: int) -> None:
        writer = self._writer
        if writer is None or (self.needs_keyframe and not frame.keyframe):
            return
        try:
            sent = writer.send(frame, sent_at)
        except ConnectionError:  # the subscriber's ICE is closing: its peer goes with it
            return
        except pylibsrtp.Error:
            logger.exception("SRTP refused a packet for a subscriber: that leg ends")
            self.end()
            return
        if sent:
            self.needs_keyframe = False
            self.frames_sent += 1
        else:
            self.frames_dropped += 1
            if self._source.kind == "video":
                self.needs_keyframe = True
                self._source.request_keyframe()

    async def retransmit(self, sequence_number: int) -> None:
        """Replaces RTCRtpSender._retransmit: the subscriber's NACK for one packet."""
        if self._writer is not None:
            self._writer.retransmit(sequence_number)

    def end(self) -> None:
        self._ended.set()


class RtpWriter:
    """One subscriber's RTP stream of one track, as its RTCRtpSender would have sent it: that
    sender's SSRC, payload type and mid, its own continuous sequence numbers, the publisher's
    timestamps moved by a random origin, the marker on each frame's last packet. Packets are
    built and SRTP-protected in one preallocated buffer and sent on the subscriber's nominated
    ICE pair; the last RTP_HISTORY_SIZE are kept (by reference to the shared payloads) for NACKs,
    answered with RTX when negotiated, as aiortc's sender does."""

    def __init__(
        self,
        *,
        header: bytes,
        rtx: tuple[int, int] | None,
        srtp: pylibsrtp.Session,
        nominated: dict[int, Any],
        sender_state: dict[str, Any],
    ) -> None:
        marker_and_type, _, _, self._ssrc = _HEADER_FIELDS.unpack_from(header, 1)
        self._payload_type = marker_and_type & 0x7F
        self._rtx = rtx  # (payload type, SSRC) of the retransmission stream
        self._srtp = srtp  # owns the libsrtp context below
        self._srtp_context = srtp._srtp[0]
        self._nominated = nominated
        self._pair: Any = None  # the nominated pair last sent on, and its remote address
        self._address = ("", 0)
        self._sender_state = sender_state
        self._sequence_number = random_sequence_number()
        self._rtx_sequence_number = random_sequence_number()
        self._timestamp_origin = random32()
        self._history: list[tuple[int, int, int, bytes] | None] = [None] * RTP_HISTORY_SIZE
        self._header_length = len(header)
        size = len(header) + 2 + MAX_PAYLOAD + pylibsrtp.SRTP_MAX_TRAILER_LEN  # 2: RTX's OSN
        self._packet = ffi.new("char[]", size)
        self._buffer = ffi.buffer(self._packet)
        self._view = memoryview(self._buffer)
        self._length = ffi.new("int *")
        self._buffer[0 : len(header)] = header

    @classmethod
    def for_sender(cls, sender: RTCRtpSender, codec: RTCRtpCodecParameters) -> "RtpWriter":
        """The writer for a sender aiortc has just started (negotiated, DTLS connected)."""
        if codec.payloadType is None:
            raise AiortcHooksBroken("RTCRtpSender started with a codec that has no payload type")
        state = vars(sender)
        template = RtpPacket(payload_type=codec.payloadType, ssrc=sender._ssrc)
        template.extensions.mid = state[_MID]
        rtx_payload_type = state[_RTX_PAYLOAD_TYPE]
        dtls = sender.transport
        return cls(
            header=template.serialize(state[_HEADER_EXTENSIONS]),
            rtx=None if rtx_payload_type is None else (rtx_payload_type, sender._rtx_ssrc),
            srtp=dtls._tx_srtp,
            nominated=dtls.transport._connection._nominated,
            sender_state=state,
        )

    def send(self, frame: EncodedFrame, sent_at: int) -> bool:
        """Send the frame's packets; False if the subscriber's socket refused one (its send
        buffer is full: the path to it is congested), the rest of the frame then unsent."""
        pair = self._nominated.get(ICE_COMPONENT_RTP)
        if pair is not self._pair:
            if pair is None:
                raise ConnectionError("the subscriber's ICE connection is closed")
            self._pair, self._address = pair, pair.remote_addr  # a property making a tuple
        # Straight to the socket: asyncio's sendto would queue what the kernel refuses, without
        # bound, and its checks cost about a tenth of a packet's send.
        sock, address = pair.protocol.transport._sock, self._address
        timestamp = (self._timestamp_origin + frame.timestamp) & 0xFFFFFFFF
        first = sequence_number = self._sequence_number
        payload_type, ssrc, history = self._payload_type, self._ssrc, self._history
        write_header, buffer, send = _HEADER_FIELDS.pack_into, self._buffer, self._protect_and_send
        payloads = frame.payloads
        last = len(payloads) - 1
        octets = 0
        try:
            for index, payload in enumerate(payloads):
                marker = 0x80 if index == last else 0
                write_header(buffer, 1, marker | payload_type, sequence_number, timestamp, ssrc)
                # Numbered before it is sent: once protected, an index is never used again
                # (libsrtp refuses, as the keystream would repeat), so a refused packet keeps its
                # number and stays in the history for a NACK.
                history[sequence_number % RTP_HISTORY_SIZE] = (
                    sequence_number,
                    timestamp,
                    marker,
                    payload,
                )
                sequence_number = (sequence_number + 1) & 0xFFFF
                octets += len(payload)
                send(sock, address, payload)
        except OSError:  # BlockingIOError, or the kernel's ENOBUFS and the like
            whole = False
        else:
            whole = True
        self._sequence_number = sequence_number
        # What aiortc's RTCP sender reports read (its own _run_rtp would have kept them).
        state = self._sender_state
        state[_NTP_TIMESTAMP] = sent_at
        state[_RTP_TIMESTAMP] = timestamp
        state[_PACKET_COUNT] += (sequence_number - first) & 0xFFFF
        state[_OCTET_COUNT] += octets
        return whole

    def retransmit(self, sequence_number: int) -> None:
        kept = self._history[sequence_number % RTP_HISTORY_SIZE]
        pair = self._nominated.get(ICE_COMPONENT_RTP)
        if kept is None or kept[0] != sequence_number or pair is None:
            return
        _, timestamp, marker, payload = kept
        if self._rtx is None:
            fields = (marker | self._payload_type, sequence_number, timestamp, self._ssrc)
        else:
            rtx_payload_type, rtx_ssrc = self._rtx
            fields = (marker | rtx_payload_type, self._rtx_sequence_number, timestamp, rtx_ssrc)
            payload = _SEQUENCE_NUMBER.pack(sequence_number) + payload
            self._rtx_sequence_number = (self._rtx_sequence_number + 1) & 0xFFFF
        _HEADER_FIELDS.pack_into(self._buffer, 1, *fields)
        with contextlib.suppress(OSError):  # a congested path: the subscriber may ask again
            self._protect_and_send(pair.protocol.transport._sock, pair.remote_addr, payload)

    def _protect_and_send(self, sock: Any, address: tuple[str, int], payload: bytes) -> None:
        """The packet whose header fields were just written, with this payload behind them."""
        start = self._header_length
        end = start + len(payload)
        self._buffer[start:end] = payload
        length = self._length
        length[0] = end
        status = lib.srtp_protect(self._srtp_context, self._packet, length)
        if status:
            raise pylibsrtp.Error(f"srtp_protect failed with status {status}")
        sock.sendto(self._view[: length[0]], address)


class ForwardedTrack(MediaStreamTrack):
    """The track a subscriber's sender is given: its frames come from a `Leg`, never from here."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    async def recv(self) -> None:  # type: ignore[override]
        # Reached only if the sender hook is gone: refuse rather than let aiortc encode.
        raise AiortcHooksBroken("RTCRtpSender ignored the relay's _next_encoded_frame")
