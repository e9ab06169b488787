"""Signing out closes that session's sockets, on every Daphne process, at once."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from signaling import groups

SESSION_ENDED = "session.ended"


@receiver(user_logged_out)
def close_sockets_of_the_session(sender: Any, request: HttpRequest, user: Any, **_: Any) -> None:
    # Sent before the session is flushed, so its key still names the sockets to close; the
    # person's sockets on other devices (other sessions) stay open.
    layer = get_channel_layer()
    if user is None or layer is None or not request.session.session_key:
        return
    async_to_sync(layer.group_send)(
        groups.user(user.pk), {"type": SESSION_ENDED, "session_key": request.session.session_key}
    )
