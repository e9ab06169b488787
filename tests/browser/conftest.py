import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import User
from tests.chromium import CHROMIUM, PAGE_ARGS
from tests.webrtc import harness
from tests.webrtc.harness import Daphne, DaphnePool

# As long as page actions may take: a loaded CI machine answers a live push in seconds, not ms.
expect.set_options(timeout=10_000)

# Playwright's sync API runs its own event loop; Django must allow ORM calls beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        raise pytest.UsageError(
            "Debian's chromium is missing: make test installs it (apt-get install chromium)"
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": PAGE_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, playwright):
    return {**browser_context_args, **playwright.devices["Pixel 7"], "locale": "it-IT"}


@pytest.fixture(scope="session")
def server_env(django_db_setup) -> dict[str, str]:
    """The environment of a server process on pytest-django's test database."""
    return harness.daphne_env(
        database_url=harness.database_url_for(
            os.environ["DATABASE_URL"], connection.settings_dict["NAME"]
        ),
        redis_url=os.environ["REDIS_URL"],
    )


@pytest.fixture(scope="session")
def daphne(server_env: dict[str, str], tmp_path_factory) -> Iterator[Daphne]:
    """One real Daphne on the test database: pages with the socket need ASGI, which
    pytest-django's live_server does not speak. Tests using it must commit
    (`django_db(transaction=True)`) for the server to see their data."""
    pool = DaphnePool(env=server_env, log_dir=tmp_path_factory.mktemp("daphne"))
    try:
        yield pool.get(1)[0]
    finally:
        pool.stop()  # before pytest-django drops the test database it is connected to


@pytest.fixture
def in_server_process(server_env: dict[str, str]) -> Callable[[str], None]:
    """Run Python in a process of its own, as Celery would: a service that publishes events
    cannot run here, inside Playwright's event loop (async_to_sync refuses)."""

    def run(code: str) -> None:
        subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", f"import django; django.setup()\n{code}"],
            env=server_env,
            cwd=harness.ROOT,
            check=True,
            timeout=60,
        )

    return run


@pytest.fixture
def phone(browser: Browser, daphne: Daphne) -> Iterator[Callable[[User | None], Page]]:
    """`phone(user)`: a 360 x 740 touch browser of its own, signed in as `user` (None: a
    visitor). Its own context, not the session's Pixel 7 defaults: several people at once.
    A script error on any of its pages fails the test."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def open_phone(user: User | None) -> Page:
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="en-GB"
        )
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": daphne.url}]
            )
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        return page

    yield open_phone
    for context in contexts:
        context.close()
    assert errors == []
