"""The forwarding core without a network, and the guard on the aiortc internals it hooks."""

import asyncio
from importlib.metadata import version
from types import SimpleNamespace
from typing import Any

import pytest
from aiortc import (
    RTCCertificate,
    RTCDtlsTransport,
    RTCIceGatherer,
    RTCIceTransport,
    RTCRtpParameters,
    RTCRtpReceiver,
    RTCRtpSender,
)
from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters
from aiortc.rtp import RtpPacket, unwrap_rtx
from pylibsrtp import Policy, Session

from signaling.media.forwarding import (
    AiortcHooksBroken,
    EncodedFrame,
    FrameAssembler,
    Leg,
    PublishedTrack,
    RtpWriter,
    check_aiortc_hooks,
    vp8_frame_start,
)

MID_URI = "urn:ietf:params:rtp-hdrext:sdes:mid"


async def test_the_internals_the_relay_hooks_are_where_it_expects() -> None:
    pinned = {"aiortc": "1.16.0", "aioice": "0.13.0", "pylibsrtp": "1.0.0"}
    assert {name: version(name) for name in pinned} == pinned, (
        "aiortc, aioice or pylibsrtp moved: run this module's and tests/media/test_relay.py's "
        "tests, port signaling/media/forwarding.py if they fail, then update these pins "
        "together with constraints.txt"
    )
    check_aiortc_hooks()
    receiver = RTCRtpReceiver("video", SimpleNamespace(state="new"))  # type: ignore[arg-type]
    assert hasattr(receiver, "_RTCRtpReceiver__jitter_buffer")
    # What RtpWriter.for_sender reads, on real objects.
    dtls = RTCDtlsTransport(
        RTCIceTransport(RTCIceGatherer()), [RTCCertificate.generateCertificate()]
    )
    assert hasattr(dtls, "_tx_srtp")
    assert dtls.transport._connection._nominated == {}
    sender_state = vars(RTCRtpSender("video", dtls))
    for name in ("mid", "rtp_header_extensions_map", "rtx_payload_type", "ntp_timestamp"):
        assert f"_RTCRtpSender__{name}" in sender_state, name
    assert hasattr(srtp_pair()[0], "_srtp")


def test_the_guard_names_an_internal_that_moved(monkeypatch: pytest.MonkeyPatch) -> None:
    async def handle_rtcp_without_nacks(self: RTCRtpSender, packet: Any) -> None:
        self._send_keyframe()

    monkeypatch.setattr(RTCRtpSender, "_handle_rtcp_packet", handle_rtcp_without_nacks)
    with pytest.raises(AiortcHooksBroken, match=r"await self\._retransmit\(seq\)"):
        check_aiortc_hooks()


# VP8 descriptors (RFC 7741): X=1, S=1, PID=0, I=1 with a 15-bit picture id; then the VP8
# payload header, whose lowest bit is 0 on keyframes.
KEY_START = bytes([0x90, 0x80, 0x80, 0x01, 0x10])
DELTA_START = bytes([0x90, 0x80, 0x80, 0x02, 0x11])
CONTINUATION = bytes([0x80, 0x80, 0x80, 0x02, 0xAA])


def test_vp8_frame_start_reads_the_descriptor() -> None:
    assert vp8_frame_start(KEY_START) == (True, True)
    assert vp8_frame_start(DELTA_START) == (True, False)
    assert vp8_frame_start(CONTINUATION) == (False, False)
    assert vp8_frame_start(bytes([0x10, 0x10])) == (True, True)  # no extension byte
    assert vp8_frame_start(b"") == (False, False)


def packet(seq: int, timestamp: int, payload: bytes, *, marker: bool = False) -> RtpPacket:
    return RtpPacket(
        payload_type=96,
        sequence_number=seq % 65536,
        timestamp=timestamp,
        ssrc=1234,
        payload=payload,
        marker=int(marker),
    )


def assembler() -> tuple[FrameAssembler, list[EncodedFrame], list[None]]:
    frames: list[EncodedFrame] = []
    losses: list[None] = []
    return FrameAssembler("video", frames.append, lambda: losses.append(None)), frames, losses


