"""Fixtures for real-browser calls: `make pytest` runs these alone, in a loopback-only network
namespace with private PostgreSQL and Redis (`pytest -m webrtc`); other runs leave them out.

Guard: if webrtc tests are selected outside a loopback-only namespace, root moves this pytest
process into a new one (and starts private servers inside it, as nothing else is reachable
there); anyone else gets a UsageError saying how to run them.
"""

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.chromium import CALL_ARGS, CHROMIUM
from tests.webrtc import harness
from tests.webrtc.harness import Daphne, DaphnePool, Seat

# Playwright's sync API runs its own event loop; Django must allow ORM calls beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

MARKER = "webrtc"
RUN_ALONE = (
    "webrtc tests run on their own, in a loopback-only network namespace: `make pytest`, "
    "or as root `pytest -m webrtc`, or as a user "
    "`unshare --net --map-current-user --keep-caps sh -c 'ip link set lo up && exec python "
    "scripts/devservices.py run --private --postgres --redis -- python -m pytest -m webrtc'`"
)
_private_services: list[Any] = []
DAPHNE_LOGS = pytest.StashKey[dict[int, tuple[Daphne, int]]]()
CONSOLES = pytest.StashKey[list[Seat]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}: real calls between Chromium pages through Daphne; run alone (-m {MARKER}) "
        "in a loopback-only network namespace",
    )


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    selected = [item for item in session.items if item.get_closest_marker(MARKER)]
    if not selected:
        return
    if harness.loopback_only():
        harness.bring_loopback_up()
    elif len(selected) < len(session.items):
        # Moving the whole run into an empty network would cut the other tests off their servers.
        for item in selected:
            item.add_marker(pytest.mark.skip(reason=RUN_ALONE))
        return
    elif os.geteuid() == 0:
        harness.enter_loopback_only_namespace()
    else:
        raise pytest.UsageError(
            "webrtc tests need a network namespace with only the loopback interface, "
            "or Chromium sends media over the host's network. " + RUN_ALONE
        )
    _ensure_servers()


def _ensure_servers() -> None:
    """Servers outside the namespace are unreachable from it: start private ones if needed."""
    database_ok = harness.reachable(os.environ.get("DATABASE_URL", ""), 5432)
    redis_ok = harness.reachable(os.environ.get("REDIS_URL", ""), 6379)
    if database_ok and redis_ok:
        return
    devservices = harness.devservices()
    services = devservices.Services((harness.ROOT / ".cache" / "devservices").resolve())
    _private_services.append(services)
    try:
        harness.point_settings_at(
            database_url=None if database_ok else devservices.start_postgres(services),
            redis_url=None if redis_ok else devservices.start_redis(services),
        )
    except (devservices.ServiceError, OSError) as exc:
        raise pytest.UsageError(f"could not start private servers for webrtc tests: {exc}") from exc


def pytest_unconfigure(config: pytest.Config) -> None:
    while _private_services:
        _private_services.pop().stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed:
        for seat in item.stash.get(CONSOLES, []):
            text = "\n".join(seat.console[-300:]) or "(nothing)"
            report.sections.append((f"browser console: {seat.label} ({call.when})", text))
        for server, start in item.stash.get(DAPHNE_LOGS, {}).values():
            text = harness.tail(server.log, start, lines=80) or "(nothing)"
            report.sections.append((f"daphne {server.index} {server.url} ({call.when})", text))
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = []
    for report in terminalreporter.stats.get("passed", []):
        timings = [value for name, value in report.user_properties if name == "webrtc_timing"]
        if report.when == "call" and timings:
            lines.append(f"{report.nodeid} ({report.duration:.1f} s): {'; '.join(timings)}")
    if lines:
        terminalreporter.write_sep("-", "webrtc: time to decoded video")
        for line in lines:
            terminalreporter.write_line(line)


