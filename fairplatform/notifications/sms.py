"""SMS backends, chosen like Django's email backends: `SMS_BACKEND` is a dotted path.

Every backend sends one message at a time and returns the provider's id for it. A failure that may
pass (a timeout, a 5xx) raises `RetryableSendError`; one that will not (a refused number, a
rejected key) raises `SendError`.
"""

import json
import sys
import threading
import urllib.error
import urllib.request
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, TextIO
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string


class SendError(Exception):
    """The provider refused the message; sending it again would not help."""


class RetryableSendError(SendError):
    """The provider could not be reached or failed on its side; try again later."""


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164
    text: str
    # Passed to the gateway so a message sent again after a crash is recognised as the same one.
    reference: str


class BaseSmsBackend(ABC):
    @abstractmethod
    def send(self, message: SmsMessage) -> str:
        """Hand the message to the provider; return the provider's id for it."""


class ConsoleBackend(BaseSmsBackend):
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, message: SmsMessage) -> str:
        self.stream.write(
            f"SMS to {message.to} [{message.reference}]\n{message.text}\n{'-' * 40}\n"
        )
        self.stream.flush()
        return f"console-{uuid.uuid4().hex}"


class FileBackend(BaseSmsBackend):
    """One JSON line per message in `SMS_FILE_PATH`, appended (safe across processes)."""

    def __init__(self, path: str | None = None) -> None:
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, message: SmsMessage) -> str:
        provider_id = f"file-{uuid.uuid4().hex}"
        record = {
            "id": provider_id,
            "to": message.to,
            "text": message.text,
            "reference": message.reference,
            "at": datetime.now(UTC).isoformat(),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return provider_id


class LocmemBackend(BaseSmsBackend):
    """Keeps messages in `LocmemBackend.outbox` for tests, like `django.core.mail.outbox`."""

    outbox: ClassVar[list[SmsMessage]] = []
    _lock = threading.Lock()

    def send(self, message: SmsMessage) -> str:
        with self._lock:
            self.outbox.append(message)
            return f"locmem-{len(self.outbox)}"


class HttpGatewayBackend(BaseSmsBackend):
    """A JSON-over-HTTPS gateway: POST {to, text, sender, reference} with a bearer key; a 2xx
    answer carries {"id": …}. The reference doubles as the idempotency key."""

    def __init__(
        self, url: str | None = None, key: str | None = None, timeout: float | None = None
    ) -> None:
        self.url = url or settings.SMS_GATEWAY_URL
        self.key = key or settings.SMS_GATEWAY_KEY
        self.timeout = timeout or settings.SMS_GATEWAY_TIMEOUT_SECONDS
        address = urlsplit(self.url)
        # Messages carry names, times and links: plain http only to a gateway on this machine.
        if not (
            address.scheme == "https"
            or (address.scheme == "http" and address.hostname in LOOPBACK_HOSTS)
        ):
            raise SendError("SMS_GATEWAY_URL must be an https URL (http only on this machine).")

    def send(self, message: SmsMessage) -> str:
        body = json.dumps(
            {
                "to": message.to,
                "text": message.text,
                "sender": settings.SMS_SENDER,
                "reference": message.reference,
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310  (scheme checked in __init__)
            self.url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {self.key}",
                "Content-Type": "application/json",
                "Idempotency-Key": message.reference,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer: Any = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = f"gateway answered {exc.code}"
            exc.close()
            if exc.code >= 500 or exc.code == 429:
                raise RetryableSendError(detail) from exc
            raise SendError(detail) from exc
        except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
            raise RetryableSendError(f"gateway unreachable: {exc}") from exc
        except ValueError as exc:
            raise RetryableSendError("gateway answered something that is not JSON") from exc
        return str(answer.get("id", "")) if isinstance(answer, dict) else ""


def get_sms_backend(path: str | None = None, **kwargs: Any) -> BaseSmsBackend:
    backend_class = import_string(path or settings.SMS_BACKEND)
    backend: BaseSmsBackend = backend_class(**kwargs)
    return backend