def test_frames_are_delivered_whole_even_out_of_order_and_across_the_sequence_wrap() -> None:
    frames_in, frames, losses = assembler()
    for p in (
        packet(65535, 3000, KEY_START),
        packet(1, 3000, CONTINUATION + b"c", marker=True),
        packet(0, 3000, CONTINUATION + b"b"),
    ):
        assert frames_in.add(p) == (False, None)  # never anything for the decoder
    assert frames == [
        EncodedFrame((KEY_START, CONTINUATION + b"b", CONTINUATION + b"c"), 3000, keyframe=True)
    ]
    assert losses == []
    frames_in.add(packet(1, 3000, CONTINUATION + b"c", marker=True))  # a late duplicate
    assert len(frames) == 1


def test_an_incomplete_frame_overtaken_by_the_next_is_reported_lost() -> None:
    frames_in, frames, losses = assembler()
    frames_in.add(packet(10, 3000, DELTA_START))  # its last packet never comes
    frames_in.add(packet(12, 6000, DELTA_START, marker=True))
    assert [f.timestamp for f in frames] == [6000]
    assert losses == [None]


class FakeReceiver:
    def __init__(self) -> None:
        self.plis: list[int] = []

    async def _send_rtcp_pli(self, media_ssrc: int) -> None:
        self.plis.append(media_ssrc)


class FakeSender:
    pass


def published(clock: list[float]) -> tuple[PublishedTrack, FakeReceiver]:
    receiver = FakeReceiver()
    track = PublishedTrack(receiver, "video", clock=lambda: clock[0])  # type: ignore[arg-type]
    return track, receiver


def frame(keyframe: bool, timestamp: int = 0) -> EncodedFrame:
    return EncodedFrame((b"x",), timestamp, keyframe)


def assembler_of(track: PublishedTrack) -> Any:
    return track._assembler


def deliverer(track: PublishedTrack) -> Any:
    return track._fan_out


async def test_keyframe_requests_are_rate_limited_and_coalesced() -> None:
    clock = [100.0]
    track, receiver = published(clock)
    assembler_of(track).add(packet(1, 0, KEY_START, marker=True))  # learns the publisher's SSRC
    track.request_keyframe()
    track.request_keyframe()
    track.request_keyframe()
    await asyncio.sleep(0)
    assert receiver.plis == [1234]  # the others wait for the end of the interval, as one
    clock[0] += 0.5
    await asyncio.sleep(0.6)
    assert receiver.plis == [1234, 1234]


async def test_a_keyframe_arriving_meanwhile_cancels_the_deferred_request() -> None:
    clock = [100.0]
    track, receiver = published(clock)
    assembler_of(track).add(packet(1, 0, KEY_START, marker=True))
    track.request_keyframe()
    track.request_keyframe()
    assembler_of(track).add(packet(2, 3000, KEY_START, marker=True))
    await asyncio.sleep(0.6)
    assert len(receiver.plis) == 1


class FakeWriter:
    """Stands in for a leg's RtpWriter: records what was sent, or refuses (backed up)."""

    def __init__(self) -> None:
        self.timestamps: list[int] = []
        self.backed_up = False

    def send(self, frame: EncodedFrame, sent_at: int) -> bool:
        if self.backed_up:
            return False
        self.timestamps.append(frame.timestamp)
        return True


def started_leg(track: PublishedTrack) -> tuple[Leg, FakeWriter]:
    leg = track.subscribe(FakeSender())  # type: ignore[arg-type]
    writer = FakeWriter()
    leg.start(writer)  # type: ignore[arg-type]
    return leg, writer


