"""aiortc peers made by these tests and their relays are closed at each test's end."""

from tests.aiortc_peers import _peer_connections_closed  # noqa: F401  (autouse)
