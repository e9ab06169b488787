import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.test import Client
from django.urls import clear_url_caches

from accounts.models import Membership, Organisation, User
from fairplatform.notifications.sms import LocmemBackend
from tests import factories


@receiver(setting_changed)
def _urls_follow_the_default_language(*, setting: str, **_kwargs: object) -> None:
    """The default language has no URL prefix, and Django caches each language's reversed URLs
    with the prefix it had then: a test that changes LANGUAGE_CODE after another rendered pages in
    that language got links such as /it/fairs/1/, a 404 once Italian is the default."""
    if setting == "LANGUAGE_CODE":
        clear_url_caches()


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
