"""A booth presentation in real browsers: a recruiter goes live from a desktop (fake camera), two
phone-sized candidates watch through a relay process this test starts (127.0.0.1 only), and
both decode video; then the recruiter ends it and both pages say so. axe checks both pages."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Membership
from signaling.media import registry
from tests import factories
from tests.axe import axe_violations
from tests.webrtc import harness

pytestmark = [pytest.mark.webrtc, pytest.mark.django_db(transaction=True)]

RELAY = "webrtc-relay-1"
VIEWER_STATS_JS = """
async () => {
  const p = window.fairPresentation;
  if (!p || !p.pc) return {state: p ? p.state : null, framesDecoded: 0, remote: null};
  let frames = 0, pairId = null, remote = null;
  const report = await p.pc.getStats();
  const byId = new Map();
  report.forEach((s) => byId.set(s.id, s));
  report.forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "video") frames = Math.max(frames, s.framesDecoded || 0);
    if (s.type === "transport" && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
  });
  const pair = pairId ? byId.get(pairId) : null;
  if (pair) { const c = byId.get(pair.remoteCandidateId); remote = c ? (c.address || c.ip) : null; }
  const video = document.getElementById("presentation-video");
  return {state: p.state, framesDecoded: frames, remote,
          width: video.videoWidth, shown: video.getVideoPlaybackQuality().totalVideoFrames};
}
"""

AUDIO_PACKETS_JS = """
async (least) => {
  const p = window.fairPresentation;
  if (!p || !p.pc) return false;
  let packets = 0;
  (await p.pc.getStats()).forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "audio") packets = s.packetsReceived || 0;
  });
  return packets >= least;
}
"""


@pytest.fixture
def max_viewers() -> int:
    return 10


@pytest.fixture
def relay_process(daphne, tmp_path: Path, max_viewers: int) -> Iterator[subprocess.Popen[bytes]]:
    """`manage.py media_relay`, as `make run` starts it, on the test database and Redis."""
    env = harness.daphne_env(
        database_url=harness.database_url_for(
            os.environ["DATABASE_URL"], connection.settings_dict["NAME"]
        ),
        redis_url=os.environ["REDIS_URL"],
    )
    env["MEDIA_RELAY_ADDRESSES"] = harness.LOOPBACK  # all there is in this namespace
    log = tmp_path / "relay.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - a fixed argv
            [
                sys.executable,
                "manage.py",
                "media_relay",
                "--name",
                RELAY,
                "--max-viewers",
                str(max_viewers),
            ],
            cwd=harness.ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        with redis.Redis.from_url(os.environ["REDIS_URL"]) as client:
            deadline = time.monotonic() + harness.START_TIMEOUT
            while not client.exists(registry.process_key(RELAY)):
                assert process.poll() is None, harness.tail(log)
                assert time.monotonic() < deadline, harness.tail(log)
                time.sleep(0.1)
        yield process
    finally:
        harness.devservices().stop_processes([(process, 15)], harness.STOP_TIMEOUT)
        print(harness.tail(log))  # shown when the test fails


def decoding(viewers: list[harness.Seat]) -> list[dict[str, object]]:
    """Poll until every viewer decodes MIN_FRAMES frames and shows them; their last stats."""
    deadline = time.monotonic() + harness.VIDEO_TIMEOUT
    while True:
        stats = [viewer.page.evaluate(VIEWER_STATS_JS) for viewer in viewers]
        if all(s["framesDecoded"] >= harness.MIN_FRAMES and s["shown"] > 0 for s in stats):
            return stats
        assert time.monotonic() < deadline, stats
        time.sleep(0.2)


def listen_only_at_360_px(page) -> None:
    """Audio only: the same socket watches again with no video leg, and audio keeps coming."""
    page.set_viewport_size({"width": 360, "height": 740})
    page.locator("label[for=presentation-audio-only]").click()  # Bootstrap Italia styles it
    page.wait_for_function(
        "() => window.fairPresentation.state === 'watching'"
        " && window.fairPresentation.pc.getTransceivers().length === 1"
    )
    page.wait_for_function(AUDIO_PACKETS_JS, arg=50, timeout=15_000)
    expect(page.locator("#presentation-video")).to_be_hidden()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert axe_violations(page) == []


def test_a_recruiter_presents_and_two_phones_decode_the_video(seat, daphne, relay_process, timing):
    booth = factories.booth(
        fair_=factories.live_fair(), employer_=factories.employer("Vesuvio Cloud S.r.l.")
    )
    recruiter = factories.member(
        booth.employer.organisation, Membership.Role.RECRUITER, name="Rita Recruiter"
    )
    first, second = daphne(2)
    rec = seat("presenter (desktop, daphne 0)", recruiter, server=first)
    viewers = [
        seat(
            "Anna (phone, daphne 1)", factories.user(name="Anna"), server=second, phone_sized=True
        ),
        seat(
            "Bruno (phone, daphne 0)", factories.user(name="Bruno"), server=first, phone_sized=True
        ),
    ]
    for viewer in viewers:
        viewer.page.goto(f"{viewer.server.url}/booths/{booth.pk}/")
        expect(viewer.page.locator("#queue-panel")).to_be_visible()
        expect(viewer.page.locator("#presentation-panel")).to_be_hidden()

    rec.page.goto(rec.server.url + reverse("staff:booth_present", args=[booth.pk]))
    assert axe_violations(rec.page) == []
    started = time.monotonic()
    rec.page.locator("#presenter-go-live").click()
    rec.page.wait_for_function("() => window.fairPresenter.state === 'live'")

    for viewer in viewers:
        panel = viewer.page.locator("#presentation-panel")
        expect(panel).to_be_visible()  # presentation.started reached the page
        viewer.page.locator("#presentation-watch").click()
        viewer.page.wait_for_function("() => window.fairPresentation.state === 'watching'")

    stats = decoding(viewers)
    timing("both phones decoding", time.monotonic() - started)
    assert all(s["remote"] == harness.LOOPBACK for s in stats), stats
    expect(rec.page.locator("#presenter-viewers")).to_contain_text("2")

    anna = viewers[0].page
    anna.locator("#presentation-question").fill("Do you hire juniors?")
    anna.locator("#presentation-ask").click()
    anna.locator("#presentation-hand").click()
    expect(rec.page.locator("#presenter-questions")).to_contain_text("Do you hire juniors?")
    expect(rec.page.locator("#presenter-hands")).to_contain_text("Anna")
    assert axe_violations(anna) == []
    assert axe_violations(rec.page) == []
    width = anna.evaluate("() => document.documentElement.scrollWidth")
    assert width <= anna.viewport_size["width"], width

    expect(viewers[1].page.locator("#presentation-viewers")).to_contain_text("2")

    listen_only_at_360_px(viewers[1].page)

    rec.page.locator("#presenter-end").click()
    for viewer in viewers:
        viewer.page.wait_for_function("() => window.fairPresentation.state === 'off'")
        expect(viewer.page.locator("#presentation-panel")).to_be_hidden()
        expect(viewer.page.locator("#queue-panel")).to_be_visible()
    expect(rec.page.locator("#presenter-go-live")).to_be_visible()
    rec.page.set_viewport_size({"width": 360, "height": 740})
    assert rec.page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert axe_violations(rec.page) == []


@pytest.mark.parametrize("max_viewers", [1])
def test_a_full_presentation_says_so_and_offers_the_line(seat, daphne, relay_process):
    booth = factories.booth(fair_=factories.live_fair())
    recruiter = factories.member(booth.employer.organisation, Membership.Role.RECRUITER)
    rec = seat("presenter (desktop)", recruiter)
    anna = seat("Anna (phone)", factories.user(name="Anna"), phone_sized=True)
    bruno = seat("Bruno (phone)", factories.user(name="Bruno"), phone_sized=True)
    rec.page.goto(rec.server.url + reverse("staff:booth_present", args=[booth.pk]))
    rec.page.locator("#presenter-go-live").click()
    rec.page.wait_for_function("() => window.fairPresenter.state === 'live'")
    for person in (anna, bruno):
        person.page.goto(f"{person.server.url}/booths/{booth.pk}/")
        expect(person.page.locator("#presentation-panel")).to_be_visible()
    anna.page.locator("#presentation-watch").click()
    anna.page.wait_for_function("() => window.fairPresentation.state === 'watching'")

    bruno.page.locator("#presentation-watch").click()
    expect(bruno.page.locator("#presentation-error")).to_contain_text("full")
    assert bruno.page.evaluate("() => window.fairPresentation.state") == "off"
    expect(bruno.page.locator("#presentation-watch")).to_be_visible()
    expect(bruno.page.locator("#queue-join")).to_be_visible()
    assert axe_violations(bruno.page) == []


def test_a_shared_screen_reaches_a_viewer(seat, daphne, relay_process):
    booth = factories.booth(fair_=factories.live_fair())
    recruiter = factories.member(booth.employer.organisation, Membership.Role.RECRUITER)
    rec = seat("presenter (desktop, screen)", recruiter)
    anna = seat("Anna (phone)", factories.user(name="Anna"), phone_sized=True)
    rec.page.goto(rec.server.url + reverse("staff:booth_present", args=[booth.pk]))
    rec.page.locator("label[for=presenter-source-screen]").click()
    rec.page.locator("#presenter-go-live").click()
    rec.page.wait_for_function("() => window.fairPresenter.state === 'live'")
    kinds = rec.page.evaluate("() => window.fairPresenter.stream.getTracks().map((t) => t.kind)")
    assert sorted(kinds) == ["audio", "video"]  # the screen and the microphone
    anna.page.goto(f"{anna.server.url}/booths/{booth.pk}/")
    anna.page.locator("#presentation-watch").click()
    decoding([anna])
