"""Command handlers, one module per protocol namespace, registered by type with `@command`."""

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from channels.db import database_sync_to_async

from accounts.models import User
from fairplatform.errors import DomainError
from signaling.protocol import COMMANDS, Strict


class Connection(Protocol):
    """What a handler may use of the socket it runs on."""

    user: User
    # Calls joined on this socket: session id → its attendance id.
    interviews: dict[int, int]
    # Presentations on this socket: booth id → (publisher or viewer, its relay's channel).
    presentations: dict[int, tuple[str, str]]
    channel_name: str
    request_id: str | None  # the command being handled
    channel_layer: Any

    def defer_reply(self, on_timeout: Callable[[], DomainError]) -> None:
        """The current command is answered later (by a relay: `relay.reply`), or on_timeout()."""

    async def join_group(self, group: str) -> None: ...

    async def leave_group(self, group: str) -> None: ...


# Returned by a handler whose reply comes later (`Connection.defer_reply`).
DEFERRED: dict[str, Any] = {}
Handler = Callable[[Connection, Any], Awaitable[dict[str, Any]]]
HANDLERS: dict[str, Handler] = {}


def command(type_name: str) -> Callable[[Handler], Handler]:
    if type_name not in COMMANDS:
        raise LookupError(f"{type_name} is not declared in signaling.protocol.COMMANDS")

    def register(handler: Handler) -> Handler:
        HANDLERS[type_name] = handler
        return handler

    return register


def database_command(
    type_name: str,
) -> Callable[[Callable[[User, Any], dict[str, Any]]], Callable[[User, Any], dict[str, Any]]]:
    """A command that is one call into the services with this socket's user: the sync function
    runs in Channels' database thread."""

    def register(
        work: Callable[[User, Any], dict[str, Any]],
    ) -> Callable[[User, Any], dict[str, Any]]:
        async def handler(conn: Connection, payload: Any) -> dict[str, Any]:
            result: dict[str, Any] = await database_sync_to_async(work)(conn.user, payload)
            return result

        command(type_name)(handler)
        return work

    return register


def load_handlers() -> dict[str, Handler]:
    from signaling.handlers import (  # noqa: F401, PLC0415  (registration)
        booth,
        fair,
        interview,
        presentation,
        queue,
        rtc,
        session,
    )

    missing = set(COMMANDS) - set(HANDLERS)
    if missing:
        raise LookupError(f"Commands without a handler: {sorted(missing)}")
    return HANDLERS


__all__ = [
    "DEFERRED",
    "HANDLERS",
    "Connection",
    "Strict",
    "command",
    "database_command",
    "load_handlers",
]
