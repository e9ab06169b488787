"""The forwarding core without a network, and the guard on the aiortc internals it hooks."""

import asyncio
from importlib.metadata import version
from types import SimpleNamespace
from typing import Any

from aiortc import RTCRtpReceiver
from aiortc.rtp import RtpPacket

from signaling.media.forwarding import (
    EncodedFrame,
    FrameAssembler,
    PublishedTrack,
    check_aiortc_hooks,
    vp8_frame_start,
)


def test_the_aiortc_internals_the_relay_hooks_are_where_it_expects() -> None:
    assert version("aiortc") == "1.16.0", (
        "aiortc moved: run this module's tests, port signaling/media/forwarding.py if they fail, "
        "then update this pin together with constraints.txt"
    )
    check_aiortc_hooks()
    receiver = RTCRtpReceiver("video", SimpleNamespace(state="new"))  # type: ignore[arg-type]
    assert hasattr(receiver, "_RTCRtpReceiver__jitter_buffer")


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


async def test_a_leg_starts_at_a_keyframe_and_a_full_one_drops_only_its_own_backlog() -> None:
    track, _receiver = published([0.0])
    slow = track.subscribe(FakeSender(), capacity=4)  # type: ignore[arg-type]
    fast = track.subscribe(FakeSender(), capacity=4)  # type: ignore[arg-type]
    deliver = deliverer(track)
    deliver(frame(keyframe=False, timestamp=1))  # no use to anyone who has no keyframe yet
    deliver(frame(keyframe=True, timestamp=2))
    for timestamp in range(3, 6):
        deliver(frame(keyframe=False, timestamp=timestamp))
        await fast.next_encoded_frame(None)  # type: ignore[arg-type]
    await fast.next_encoded_frame(None)  # type: ignore[arg-type]
    assert (slow.frames_dropped, fast.frames_dropped) == (0, 0)

    deliver(frame(keyframe=False, timestamp=6))  # slow is full: its backlog goes
    assert slow.frames_dropped == 4 and slow.needs_keyframe
    deliver(frame(keyframe=False, timestamp=7))
    deliver(frame(keyframe=True, timestamp=8))
    sent = await slow.next_encoded_frame(None)  # type: ignore[arg-type]
    assert sent.timestamp == 8
    assert [(await fast.next_encoded_frame(None)).timestamp for _ in range(3)] == [6, 7, 8]  # type: ignore[arg-type]
    assert fast.frames_dropped == 0


async def test_an_audio_leg_drops_its_oldest_frame() -> None:
    receiver = FakeReceiver()
    track = PublishedTrack(receiver, "audio")  # type: ignore[arg-type]
    leg = track.subscribe(FakeSender(), capacity=2)  # type: ignore[arg-type]
    for timestamp in range(3):
        track._fan_out(frame(keyframe=True, timestamp=timestamp))
    assert leg.frames_dropped == 1
    assert (await leg.next_encoded_frame(None)).timestamp == 1  # type: ignore[arg-type]
    assert receiver.plis == []
