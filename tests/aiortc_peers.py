"""Every aiortc peer connection a test opens, in the test itself or in a relay it runs, is closed
when the test ends: one left open keeps its UDP sockets until the interpreter's last garbage
collection, where the ResourceWarning fails the whole run instead of that test."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiortc import RTCPeerConnection


@pytest.fixture(autouse=True)
async def _peer_connections_closed(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    opened: list[RTCPeerConnection] = []
    original = RTCPeerConnection.__init__

    def recording_init(self: RTCPeerConnection, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(RTCPeerConnection, "__init__", recording_init)
    yield
    for pc in opened:
        await pc.close()  # returns at once for one already closed
