"""The only place that builds channel-layer group names (ASCII, dots, under 100 characters)."""


def fair(fair_id: int) -> str:
    return f"fair.{fair_id}"


def interview(session_id: int) -> str:
    return f"interview.{session_id}"


def interview_user(session_id: int, user_id: int) -> str:
    """One participant's sockets in one call: directed signalling (offers, answers, candidates)."""
    return f"interview.{session_id}.user.{user_id}"
