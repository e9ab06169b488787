"""Account changes that open sockets must follow, on every Daphne process, at once: signing
out closes that session's sockets; a changed role re-checks what the person's sockets follow."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.models import Membership
from signaling import groups

SESSION_ENDED = "session.ended"
ROLES_CHANGED = "roles.changed"


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


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def recheck_sockets_of_the_member(sender: Any, instance: Membership, **_: Any) -> None:
    # Memberships change in the admin and in services alike: a signal catches every path.
    # After commit, so the sockets re-read the roles as they now are.
    layer = get_channel_layer()
    if layer is None:
        return
    # Robust, like signaling.bus: the change is committed whatever happens to the notice.
    transaction.on_commit(
        lambda: async_to_sync(layer.group_send)(
            groups.user(instance.user_id), {"type": ROLES_CHANGED}
        ),
        robust=True,
    )
