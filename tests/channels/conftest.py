from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts.models import User
from fairplatform.asgi import application
from signaling.consumers import FairConsumer

ORIGIN = b"http://127.0.0.1"


def _session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


@asynccontextmanager
async def ws_client(
    user: User | None, *, origin: bytes = ORIGIN, query: str = ""
) -> AsyncIterator[WebsocketCommunicator]:
    """A socket through the whole ASGI stack (origin check, session auth, routing), always closed."""
    headers = [(b"origin", origin), (b"host", b"127.0.0.1")]
    if user is not None:
        headers.append((b"cookie", await database_sync_to_async(_session_cookie)(user)))
    path = f"/ws/v1/?{query}" if query else "/ws/v1/"
    communicator = WebsocketCommunicator(application, path, headers=headers)
    try:
        yield communicator
    finally:
        await communicator.disconnect()


@pytest.fixture(autouse=True)
def _real_redis_layer():
    assert (
        settings.CHANNEL_LAYERS["default"]["BACKEND"]
        == "channels_redis.pubsub.RedisPubSubChannelLayer"
    )


def _spy_on(monkeypatch, method: str) -> list[str]:
    """Every group a socket of this test passes to FairConsumer.<method>, refusals included."""
    seen: list[str] = []
    original = getattr(FairConsumer, method)

    async def spy(self, group):
        seen.append(group)
        await original(self, group)

    monkeypatch.setattr(FairConsumer, method, spy)
    return seen


@pytest.fixture
def groups_joined(monkeypatch):
    return _spy_on(monkeypatch, "join_group")


@pytest.fixture
def groups_left(monkeypatch):
    return _spy_on(monkeypatch, "leave_group")
