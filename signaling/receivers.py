"""Account changes that open sockets must follow, on every Daphne process, at once: signing
out closes that session's sockets; a new password, a deactivation or a deletion closes all the
person's sockets (they reconnect only where the session still holds); a changed role re-checks
what the person's sockets follow."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.models import Membership, User
from signaling import groups

SESSION_ENDED = "session.ended"
ROLES_CHANGED = "roles.changed"
ACCOUNT_CHANGED = "account.changed"
# What a socket's sign-in rests on: when either changes, the socket signs in again.
_CREDENTIALS = {"password", "is_active"}


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


@receiver(pre_save, sender=User)
def close_sockets_when_credentials_change(
    sender: Any, instance: User, update_fields: Any = None, **_: Any
) -> None:
    if instance._state.adding or (
        update_fields is not None and not _CREDENTIALS & set(update_fields)
    ):
        return  # a sign-in's last_login and the like: nothing a socket rests on
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is not None and (
        before["password"] != instance.password or (before["is_active"] and not instance.is_active)
    ):
        _tell_on_commit(instance.pk, ACCOUNT_CHANGED)


@receiver(post_delete, sender=User)
def close_sockets_of_a_deleted_account(sender: Any, instance: User, **_: Any) -> None:
    _tell_on_commit(instance.pk, ACCOUNT_CHANGED)


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def recheck_sockets_of_the_member(sender: Any, instance: Membership, **_: Any) -> None:
    # Memberships change in the admin and in services alike: a signal catches every path.
    # After commit, so the sockets re-read the roles as they now are.
    _tell_on_commit(instance.user_id, ROLES_CHANGED)


def _tell_on_commit(user_id: int, message_type: str) -> None:
    """Every socket of the person, once the change has committed. Robust, like signaling.bus:
    the change stands whatever happens to the notice."""
    layer = get_channel_layer()
    if layer is None:
        return
    transaction.on_commit(
        lambda: async_to_sync(layer.group_send)(groups.user(user_id), {"type": message_type}),
        robust=True,
    )
