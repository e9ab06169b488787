"""A second client, written from docs/protocol.md: an aiortc peer in a call with a browser."""

import asyncio
import threading
import time

import aioice.ice
import pytest
from django.conf import settings
from django.test import Client

from accounts.models import Membership
from signaling.media.call_client import CallClient
from tests import factories
from tests.webrtc.harness import wait_for_video

pytestmark = [pytest.mark.webrtc, pytest.mark.django_db(transaction=True)]

PIXEL_JS = """(userId) => {
  const video = document.querySelector(`[data-user-id="${userId}"] video`);
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  const context = canvas.getContext("2d");
  context.drawImage(video, 0, 0);
  return Array.from(context.getImageData(canvas.width / 2, canvas.height / 2, 1, 1).data);
}"""


class ClientThread(threading.Thread):
    """The aiortc client on its own event loop: Playwright's sync API owns this thread's loop."""

    def __init__(self, client: CallClient) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.loop = asyncio.new_event_loop()
        self.joined = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        async def main() -> None:
            joined = asyncio.Event()
            runner = asyncio.ensure_future(self.client.run(joined))
            await joined.wait()
            self.joined.set()
            await runner

        try:
            self.loop.run_until_complete(main())
        except BaseException as exc:  # reported by the test
            self.error = exc

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.client.hang_up(), self.loop).result(timeout=10)
        self.join(timeout=10)
        self.loop.close()


def test_aiortc_client_and_browser_exchange_video(seat, daphne, monkeypatch):
    # aioice leaves out loopback addresses unless they are all there is.
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])
    employer = factories.employer()
    recruiter = factories.member(employer.organisation, Membership.Role.RECRUITER, name="Rita")
    candidate = factories.user(name="Python Peer")
    session = factories.booth_call(recruiter, candidate)
    rec = seat("recruiter (browser)", recruiter)
    rec.enter(session.pk)

    web = Client()
    web.force_login(candidate)
    server = rec.server
    peer = CallClient(
        server.ws_url,
        web.cookies[settings.SESSION_COOKIE_NAME].value,
        session.pk,
        origin=server.url,
    )
    thread = ClientThread(peer)
    thread.start()
    try:
        assert thread.joined.wait(15), thread.error
        wait_for_video([(rec, [candidate.pk])])
        red, green, blue, _alpha = rec.page.evaluate(PIXEL_JS, candidate.pk)
        assert red > 200 and green < 60 and blue > 200, (red, green, blue)  # the client's magenta
        deadline = time.monotonic() + 15
        while peer.frames_from(recruiter.pk) < 30 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert peer.frames_from(recruiter.pk) >= 30
    finally:
        thread.stop()
    assert thread.error is None, thread.error
