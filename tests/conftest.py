import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import Membership, Organisation, User
from fairplatform.notifications.sms import LocmemBackend
from tests import factories


@pytest.fixture(autouse=True)
def _media_root_is_clean() -> Iterator[None]:
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    shutil.rmtree(settings.CV_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def _empty_sms_outbox() -> None:
    LocmemBackend.outbox.clear()


@pytest.fixture
def cpi() -> Organisation:
    return factories.organisation(Organisation.Kind.CPI, "CPI Napoli")


@pytest.fixture
def organiser(cpi: Organisation) -> User:
    return factories.member(cpi, Membership.Role.ORGANISER, name="Olga Organiser")


@pytest.fixture
def candidate() -> User:
    return factories.user(phone="+393331234567", name="Carla Candidate")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def streamed_body(response: Any) -> bytes:
    """A file response's bytes, its file closed again: response.close() would also fire
    request_finished and close the test's database connection."""
    body = b"".join(response.streaming_content)
    for closer in response._resource_closers:
        closer()
    return body
