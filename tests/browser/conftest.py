import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page

from accounts.models import User
from tests.chromium import CHROMIUM, PAGE_ARGS
from tests.webrtc import harness
from tests.webrtc.harness import Daphne, DaphnePool

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
def daphne(django_db_setup, tmp_path_factory) -> Iterator[Daphne]:
    """One real Daphne on pytest-django's test database: pages with the socket need ASGI, which
    pytest-django's live_server does not speak. Tests using it must commit
    (`django_db(transaction=True)`) for the server to see their data."""
    env = harness.daphne_env(
        database_url=harness.database_url_for(
            os.environ["DATABASE_URL"], connection.settings_dict["NAME"]
        ),
        redis_url=os.environ["REDIS_URL"],
    )
    pool = DaphnePool(env=env, log_dir=tmp_path_factory.mktemp("daphne"))
    try:
        yield pool.get(1)[0]
    finally:
        pool.stop()  # before pytest-django drops the test database it is connected to


@pytest.fixture
def phone(browser: Browser, daphne: Daphne) -> Iterator[Callable[[User | None], Page]]:
    """`phone(user)`: a 360 x 740 touch browser of its own, signed in as `user` (None: a
    visitor). Its own context, not the session's Pixel 7 defaults: several people at once."""
    contexts: list[BrowserContext] = []

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
        return page

    yield open_phone
    for context in contexts:
        context.close()
