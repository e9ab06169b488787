"""Subscriptions a role granted, checked again when the person's roles change."""

from collections.abc import Iterable

from accounts.models import User
from accounts.permissions import Perm, can, forget_memberships
from fairplatform.errors import DomainError
from rooms.selectors import access_fair
from signaling import groups
from signaling.handlers.queue import authorise_console


def staff_groups_refused(user: User, joined: Iterable[str]) -> list[str]:
    """The role-granted groups among `joined` that the person's roles no longer allow."""
    forget_memberships(user)
    refused = []
    for group in joined:
        subject = groups.staff_group_subject(group)
        if subject is not None and not _still_allowed(user, *subject):
            refused.append(group)
    return refused


def _still_allowed(user: User, kind: str, pk: int) -> bool:
    try:
        if kind in ("queue", "presentation"):  # both as editing the booth
            authorise_console(user, pk)
            return True
        return can(user, Perm.FAIR_MANAGE, access_fair(actor=user, fair_id=pk))
    except DomainError:
        return False
