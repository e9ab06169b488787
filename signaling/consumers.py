"""The one WebSocket consumer: parse, check, dispatch to a handler, reply. No business rules."""

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import forget_memberships
from fairplatform.errors import DomainError
from rooms import interviews
from rooms.queue_feed import position_for
from signaling import groups
from signaling.handlers import DEFERRED, load_handlers
from signaling.handlers import presentation as presentations
from signaling.handlers.interview import forget as forget_interview
from signaling.handlers.roles import staff_groups_refused
from signaling.liveness import heartbeat_start
from signaling.protocol import (
    ACCOUNT_CHANGED_CLOSE_CODE,
    SIGNED_OUT_CLOSE_CODE,
    ErrorBody,
    ErrorReply,
    OkReply,
    ProtocolError,
    event,
    frame_request_id,
    parse_frame,
)
from signaling.ratelimit import TokenBucket

logger = logging.getLogger(__name__)


class FairConsumer(AsyncWebsocketConsumer):
    user: User

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            # Refused at the handshake: the browser sees HTTP 403 and no socket opens.
            await self.close()
            return
        # A concrete user (not Channels' lazy wrapper) so its membership cache can be dropped.
        self.user = await database_sync_to_async(User.objects.get)(pk=user.pk)
        self.handlers = load_handlers()
        self.groups_joined: set[str] = set()
        self.interviews: dict[int, int] = {}
        self.presentations: dict[int, tuple[str, str]] = {}
        # Commands whose reply comes from a relay process: request id → its timeout.
        self.deferred: dict[str, asyncio.Task[None]] = {}
        self.request_id: str | None = None
        self.bucket = TokenBucket(settings.WS_RATE_LIMIT_PER_SECOND, settings.WS_RATE_LIMIT_BURST)
        self.language = _page_language(self.scope, self.user)
        heartbeat_start()
        await self.accept()
        # The person's own news (a call from a booth's line) reaches whatever page they are on.
        await self.join_group(groups.user(self.user.pk))

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its per-message `aclose_old_connections()`.

        That call hops to the single sync thread for every frame and relayed event, though the
        relay path never touches the database: a quarter of a Daphne's time in bench/signaling.py.
        Every database call here goes through `database_sync_to_async`, which closes stale
        connections itself, before and after.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def disconnect(self, code: int) -> None:
        for timeout in getattr(self, "deferred", {}).values():
            timeout.cancel()
        if getattr(self, "presentations", None):
            await presentations.disconnected(self)
        for session_id, attendance_id in list(getattr(self, "interviews", {}).items()):
            # Not a hang-up: the others see "reconnecting" until the grace period runs out.
            await database_sync_to_async(interviews.interview_leave)(
                actor=self.user, session_id=session_id, attendance_id=attendance_id, how="dropped"
            )
        for group in list(getattr(self, "groups_joined", ())):
            await self.leave_group(group)

    async def join_group(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)

    async def leave_group(self, group: str) -> None:
        await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined.discard(group)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # Replies in the page's language (a refusal's message is shown to the person).
        with translation.override(self.language):
            await self._receive(text_data)

    async def _receive(self, text_data: str | None) -> None:
        request_id: str | None = None
        try:
            # Counted first: a refusal of any kind costs a token, so none is free to repeat.
            if not self.bucket.take():
                raise ProtocolError(
                    "protocol.rate_limited",
                    _("Too many messages at once: wait a moment and try again."),
                    frame_request_id(text_data or ""),
                )
            if text_data is None:
                raise ProtocolError("protocol.invalid_json", _("Send text frames with JSON."))
            if len(text_data.encode()) > settings.WS_MAX_MESSAGE_BYTES:
                raise ProtocolError(
                    "protocol.too_large",
                    _("The frame is larger than %(limit)s bytes.")
                    % {"limit": settings.WS_MAX_MESSAGE_BYTES},
                    frame_request_id(text_data),
                )
            envelope, payload = parse_frame(text_data)
            request_id = self.request_id = envelope.id
            # Roles are re-read by the first permission check of each frame: a revoked role
            # stops working on open sockets too.
            forget_memberships(self.user)
            data = await self.handlers[envelope.type](self, payload)
            if data is not DEFERRED:
                await self._send_model(OkReply(id=envelope.id, data=data))
        except ProtocolError as exc:
            await self._refuse(exc.request_id, exc.code, exc.message)
        except DomainError as exc:
            await self._refuse(request_id, exc.code, str(exc.message))
        except Exception:
            logger.exception("Unexpected failure handling a frame from user %s", self.user.pk)
            await self._send_error(request_id, "server.error", _("Unexpected failure."))

    async def client_push(self, message: dict[str, Any]) -> None:
        """Channel-layer events from services (signaling.bus) go to the browser unchanged."""
        if "superseded_by_attendance" in message:
            session_id = message["frame"]["data"]["session_id"]
            mine = self.interviews.get(session_id)
            # Only a socket on an older attendance steps out. None: this socket's own join is on
            # its way. Newer: the layer delivers by who is subscribed when a message is read,
            # so an event published before this socket joined may still reach it.
            if mine is None or mine >= message["superseded_by_attendance"]:
                return
            await forget_interview(self, session_id)
        await self.send_json(message["frame"])
        if "close_interview" in message:
            await forget_interview(self, message["close_interview"])
        if "close_presentation" in message:
            booth_id = message["close_presentation"]
            self.presentations.pop(booth_id, None)
            # A presenter's socket stops hearing this booth's viewers with the presentation.
            if groups.presentation_staff(booth_id) in self.groups_joined:
                await self.leave_group(groups.presentation_staff(booth_id))

    def defer_reply(self, on_timeout: Callable[[], DomainError]) -> None:
        request_id = self.request_id
        if request_id is None:
            raise RuntimeError("defer_reply outside a command")

        async def expire() -> None:
            await asyncio.sleep(settings.MEDIA_RELAY_REPLY_TIMEOUT)
            if self.deferred.pop(request_id, None) is not None:
                error = on_timeout()
                await self._refuse(request_id, error.code, str(error.message))

        self.deferred[request_id] = asyncio.ensure_future(expire())

    async def relay_reply(self, message: dict[str, Any]) -> None:
        """A relay process answers a deferred command (signaling.media.relay_server)."""
        timeout = self.deferred.pop(message["request_id"], None)
        if timeout is None:  # already answered with presentation.no_relay: undo it at the relay
            await presentations.abandoned(self, message)
            return
        timeout.cancel()
        await presentations.finish(self, message)
        if message["ok"]:
            await self._send_model(OkReply(id=message["request_id"], data=message["data"]))
        else:
            error = message["error"]
            await self._refuse(message["request_id"], error["code"], error["message"])

    async def session_ended(self, message: dict[str, Any]) -> None:
        """Signed out (signaling.receivers): this session's sockets close, others stay."""
        session = self.scope.get("session")
        if session is not None and session.session_key == message["session_key"]:
            await self.close(code=SIGNED_OUT_CLOSE_CODE)

    async def account_changed(self, _message: dict[str, Any]) -> None:
        """A new password, a deactivation or a deletion (signaling.receivers): the client
        reconnects, and the handshake lets in only a session that still holds."""
        await self.close(code=ACCOUNT_CHANGED_CLOSE_CODE)

    async def roles_changed(self, _message: dict[str, Any]) -> None:
        """The person's roles changed (signaling.receivers): the subscriptions a role granted
        are checked again, and those no longer allowed are dropped. Commands re-check roles
        on every frame already."""
        refused = await database_sync_to_async(staff_groups_refused)(
            self.user, list(self.groups_joined)
        )
        for group in refused:
            subject = groups.staff_group_subject(group)
            if subject is not None and subject[0] == "presentation":
                await presentations.stop_publishing(self, subject[1])
            else:
                await self.leave_group(group)

    async def queue_order(self, message: dict[str, Any]) -> None:
        """A booth's line changed: this socket works out its own user's place (queue_feed)."""
        await self.send_json(event("queue.position", position_for(message, self.user.pk)))

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=_dumps(content))

    async def _send_model(self, model: OkReply | ErrorReply) -> None:
        await self.send_json(model.model_dump(mode="json"))

    async def _refuse(self, request_id: str | None, code: str, message: str) -> None:
        # Refusals are expected (bad clients, stale pages) but worth a trace when one floods.
        logger.info("refused %s from user %s: %s", code, self.user.pk, message)
        await self._send_error(request_id, code, message)

    async def _send_error(self, request_id: str | None, code: str, message: str) -> None:
        await self._send_model(
            ErrorReply(id=request_id, error=ErrorBody(code=code, message=message))
        )


def _page_language(scope: dict[str, Any], user: User) -> str:
    """The language of the page that opened the socket (`?lang=`), else the person's own."""
    asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [""])[0]
    supported = {code for code, _name in settings.LANGUAGES}
    for language in (asked, user.preferred_language):
        if language in supported:
            return language
    return settings.LANGUAGE_CODE


def _dumps(content: dict[str, Any]) -> str:
    return json.dumps(content, separators=(",", ":"), ensure_ascii=False)