# --- Chromium --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        raise pytest.UsageError(
            "Debian's chromium is missing: make test installs it (apt-get install chromium)"
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CALL_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Each seat picks its own device; keep only pytest-playwright's recording options.
    return {k: v for k, v in browser_context_args.items() if k in {"record_video_dir"}}


# --- servers ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def daphne_pool(django_db_setup, tmp_path_factory) -> Iterator[DaphnePool]:
    """Daphnes on pytest-django's test database (they see what transactional tests commit)."""
    if not harness.loopback_only():
        raise pytest.UsageError(RUN_ALONE)
    env = harness.daphne_env(
        database_url=harness.database_url_for(
            os.environ["DATABASE_URL"], connection.settings_dict["NAME"]
        ),
        redis_url=os.environ["REDIS_URL"],
    )
    pool = DaphnePool(env=env, log_dir=tmp_path_factory.mktemp("daphne"))
    try:
        pool.get(2)  # both at once, here, rather than inside whichever test first needs them
        yield pool
    finally:
        pool.stop()  # before pytest-django drops the test database they are connected to


@pytest.fixture
def daphne(
    daphne_pool: DaphnePool, request: pytest.FixtureRequest
) -> Callable[[int], list[Daphne]]:
    """`daphne(n)`: n running servers sharing the database and Redis (started on first need)."""
    marks = request.node.stash.setdefault(DAPHNE_LOGS, {})

    def servers(count: int = 1) -> list[Daphne]:
        running = daphne_pool.get(count)
        for server in running:
            marks.setdefault(server.index, (server, server.log_size()))
        return running

    return servers


# --- people ----------------------------------------------------------------------------------

DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "en-GB"}
# The room page's signalling trace goes to the console (shown when a test fails).
CALL_DEBUG_JS = "try { localStorage.setItem('callDebug', '1'); } catch (e) {}"


def login(context: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": cookie,
                "domain": "127.0.0.1",
                "path": "/",
            }
        ]
    )


@pytest.fixture
def seat(new_context, playwright, daphne, request) -> Iterator[Callable[..., Seat]]:
    """`seat(label, user, server=…, phone_sized=False)`: a person (logged in unless user is
    None) with their own browser context and one page, on a Daphne (the first by default)."""
    seats = request.node.stash.setdefault(CONSOLES, [])
    started = time.monotonic()
    phone = {k: v for k, v in playwright.devices["Pixel 7"].items() if k != "default_browser_type"}

    def open_seat(
        label: str, user: Any, *, server: Daphne | None = None, phone_sized: bool = False
    ) -> Seat:
        context = new_context(**(phone if phone_sized else DESKTOP))
        context.add_init_script(CALL_DEBUG_JS)
        if user is not None:
            login(context, user)
        page = context.new_page()
        page.set_default_timeout(15_000)
        opened = Seat(label, user, server or daphne(1)[0], context, page)

        def log(line: str) -> None:
            opened.console.append(f"{time.monotonic() - started:7.3f} {line}")

        page.on("console", lambda msg: log(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: log(f"pageerror: {exc}"))
        page.on("crash", lambda _page: log("page crashed"))
        page.on("load", lambda loaded: log(f"loaded {loaded.url}"))
        seats.append(opened)
        return opened

    yield open_seat
    for opened in seats:
        opened.context.close()
    _wait_for_disconnects()


def _wait_for_disconnects(timeout: float = 5.0) -> None:
    """Let Daphne record the closed sockets before pytest-django empties the tables under it."""
    from rooms.models import Attendance

    deadline = time.monotonic() + timeout
    while Attendance.objects.filter(left_at__isnull=True).exists():
        if time.monotonic() > deadline:
            return
        time.sleep(0.05)


@pytest.fixture
def timing(request) -> Callable[[str, float], None]:
    def record(what: str, seconds: float) -> None:
        request.node.user_properties.append(("webrtc_timing", f"{what} {seconds:.2f} s"))

    return record
