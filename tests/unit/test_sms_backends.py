import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fairplatform.notifications import ics
from fairplatform.notifications.sms import (
    ConsoleBackend,
    FileBackend,
    HttpGatewayBackend,
    LocmemBackend,
    RetryableSendError,
    SendError,
    SmsMessage,
    get_sms_backend,
)

MESSAGE = SmsMessage(to="+393331234567", text="Colloquio alle 10:30", reference="notification-7")


class Gateway(BaseHTTPRequestHandler):
    """Answers each request with the next of `script`: a status, or "hang" (no answer in time)."""

    script: list[object] = []
    received: list[dict[str, object]] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append({**body, "auth": self.headers["Authorization"]})
        action = type(self).script.pop(0)
        if action == "hang":
            threading.Event().wait(1.0)
            return
        self.send_response(int(action))  # type: ignore[call-overload]
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": "gw-1"}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    Gateway.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sms"
    server.shutdown()
    server.server_close()


def test_the_gateway_fails_first_then_succeeds(gateway):
    Gateway.script = [503, "hang", 200]
    backend = HttpGatewayBackend(url=gateway, key="k3y", timeout=0.3)
    with pytest.raises(RetryableSendError, match="503"):
        backend.send(MESSAGE)
    with pytest.raises(RetryableSendError, match="unreachable"):
        backend.send(MESSAGE)
    assert backend.send(MESSAGE) == "gw-1"
    assert [r["reference"] for r in Gateway.received] == ["notification-7"] * 3
    assert Gateway.received[0]["auth"] == "Bearer k3y"
    assert Gateway.received[0]["to"] == "+393331234567"


def test_a_gateway_refusal_is_not_retried(gateway):
    Gateway.script = [400]
    with pytest.raises(SendError) as caught:
        HttpGatewayBackend(url=gateway, key="k", timeout=1).send(MESSAGE)
    assert not isinstance(caught.value, RetryableSendError)


@pytest.mark.parametrize(
    "url", ["http://sms.example.org/send", "ftp://sms.example.org/", "http://10.0.0.5/sms", ""]
)
def test_messages_go_over_https_unless_the_gateway_is_on_this_machine(url, settings):
    settings.SMS_GATEWAY_URL = ""
    with pytest.raises(SendError, match="https"):
        HttpGatewayBackend(url=url or None, key="k")
    assert HttpGatewayBackend(url="https://sms.example.org/send", key="k").url.startswith("https")


def test_development_backends(tmp_path, settings):
    out = io.StringIO()
    ConsoleBackend(stream=out).send(MESSAGE)
    assert "+393331234567" in out.getvalue()
    path = tmp_path / "sms.jsonl"
    FileBackend(path=str(path)).send(MESSAGE)
    assert json.loads(path.read_text())["reference"] == "notification-7"
    LocmemBackend.outbox.clear()
    settings.SMS_BACKEND = "fairplatform.notifications.sms.LocmemBackend"
    get_sms_backend().send(MESSAGE)
    assert LocmemBackend.outbox == [MESSAGE]


def test_calendar_lines_are_escaped_and_folded():
    from datetime import UTC, datetime

    event = ics.CalendarEvent(
        uid="booking-1@example.org",
        sequence=3,
        starts_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        ends_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        summary="Colloquio con Rossi, Bianchi; e C.",
        description="è " * 60,
        location="Via Roma 1, Napoli",
        organizer_email="noreply@example.org",
        organizer_name="fairplatform",
        attendee_email="carla@example.org",
        attendee_name='Carla "Cee"',
    )
    text = ics.calendar(event, method="REQUEST", stamp=datetime(2026, 3, 1, tzinfo=UTC))
    lines = text.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert "SUMMARY:Colloquio con Rossi\\, Bianchi\\; e C." in lines
    assert "DTSTART:20260302T093000Z" in lines
    assert "SEQUENCE:3" in lines
    assert "METHOD:REQUEST" in lines
    unfolded = text.replace("\r\n ", "")
    assert "DESCRIPTION:" + "è " * 60 in unfolded.replace("\r\n", "\n")
