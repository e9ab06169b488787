"""aiortc publisher -> relay -> aiortc subscribers, over 127.0.0.1 only (no browser, no namespace:
every aiortc socket binds 127.0.0.1 and no STUN server is configured)."""

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aioice.ice
import pytest
from aiortc.codecs import get_decoder, get_encoder

from signaling.media.peers import Publisher, Subscriber, wait_until
from signaling.media.relay import Relay, RelayRefused

BOOTH = 7


@pytest.fixture(autouse=True)
def loopback_only_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    # aioice leaves 127.0.0.1 out unless it is all there is.
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])


@pytest.fixture
def codecs_made(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Every encoder and decoder aiortc creates in this process, as "encoder video/VP8" etc."""
    made: Counter[str] = Counter()

    def decoder(codec: Any) -> Any:
        made[f"decoder {codec.mimeType}"] += 1
        return get_decoder(codec)

    def encoder(codec: Any) -> Any:
        made[f"encoder {codec.mimeType}"] += 1
        return get_encoder(codec)

    monkeypatch.setattr("aiortc.rtcrtpreceiver.get_decoder", decoder)
    monkeypatch.setattr("aiortc.rtcrtpsender.get_encoder", encoder)
    yield made


@pytest.fixture
def first_vp8_frames(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each VP8 decoder, in the order they were made: was the first frame it got a keyframe
    (the VP8 payload header's P bit clear)?"""
    firsts: list[bool] = []

    def decoder(codec: Any) -> Any:
        made: Any = get_decoder(codec)
        if codec.mimeType == "video/VP8":
            index, decode = len(firsts), made.decode
            firsts.append(False)

            def first_noted(encoded_frame: Any) -> Any:
                if made.decode is not decode:
                    firsts[index] = not encoded_frame.data[0] & 0x01
                    made.decode = decode
                return decode(encoded_frame)

            made.decode = first_noted
        return made

    monkeypatch.setattr("aiortc.rtcrtpreceiver.get_decoder", decoder)
    return firsts


@pytest.fixture
async def relay() -> AsyncIterator[Relay]:
    ended: list[int] = []

    async def on_ended(booth_id: int) -> None:
        ended.append(booth_id)

    running = Relay(on_ended=on_ended, max_viewers=4)
    running.ended_booths = ended  # type: ignore[attr-defined]
    yield running
    await running.close()


async def publish(relay: Relay) -> Publisher:
    publisher = Publisher()
    await publisher.pc.setRemoteDescription(await relay.publish(BOOTH, await publisher.offer()))
    return publisher


async def watch(relay: Relay) -> tuple[str, Subscriber]:
    subscriber = Subscriber()
    viewer_id, answer = await relay.watch(BOOTH, await subscriber.offer())
    await subscriber.accept(answer)
    return viewer_id, subscriber


async def close_all(*peers: Publisher | Subscriber) -> None:
    await asyncio.gather(*(peer.close() for peer in peers))


async def test_three_subscribers_decode_what_the_relay_forwards_without_codecs(
    relay: Relay, codecs_made: Counter[str]
) -> None:
    publisher = await publish(relay)
    subscribers = [(await watch(relay))[1] for _ in range(3)]
    try:
        assert await wait_until(
            lambda: all(s.video.frames >= 45 and s.audio.frames >= 50 for s in subscribers), 15
        ), [(s.video.frames, s.audio.frames) for s in subscribers]
        assert {s.video.size for s in subscribers} == {(640, 360)}

        # One encoder per published track (the publisher's) and one decoder per received track
        # (the subscribers'): had the relay decoded or re-encoded anything, there would be more.
        assert codecs_made == {
            "encoder video/VP8": 1,
            "encoder audio/opus": 1,
            "decoder video/VP8": 3,
            "decoder audio/opus": 3,
        }
        presentation = relay.presentations[BOOTH]
        for viewer in presentation.viewers.values():
            for transceiver in viewer.pc.getTransceivers():
                assert vars(transceiver.sender)["_RTCRtpSender__encoder"] is None
        assert presentation.tracks["video"].frames_in >= 45
        for track in presentation.tracks.values():
            assert all(leg.frames_dropped == 0 for leg in track.legs)
    finally:
        await close_all(publisher, *subscribers)


async def test_a_late_joiner_decodes_a_keyframe_within_a_second(
    relay: Relay, first_vp8_frames: list[bool]
) -> None:
    publisher = await publish(relay)
    _, early = await watch(relay)
    try:
        assert await wait_until(lambda: early.video.frames >= 60, 15)
        video = relay.presentations[BOOTH].tracks["video"]
        requests_before = video.keyframe_requests_sent

        _, late = await watch(relay)
        assert await wait_until(lambda: late.video.first_at is not None, 5)
        assert late.video.first_at is not None
        waited = late.video.first_at - late.started
        assert waited < 1.0, f"first decoded frame {waited:.2f} s after asking to watch"
        assert first_vp8_frames == [True, True]  # the early subscriber's and the late one's
        assert video.keyframe_requests_sent > requests_before
        await close_all(late)
    finally:
        await close_all(publisher, early)


class RelaySideTransport:
    """Stands in for the datagram transport of a viewer's ICE pair at the relay: aiortc's own
    packets (RTCP, STUN) go through it, the forwarded media straight to `_sock`."""

    def __init__(self, real: Any, sock: Any) -> None:
        self.real = real
        self._sock = sock

    def sendto(self, data: bytes, address: tuple[str, int]) -> None:
        self.real.sendto(data, address)


class FullSocket:
    """A socket whose send buffer stays full (the path to the viewer is congested)."""

    def __init__(self) -> None:
        self.refused = 0

    def sendto(self, data: bytes, address: tuple[str, int]) -> None:
        self.refused += 1
        raise BlockingIOError


def nominated_pair(pc: Any) -> Any:
    """The ICE pair a relay-side peer sends on."""
    return pc.getTransceivers()[0].sender.transport.transport._connection._nominated[1]


async def test_a_stalled_subscriber_loses_only_its_own_frames(relay: Relay) -> None:
    publisher = await publish(relay)
    watched = [await watch(relay) for _ in range(3)]
    (stalled_id, stalled), others = watched[0], [s for _, s in watched[1:]]
    pair = real = None
    try:
        assert await wait_until(lambda: all(s.video.frames >= 10 for _, s in watched), 15)
        viewer = relay.presentations[BOOTH].viewers[stalled_id]
        pair = nominated_pair(viewer.pc)
        real = pair.protocol.transport
        full = FullSocket()
        pair.protocol.transport = RelaySideTransport(real, full)
        sent_before = {leg: leg.frames_sent for _, leg in viewer.legs}
        frames_before = [s.video.frames for s in others]
        started = time.monotonic()
        await asyncio.sleep(2.0)
        elapsed = time.monotonic() - started

        for subscriber, before in zip(others, frames_before, strict=True):
            rate = (subscriber.video.frames - before) / elapsed
            assert rate > 24, f"{rate:.1f} fps while another subscriber stalled"
        assert full.refused > 0
        for source, leg in viewer.legs:  # audio and video share the stalled socket
            assert leg.frames_dropped > 0, source.kind
            assert leg.frames_sent == sent_before[leg], source.kind
        video = relay.presentations[BOOTH].tracks["video"]
        stalled_video = next(leg for source, leg in viewer.legs if source is video)
        assert stalled_video.needs_keyframe
        assert [leg.frames_dropped for leg in video.legs if leg is not stalled_video] == [0, 0]
    finally:
        if pair is not None:
            pair.protocol.transport = real
        await close_all(publisher, stalled, *others)


class LossySocket:
    """A socket on a path that loses every tenth video packet to the viewer."""

    def __init__(self, real: Any, sender: Any) -> None:
        self.real = real
        self.video_ssrc, self.rtx_ssrc = sender._ssrc, sender._rtx_ssrc
        self.video_packets = self.lost = self.resent = 0

    def sendto(self, data: bytes, address: tuple[str, int]) -> None:
        ssrc = int.from_bytes(data[8:12], "big")  # the RTP header is not encrypted
        if ssrc == self.rtx_ssrc:
            self.resent += 1
        elif ssrc == self.video_ssrc:
            self.video_packets += 1
            if self.video_packets % 10 == 0:
                self.lost += 1
                return
        self.real.sendto(data, address)


async def test_packets_lost_on_the_way_to_a_subscriber_are_resent(relay: Relay) -> None:
    publisher = await publish(relay)
    viewer_id, subscriber = await watch(relay)
    pair = real = None
    try:
        assert await wait_until(lambda: subscriber.video.frames >= 10, 15)
        viewer = relay.presentations[BOOTH].viewers[viewer_id]
        [sender] = [t.sender for t in viewer.pc.getTransceivers() if t.kind == "video"]
        pair = nominated_pair(viewer.pc)
        real = pair.protocol.transport
        lossy = LossySocket(real._sock, sender)
        pair.protocol.transport = RelaySideTransport(real, lossy)
        frames_before, started = subscriber.video.frames, time.monotonic()
        await asyncio.sleep(2.0)
        rate = (subscriber.video.frames - frames_before) / (time.monotonic() - started)

        assert lossy.lost >= 10
        assert lossy.resent >= lossy.lost - 2  # NACKed and resent as RTX (the last may be due)
        assert rate > 24, f"{rate:.1f} fps decoded over a path losing 10 % of packets"
    finally:
        if pair is not None:
            pair.protocol.transport = real
        await close_all(publisher, subscriber)


async def test_the_publisher_leaving_ends_the_presentation_for_every_viewer(relay: Relay) -> None:
    publisher = await publish(relay)
    subscribers = [(await watch(relay))[1] for _ in range(2)]
    extra = Subscriber()
    try:
        assert await wait_until(lambda: all(s.video.frames >= 10 for s in subscribers), 15)
        await publisher.close()
        assert await wait_until(lambda: all(s.video.ended.is_set() for s in subscribers), 5)
        assert await wait_until(lambda: BOOTH not in relay.presentations, 5)
        assert relay.ended_booths == [BOOTH]  # type: ignore[attr-defined]
        with pytest.raises(RelayRefused) as refused:
            await relay.watch(BOOTH, await extra.offer())
        assert refused.value.code == "presentation.not_live"
    finally:
        await close_all(extra, *subscribers)


async def test_a_full_relay_refuses_with_a_code(relay: Relay) -> None:
    publisher = await publish(relay)
    subscribers = [(await watch(relay))[1] for _ in range(relay.max_viewers)]
    extra = Subscriber()
    try:
        with pytest.raises(RelayRefused) as refused:
            await relay.watch(BOOTH, await extra.offer())
        assert refused.value.code == "presentation.full"
        second = Publisher()
        with pytest.raises(RelayRefused) as twice:
            await relay.publish(BOOTH, await second.offer())
        assert twice.value.code == "presentation.already_live"
    finally:
        await close_all(publisher, second, extra, *subscribers)
