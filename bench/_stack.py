"""The whole stack for the socket benches: a bench database, Daphne processes, clients, CPU.

Shared by bench/signaling.py and bench/queue.py. Everything binds 127.0.0.1. The bench process
itself never binds Django's settings to the bench database (`make bench` runs every bench in one
process): seeding and query counting run in a fresh interpreter (`in_fresh_interpreter`).
"""

import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis.asyncio as redis
from psycopg import sql
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedError
from websockets.typing import Origin

if TYPE_CHECKING:
    from accounts.models import User

DAPHNE_PROCESSES = 2
CONNECT_BATCH = 100
REPLY_TIMEOUT = 10.0
TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1
LAG_TICK = 0.01
OTHER_CPU_WARNING = 25.0  # percent of a core used by anything but the bench's own processes

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "fairplatform.settings.test"
BENCH_DATABASE = "fairplatform_bench"
# Channel-layer groups are named after database ids, and Redis pub/sub channels are server-wide:
# ids far above any test's keep our traffic away from other runs on the same Redis.
FIRST_ID = 900_000_000
ORIGIN = "http://127.0.0.1"

T = TypeVar("T")


class Person(NamedTuple):
    user_id: int
    cookie: str


def database_url(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def drop_database(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        name = sql.Identifier(BENCH_DATABASE)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


@contextmanager
def bench_database() -> Iterator[str]:
    """A fresh database next to $DATABASE_URL's for the run (its URL), dropped afterwards."""
    admin_url = os.environ["DATABASE_URL"]
    drop_database(admin_url)  # left behind by a run that was killed
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DATABASE)))
    try:
        yield database_url(admin_url, BENCH_DATABASE)
    finally:
        drop_database(admin_url)


def in_fresh_interpreter(function: Callable[..., T], *args: object) -> T:
    """Run `function(*args)` in a spawned interpreter (Django set up there, never here)."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(function, *args).result()


def setup_django(url: str, *, migrate: bool = False, high_ids: tuple[str, ...] = ()) -> None:
    """In a fresh interpreter: Django on the bench database; optionally migrate it and start the
    id sequences of `high_ids` (tables) at FIRST_ID."""
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    if not migrate:
        return
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        for table in high_ids:
            cursor.execute(f"ALTER TABLE {table} ALTER COLUMN id RESTART WITH {FIRST_ID}")


def bulk_users(kind: str, count: int) -> "list[User]":
    """`count` users nobody signs in as with a password (their sessions are made directly)."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    no_password = make_password(None)
    return User.objects.bulk_create(
        User(email=f"{kind}{n}@bench.invalid", full_name=f"{kind} {n}", password=no_password)
        for n in range(count)
    )


def signed_in(user: "User") -> Person:
    """A session for the user, as the Cookie header a signed-in browser would send."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store.update(
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
    )
    store.create()
    return Person(user.pk, f"{settings.SESSION_COOKIE_NAME}={store.session_key}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne on port {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            time.sleep(0.2)
        else:
            return
    raise RuntimeError(f"daphne on port {port} did not start listening")


@contextmanager
def daphne_servers(url: str) -> Iterator[list[tuple[int, subprocess.Popen[bytes]]]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "WS_RATE_LIMIT_PER_SECOND": "1000",
        "WS_RATE_LIMIT_BURST": "1000",
        "LOG_LEVEL": "WARNING",
        "DATABASE_CONN_MAX_AGE": "60",  # as docs/operations.md runs Daphne
    }
    servers: list[tuple[int, subprocess.Popen[bytes]]] = []
    try:
        for _ in range(DAPHNE_PROCESSES):
            port = free_port()
            # -v 0: warnings only, and no access log line per socket.
            command = f"-m daphne -v 0 -b 127.0.0.1 -p {port} fairplatform.asgi:application"
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
                [sys.executable, *command.split()], env=env, cwd=ROOT
            )
            servers.append((port, process))
        for port, process in servers:
            wait_listening(port, process)
        yield servers
    finally:
        for _port, process in servers:
            process.terminate()
        for _port, process in servers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def open_socket(port: int, me: Person) -> ClientConnection:
    """A browser's socket: our Origin, its session cookie, no compression, no pings."""
    return await connect(
        f"ws://127.0.0.1:{port}/ws/v1/",
        origin=Origin(ORIGIN),
        additional_headers={"Cookie": me.cookie},
        compression=None,
        proxy=None,
        ping_interval=None,
    )