async def test_a_leg_starts_at_a_keyframe_and_a_backed_up_one_loses_only_its_own_frames() -> None:
    clock = [0.0]
    track, receiver = published(clock)
    assembler_of(track).add(packet(1, 0, KEY_START, marker=True))  # learns the publisher's SSRC
    slow, slow_out = started_leg(track)
    fast, fast_out = started_leg(track)
    await asyncio.sleep(0)
    assert len(receiver.plis) == 1  # the new legs asked for a keyframe, together
    deliver = deliverer(track)
    deliver(frame(keyframe=False, timestamp=1))  # no use to anyone who has no keyframe yet
    deliver(frame(keyframe=True, timestamp=2))
    deliver(frame(keyframe=False, timestamp=3))
    assert slow_out.timestamps == fast_out.timestamps == [2, 3]

    clock[0] += 1  # past the interval: the next request goes out at once
    slow_out.backed_up = True
    deliver(frame(keyframe=False, timestamp=4))  # slow's socket is full: it loses this one
    assert (slow.frames_dropped, slow.needs_keyframe) == (1, True)
    slow_out.backed_up = False
    deliver(frame(keyframe=False, timestamp=5))  # refers to 4, which slow never got
    deliver(frame(keyframe=True, timestamp=6))
    assert slow_out.timestamps == [2, 3, 6]
    assert fast_out.timestamps == [2, 3, 4, 5, 6]
    assert (fast.frames_dropped, fast.frames_sent) == (0, 5)
    await asyncio.sleep(0)
    assert len(receiver.plis) == 2  # slow asked for the keyframe it waits for


async def test_an_audio_leg_loses_single_frames_and_never_waits() -> None:
    receiver = FakeReceiver()
    track = PublishedTrack(receiver, "audio")  # type: ignore[arg-type]
    leg, out = started_leg(track)
    track._fan_out(frame(keyframe=True, timestamp=0))
    out.backed_up = True
    track._fan_out(frame(keyframe=True, timestamp=1))
    out.backed_up = False
    track._fan_out(frame(keyframe=True, timestamp=2))
    assert (out.timestamps, leg.frames_dropped) == ([0, 2], 1)
    assert receiver.plis == []


class FakeSocket:
    def __init__(self) -> None:
        self.sent: list[tuple[bytes, tuple[str, int]]] = []
        self.full = False

    def sendto(self, data: bytes, address: tuple[str, int]) -> None:
        if self.full:
            raise BlockingIOError
        self.sent.append((bytes(data), address))


SUBSCRIBER = ("127.0.0.1", 40000)
VP8, RTX = 96, 97


def srtp_pair() -> tuple[Session, Session]:
    key = bytes(range(30))
    outbound = Policy(key=key, ssrc_type=Policy.SSRC_ANY_OUTBOUND)
    inbound = Policy(key=key, ssrc_type=Policy.SSRC_ANY_INBOUND)
    return Session(outbound), Session(inbound)


def negotiated_sender() -> RTCRtpSender:
    """A real sender with the state aiortc's send() would have negotiated: mid, extensions, RTX."""
    sender = RTCRtpSender("video", SimpleNamespace(state="new"))  # type: ignore[arg-type]
    state = vars(sender)
    state["_RTCRtpSender__mid"] = "1"
    state["_RTCRtpSender__rtx_payload_type"] = RTX
    state["_RTCRtpSender__rtp_header_extensions_map"].configure(
        RTCRtpParameters(headerExtensions=[RTCRtpHeaderExtensionParameters(id=9, uri=MID_URI)])
    )
    return sender


def writer_for(sender: RTCRtpSender) -> tuple[RtpWriter, FakeSocket, Session]:
    outbound, inbound = srtp_pair()
    socket = FakeSocket()
    transport = SimpleNamespace(_sock=socket)  # asyncio's UDP transport keeps its socket there
    pair = SimpleNamespace(protocol=SimpleNamespace(transport=transport), remote_addr=SUBSCRIBER)
    state = vars(sender)
    template = RtpPacket(payload_type=VP8, ssrc=sender._ssrc)
    template.extensions.mid = state["_RTCRtpSender__mid"]
    writer = RtpWriter(
        header=template.serialize(state["_RTCRtpSender__rtp_header_extensions_map"]),
        rtx=(RTX, sender._rtx_ssrc),
        srtp=outbound,
        nominated={1: pair},
        sender_state=state,
    )
    return writer, socket, inbound


def received(sender: RTCRtpSender, inbound: Session, datagram: bytes) -> RtpPacket:
    extensions = vars(sender)["_RTCRtpSender__rtp_header_extensions_map"]
    return RtpPacket.parse(inbound.unprotect(datagram), extensions)


