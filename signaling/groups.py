"""The only place that builds channel-layer group names (ASCII, dots, under 100 characters)."""


def fair(fair_id: int) -> str:
    return f"fair.{fair_id}"


def user(user_id: int) -> str:
    return f"user.{user_id}"
