"""The only place that builds channel-layer group names (ASCII, dots, under 100 characters),
and reads them back."""

import re


def fair(fair_id: int) -> str:
    return f"fair.{fair_id}"


def fair_staff(fair_id: int) -> str:
    """The fair's organisers: every booth's line in numbers (queue.stats)."""
    return f"fair.{fair_id}.staff"


def interview(session_id: int) -> str:
    return f"interview.{session_id}"


def interview_user(session_id: int, user_id: int) -> str:
    """One participant's sockets in one call: directed signalling (offers, answers, candidates)."""
    return f"interview.{session_id}.user.{user_id}"


def user(user_id: int) -> str:
    """All of one person's sockets: their own queue entries (called, interview open)."""
    return f"user.{user_id}"


def queue(booth_id: int) -> str:
    """Everyone watching a booth's line; each socket turns the shared order into its position."""
    return f"queue.{booth_id}"


def queue_staff(booth_id: int) -> str:
    return f"queue.{booth_id}.staff"


def presentation(booth_id: int) -> str:
    """Everyone following a booth's presentation: started, viewers, ended."""
    return f"presentation.{booth_id}"


def presentation_staff(booth_id: int) -> str:
    """The booth's presenting sockets: viewers' questions and raised hands."""
    return f"presentation.{booth_id}.staff"


_STAFF_GROUP = re.compile(r"^(queue|presentation|fair)\.(\d+)\.staff$")


def staff_group_subject(group: str) -> tuple[str, int] | None:
    """("queue" or "presentation", booth id) or ("fair", fair id) for a group that a role
    grants, else None."""
    found = _STAFF_GROUP.match(group)
    return (found.group(1), int(found.group(2))) if found else None