async def test_the_writer_sends_what_the_subscriber_s_sender_would_have_sent() -> None:
    sender = negotiated_sender()
    writer, socket, inbound = writer_for(sender)
    key = EncodedFrame((KEY_START, CONTINUATION + b"b", CONTINUATION + b"c"), 3000, keyframe=True)
    delta = EncodedFrame((DELTA_START,), 6000, keyframe=False)
    assert writer.send(key, sent_at=111) and writer.send(delta, sent_at=222)

    assert {address for _, address in socket.sent} == {SUBSCRIBER}
    packets = [received(sender, inbound, datagram) for datagram, _ in socket.sent]
    assert [p.payload for p in packets] == [*key.payloads, *delta.payloads]  # untouched
    assert {(p.ssrc, p.payload_type, p.extensions.mid) for p in packets} == {
        (sender._ssrc, VP8, "1")
    }
    first = packets[0].sequence_number
    assert [p.sequence_number for p in packets] == [(first + i) % 65536 for i in range(4)]
    assert [p.marker for p in packets] == [0, 0, 1, 1]  # the last packet of each frame
    origin = packets[0].timestamp - 3000
    assert [p.timestamp for p in packets] == [(origin + t) % 2**32 for t in (3000,) * 3 + (6000,)]
    assert packets[0].extensions.abs_send_time is None  # nobody acts on a viewer's REMB
    # What the sender's RTCP sender reports say.
    state = vars(sender)
    assert state["_RTCRtpSender__packet_count"] == 4
    assert state["_RTCRtpSender__octet_count"] == sum(len(p.payload) for p in packets)
    assert state["_RTCRtpSender__rtp_timestamp"] == packets[-1].timestamp
    assert state["_RTCRtpSender__ntp_timestamp"] == 222


async def test_a_nack_is_answered_with_rtx_from_the_history() -> None:
    sender = negotiated_sender()
    writer, socket, inbound = writer_for(sender)
    leg = PublishedTrack(FakeReceiver(), "video").subscribe(sender)  # type: ignore[arg-type]
    leg.start(writer)
    writer.send(EncodedFrame((KEY_START, CONTINUATION + b"b"), 3000, keyframe=True), sent_at=1)
    lost = received(sender, inbound, socket.sent[0][0])
    socket.sent.clear()

    await sender._retransmit(lost.sequence_number)  # what aiortc calls on an RTCP NACK
    await sender._retransmit((lost.sequence_number + 1000) % 65536)  # no longer kept: nothing
    [(datagram, _)] = socket.sent
    rtx = received(sender, inbound, datagram)
    assert (rtx.payload_type, rtx.ssrc) == (RTX, sender._rtx_ssrc)
    original = unwrap_rtx(rtx, payload_type=VP8, ssrc=sender._ssrc)
    assert (original.sequence_number, original.timestamp, original.marker, original.payload) == (
        lost.sequence_number,
        lost.timestamp,
        lost.marker,
        lost.payload,
    )


async def test_a_packet_the_socket_refuses_keeps_its_number_and_can_be_resent() -> None:
    sender = negotiated_sender()
    writer, socket, inbound = writer_for(sender)
    socket.full = True  # its send buffer is full: the path to the subscriber is congested
    assert not writer.send(EncodedFrame((KEY_START, CONTINUATION), 0, keyframe=True), sent_at=1)
    assert socket.sent == []  # the rest of the frame was not even tried
    socket.full = False
    assert writer.send(EncodedFrame((KEY_START,), 3000, keyframe=True), sent_at=2)
    [(datagram, _)] = socket.sent
    after = received(sender, inbound, datagram)
    # SRTP never protects one index twice, so the refused packet used its number: the subscriber
    # sees the gap, NACKs it, and gets it as RTX.
    refused = (after.sequence_number - 1) % 65536
    writer.retransmit(refused)
    rtx = received(sender, inbound, socket.sent[-1][0])
    original = unwrap_rtx(rtx, payload_type=VP8, ssrc=sender._ssrc)
    assert (original.sequence_number, original.payload) == (refused, KEY_START)