class Socket:
    """One browser tab: numbers its requests, matches replies to them, hands events to
    `on_event` and counts error replies nobody waited for (and a lost connection) in `errors`."""

    def __init__(self, ws: ClientConnection, errors: Counter[str]) -> None:
        self.ws = ws
        self.errors = errors
        self.sent = 0
        self.waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                if "event" in frame:
                    await self.on_event(frame)
                elif (waiter := self.waiting.pop(frame["id"], None)) is not None:
                    waiter.set_result(frame)
                elif not frame["ok"]:
                    self.errors[frame["error"]["code"]] += 1
        except ConnectionClosedError:
            self.errors["connection.lost"] += 1

    async def on_event(self, frame: dict[str, Any]) -> None:
        """A server event; ignored unless a subclass cares."""

    def frame(self, type_: str, data: dict[str, Any]) -> tuple[str, str]:
        self.sent += 1
        request_id = f"r{self.sent}"
        return request_id, json.dumps({"v": 1, "id": request_id, "type": type_, "data": data})

    async def request(self, type_: str, data: dict[str, Any]) -> dict[str, Any]:
        return await asyncio.wait_for(await self.send_request(type_, data), REPLY_TIMEOUT)

    async def send_request(
        self, type_: str, data: dict[str, Any]
    ) -> asyncio.Future[dict[str, Any]]:
        """Send a command; its reply, to come."""
        request_id, frame = self.frame(type_, data)
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[request_id] = reply
        await self.ws.send(frame)
        return reply

    async def close(self) -> None:
        await self.ws.close()
        await self.reader


async def in_batches(coroutines: list[Any], errors: Counter[str], what: str) -> list[Any]:
    """Await CONNECT_BATCH at a time; failures are counted as `what: exception`, not returned."""
    done: list[Any] = []
    for start in range(0, len(coroutines), CONNECT_BATCH):
        batch = coroutines[start : start + CONNECT_BATCH]
        for result in await asyncio.gather(*batch, return_exceptions=True):
            if isinstance(result, BaseException):
                errors[f"{what}: {result!r}"] += 1
            else:
                done.append(result)
    return done


def percentile_ms(samples: list[float], percent: int) -> float:
    return statistics.quantiles(samples, n=100)[percent - 1] * 1000


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_busy_seconds() -> float:
    """All cores' busy time (a running total): anything else on the machine shows up here."""
    # Wall time less idle and iowait: tickless kernels count idle exactly, busy time by ticks.
    fields = Path("/proc/stat").read_text().split()  # cpu user nice system idle iowait …
    idle = int(fields[4]) + int(fields[5])
    return CORES * time.monotonic() - idle / TICKS


async def cpu_now(pids: list[int], server: redis.Redis) -> dict[str, float]:
    info = await server.info("cpu")
    own = os.times()
    return {
        "daphne": sum(cpu_seconds(pid) for pid in pids),
        "client": own.user + own.system,
        "redis": info["used_cpu_user"] + info["used_cpu_sys"],
        "machine": machine_busy_seconds(),
    }


def cpu_used(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """Percent of one core per part between two `cpu_now` readings; "other" is PostgreSQL, the
    kernel and anyone else's work."""
    used = {name: 100 * (after[name] - before[name]) / seconds for name in before}
    machine = used.pop("machine")
    used["other"] = machine - sum(used.values())
    return used


async def loop_lag(samples: list[float]) -> None:
    """The clients' own share of the latency: how late this process's event loop wakes up."""
    loop = asyncio.get_running_loop()
    while True:
        due = loop.time() + LAG_TICK
        await asyncio.sleep(LAG_TICK)
        samples.append(loop.time() - due)
