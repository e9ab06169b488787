"""Interview signalling through the whole stack: 1,000 WebSocket clients, 2 Daphne processes, Redis.

500 calls of two people (a recruiter and a candidate) in their own database. The two sockets of
a call sit on different Daphne processes, so every relayed message crosses Redis. The initiator
sends `rtc.candidate` to its peer, the peer sends one straight back: two relay hops per round
trip. Latency is one-way, client to client (both ends live in this process, one clock), so it
includes both Daphne processes, Redis and this process's own event loop.

Loads: paced, each call starting a round trip every PACES seconds, lightest first (the last is
the headline in the JSON), then saturated, every call in a closed loop with no pause (the
ceiling). A bare Redis pub/sub round trip (publish, receive on a subscriber), measured in the
same run with the sockets open, is the floor. The clients, both Daphne processes, Redis and
PostgreSQL share the machine's cores: the CPU column says who used them, "other" being
everything else on the machine (a busy machine makes the run worthless, and the bench says so).
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
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis.asyncio as redis
from psycopg import sql
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedError
from websockets.typing import Origin

from bench._report import report

PAIRS = 500
DAPHNE_PROCESSES = 2
CONNECT_BATCH = 100
# Seconds between one call's round trips, lightest load first. The last is the headline: every
# client sends a candidate a second, 1,000 relayed messages a second in all.
PACES = (4.0, 2.0, 1.0)
PACED_SECONDS = 8.0
SATURATED_SECONDS = 5.0
BASELINE_ROUND_TRIPS = 5_000
REPLY_TIMEOUT = 10.0
TARGET_P99_MS = 50.0
TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1
LAG_TICK = 0.01
OTHER_CPU_WARNING = 25.0  # percent of a core used by anything but the bench's own processes

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "fairplatform.settings.test"
BENCH_DATABASE = "fairplatform_bench"
# Channel-layer groups are named after user and call ids, and Redis pub/sub channels are
# server-wide: ids far above any test's keep our traffic away from other runs on the same Redis.
FIRST_ID = 900_000_000
ORIGIN = "http://127.0.0.1"
CANDIDATE = "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host"


class Person(NamedTuple):
    user_id: int
    cookie: str


class Pair(NamedTuple):
    session_id: int
    recruiter: Person
    candidate: Person


def database_url(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def drop_database(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        name = sql.Identifier(BENCH_DATABASE)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def create_database(admin_url: str) -> None:
    drop_database(admin_url)  # left behind by a run that was killed
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DATABASE)))


def seed(url: str, pairs: int) -> list[Pair]:
    """Migrate the bench database and fill it; runs in a fresh interpreter (see `make_pairs`)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import Membership, Organisation, User
    from rooms.interviews import interview_start

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        for table in ("accounts_user", "rooms_interviewsession"):
            cursor.execute(f"ALTER TABLE {table} ALTER COLUMN id RESTART WITH {FIRST_ID}")

    def person(user: User) -> Person:
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

    def users(kind: str) -> list[User]:
        # Nobody signs in with a password here: the sessions are made directly.
        return User.objects.bulk_create(
            User(email=f"{kind}{n}@bench.invalid", full_name=f"{kind} {n}", password=no_password)
            for n in range(pairs)
        )

    no_password = make_password(None)
    with transaction.atomic():
        # CPI meetings: the one kind of call staff start without a booth.
        office = Organisation.objects.create(name="Bench CPI", kind=Organisation.Kind.CPI)
        recruiters, candidates = users("operator"), users("candidate")
        Membership.objects.bulk_create(
            Membership(user=user, organisation=office, role=Membership.Role.CPI_OPERATOR)
            for user in recruiters
        )
        return [
            Pair(
                interview_start(actor=recruiter, candidate=candidate).pk,
                person(recruiter),
                person(candidate),
            )
            for recruiter, candidate in zip(recruiters, candidates, strict=True)
        ]


def make_pairs(url: str) -> list[Pair]:
    # A fresh interpreter, so this process never binds Django's settings to the bench database
    # (`make bench` runs every bench in one process).
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(seed, url, PAIRS).result()


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


@dataclass
class Phase:
    name: str
    period: float = 0.0  # seconds between one call's round trips; 0: back to back
    window: float = 0.0  # seconds during which round trips start
    samples: list[float] = field(default_factory=list)  # one-way latencies, seconds
    lag: list[float] = field(default_factory=list)  # how late this process's loop woke, seconds
    round_trips: int = 0
    lost: int = 0
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # percent of one core

    @property
    def rate(self) -> float:
        return self.round_trips / self.seconds

    def quantile_ms(self, percent: int) -> float:
        return percentile_ms(self.samples, percent)


def percentile_ms(samples: list[float], percent: int) -> float:
    return statistics.quantiles(samples, n=100)[percent - 1] * 1000


@dataclass
class Tally:
    """What every client records into: the phase under way, and error replies by code."""

    phase: Phase = field(default_factory=lambda: Phase("connect"))
    errors: Counter[str] = field(default_factory=Counter)


class Client:
    """One browser tab in a call: matches replies to requests, times and answers candidates."""

    def __init__(
        self, ws: ClientConnection, me: Person, peer: Person, session_id: int, tally: Tally
    ) -> None:
        self.ws = ws
        self.me = me
        self.peer = peer
        self.session_id = session_id
        self.tally = tally
        self.echo = False
        self.sent = 0
        self.waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.returned: asyncio.Future[None] | None = None
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame.get("event") == "rtc.candidate":
                    await self.relayed(frame["data"]["candidate"])
                elif "event" in frame:
                    continue  # presence of the peer
                elif (waiter := self.waiting.pop(frame["id"], None)) is not None:
                    waiter.set_result(frame)
                elif not frame["ok"]:
                    self.tally.errors[frame["error"]["code"]] += 1
        except ConnectionClosedError:
            self.tally.errors["connection.lost"] += 1

    async def relayed(self, candidate: dict[str, Any]) -> None:
        self.tally.phase.samples.append(time.perf_counter() - float(candidate["usernameFragment"]))
        if self.echo:
            await self.send_candidate()
        elif self.returned is not None and not self.returned.done():
            self.returned.set_result(None)

    def frame(self, type_: str, data: dict[str, Any]) -> tuple[str, str]:
        self.sent += 1
        request_id = f"r{self.sent}"
        return request_id, json.dumps({"v": 1, "id": request_id, "type": type_, "data": data})

    async def request(self, type_: str, data: dict[str, Any]) -> dict[str, Any]:
        request_id, frame = self.frame(type_, data)
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[request_id] = reply
        await self.ws.send(frame)
        return await asyncio.wait_for(reply, REPLY_TIMEOUT)

    async def send_candidate(self) -> None:
        # The send time rides in the candidate itself; its OK reply is only checked for errors.
        line = {"candidate": CANDIDATE, "sdpMid": "0", "sdpMLineIndex": 0}
        line["usernameFragment"] = repr(time.perf_counter())
        data = {"session_id": self.session_id, "to": self.peer.user_id, "candidate": line}
        await self.ws.send(self.frame("rtc.candidate", data)[1])

    async def round_trip(self) -> None:
        self.returned = asyncio.get_running_loop().create_future()
        await self.send_candidate()
        await asyncio.wait_for(self.returned, REPLY_TIMEOUT)


async def open_client(port: int, me: Person, peer: Person, session_id: int, tally: Tally) -> Client:
    ws = await connect(
        f"ws://127.0.0.1:{port}/ws/v1/",
        origin=Origin(ORIGIN),
        additional_headers={"Cookie": me.cookie},
        compression=None,
        proxy=None,
        ping_interval=None,
    )
    client = Client(ws, me, peer, session_id, tally)
    joined = await client.request("interview.join", {"session_id": session_id, "device": "desktop"})
    if not joined["ok"]:
        await ws.close()
        raise RuntimeError(joined["error"]["code"])
    return client


async def open_clients(ports: list[int], pairs: list[Pair], tally: Tally) -> list[Client]:
    """Both sockets of every call, CONNECT_BATCH at a time; the two of a call on different ports."""
    plans = []
    for n, pair in enumerate(pairs):
        first, second = ports[n % len(ports)], ports[(n + 1) % len(ports)]
        plans.append((first, pair.recruiter, pair.candidate, pair.session_id, tally))
        plans.append((second, pair.candidate, pair.recruiter, pair.session_id, tally))
    clients: list[Client] = []
    for start in range(0, len(plans), CONNECT_BATCH):
        batch = plans[start : start + CONNECT_BATCH]
        opened = await asyncio.gather(
            *(open_client(*plan) for plan in batch), return_exceptions=True
        )
        for result in opened:
            if isinstance(result, BaseException):
                tally.errors[f"connect: {result}"] += 1
            else:
                clients.append(result)
    return clients


async def close_clients(clients: list[Client], tally: Tally) -> None:
    """Hang up before closing: a dropped socket would leave a Celery task on the shared Redis."""
    for start in range(0, len(clients), CONNECT_BATCH):
        batch = clients[start : start + CONNECT_BATCH]
        left = await asyncio.gather(
            *(c.request("interview.leave", {"session_id": c.session_id}) for c in batch),
            return_exceptions=True,
        )
        tally.errors["leave failed"] += sum(
            isinstance(reply, BaseException) or not reply["ok"] for reply in left
        )
    await asyncio.gather(*(c.ws.close() for c in clients))
    await asyncio.gather(*(c.reader for c in clients))


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


async def drive(initiator: Client, first: float, period: float, until: float, phase: Phase):
    """A round trip every `period` seconds from `first` on, or back to back if one takes longer."""
    loop = asyncio.get_running_loop()
    start = first
    while start < until:
        await asyncio.sleep(max(0.0, start - loop.time()))
        try:
            await initiator.round_trip()
            phase.round_trips += 1
        except TimeoutError:
            phase.lost += 1
        start = max(start + period, loop.time())


async def loop_lag(samples: list[float]) -> None:
    """The clients' own share of the latency: how late this process's event loop wakes up."""
    loop = asyncio.get_running_loop()
    while True:
        due = loop.time() + LAG_TICK
        await asyncio.sleep(LAG_TICK)
        samples.append(loop.time() - due)


async def run_phase(initiators: list[Client], tally: Tally, phase: Phase, meter) -> Phase:
    tally.phase = phase
    loop = asyncio.get_running_loop()
    before = await meter()
    began = loop.time()
    ticker = asyncio.create_task(loop_lag(phase.lag))
    spread = phase.period / len(initiators)
    await asyncio.gather(
        *(
            drive(client, began + n * spread, phase.period, began + phase.window, phase)
            for n, client in enumerate(initiators)
        )
    )
    ticker.cancel()
    phase.seconds = loop.time() - began
    after = await meter()
    used = {name: 100 * (after[name] - before[name]) / phase.seconds for name in before}
    machine = used.pop("machine")
    used["other"] = machine - sum(used.values())  # PostgreSQL, the kernel, anyone else's work
    phase.cpu = used
    return phase


async def redis_baseline(server: redis.Redis) -> Phase:
    """Publish on one connection, receive on a subscribed one, one message at a time."""
    phase = Phase("Redis pub/sub (baseline)")
    channel = f"bench.signaling.{os.getpid()}"
    async with server.pubsub() as subscriber:
        await subscriber.subscribe(channel)
        await subscriber.get_message(timeout=REPLY_TIMEOUT)  # the subscription's confirmation
        began = time.perf_counter()
        for _ in range(BASELINE_ROUND_TRIPS):
            sent = time.perf_counter()
            await server.publish(channel, b"x")
            if await subscriber.get_message(timeout=REPLY_TIMEOUT) is None:
                phase.lost += 1
                continue
            phase.samples.append(time.perf_counter() - sent)
            phase.round_trips += 1
        phase.seconds = time.perf_counter() - began
    return phase


@dataclass
class Measured:
    clients: int
    calls: int  # those whose two sockets both joined
    connect_seconds: float
    baseline: Phase
    relays: list[Phase]  # paced, lightest first, then saturated
    errors: Counter[str]


async def measure(ports: list[int], pids: list[int], pairs: list[Pair]) -> Measured:
    server = redis.from_url(os.environ["REDIS_URL"])
    tally = Tally()
    began = time.perf_counter()
    clients = await open_clients(ports, pairs, tally)
    connect_seconds = time.perf_counter() - began
    try:
        by_user = {(c.session_id, c.me.user_id): c for c in clients}
        initiators = []
        for pair in pairs:
            initiator = by_user.get((pair.session_id, pair.recruiter.user_id))
            echo = by_user.get((pair.session_id, pair.candidate.user_id))
            if initiator is not None and echo is not None:
                echo.echo = True
                initiators.append(initiator)
        baseline = await redis_baseline(server)

        async def meter() -> dict[str, float]:
            return await cpu_now(pids, server)

        phases = [
            Phase(f"relay, paced ({period:g} s per call)", period, PACED_SECONDS)
            for period in PACES
        ]
        phases.append(Phase("relay, saturated", 0.0, SATURATED_SECONDS))
        for phase in phases:
            await run_phase(initiators, tally, phase, meter)
    finally:
        await close_clients(clients, tally)
        await server.aclose()
    for phase in (baseline, *phases):
        tally.errors["round trip lost"] += phase.lost
    errors = +tally.errors  # drops the zero counts
    return Measured(len(clients), len(initiators), connect_seconds, baseline, phases, errors)


def row(phase: Phase, clients: str, offered: str, baseline: Phase) -> list[object]:
    cpu = " / ".join(f"{percent:.0f}" for percent in phase.cpu.values()) or "–"
    return [
        phase.name,
        clients,
        offered,
        f"{phase.rate:,.0f}",
        f"{phase.quantile_ms(50):.2f}",
        f"{phase.quantile_ms(99):.2f}",
        f"{phase.quantile_ms(99) / baseline.quantile_ms(99):.0f}×",
        f"{percentile_ms(phase.lag, 99):.1f}" if phase.lag else "–",
        cpu,
    ]


def main() -> None:
    admin_url = os.environ["DATABASE_URL"]
    bench_url = database_url(admin_url, BENCH_DATABASE)
    create_database(admin_url)
    try:
        pairs = make_pairs(bench_url)
        with daphne_servers(bench_url) as servers:
            ports = [port for port, _process in servers]
            pids = [process.pid for _port, process in servers]
            result = asyncio.run(measure(ports, pids, pairs))
    finally:
        drop_database(admin_url)
    base, calls, clients = result.baseline, result.calls, str(result.clients)
    *paced, saturated = result.relays
    headline = paced[-1]
    print(
        f"\n{clients} clients joined in {result.connect_seconds:.1f} s; errors: "
        f"{dict(result.errors) or 'none'}. Latency is one-way, client to client. CPU in % of one "
        f"core; the machine has {CORES}, shared by the clients, Daphne, Redis and PostgreSQL."
    )
    busiest = max(phase.cpu["other"] for phase in result.relays)
    if busiest > OTHER_CPU_WARNING:
        print(f"WARNING: other processes used up to {busiest:.0f} % of a core: not a clean run.")
    rows = [row(base, "1 pub + 1 sub", "one at a time", base)]
    rows += [row(phase, clients, f"{calls / phase.period:,.0f} rtt/s", base) for phase in paced]
    rows.append(row(saturated, clients, "closed loop", base))
    figures = {
        "clients": result.clients,
        "daphne_processes": DAPHNE_PROCESSES,
        "p50_ms": round(headline.quantile_ms(50), 3),
        "p99_ms": round(headline.quantile_ms(99), 3),
        "rtt_per_s": round(headline.rate, 1),
        "offered_rtt_per_s": calls / headline.period,
        "target_p99_ms": TARGET_P99_MS,
        "baseline_p50_ms": round(base.quantile_ms(50), 3),
        "baseline_p99_ms": round(base.quantile_ms(99), 3),
        "saturated_rtt_per_s": round(saturated.rate, 1),
        "saturated_p99_ms": round(saturated.quantile_ms(99), 3),
        "connect_seconds": round(result.connect_seconds, 2),
        "errors": result.errors.total(),
    }
    for phase in paced[:-1]:
        figures[f"p99_ms_at_{calls / phase.period:.0f}_rtt_per_s"] = round(phase.quantile_ms(99), 3)
    figures["client_loop_lag_p99_ms"] = round(percentile_ms(headline.lag, 99), 3)
    for name, percent in headline.cpu.items():
        figures[f"{name}_cpu_percent"] = round(percent, 1)
    report(
        "signaling",
        [
            "path",
            "clients",
            "offered",
            "round trips/s",
            "p50 ms",
            "p99 ms",
            "p99 vs baseline",
            "client loop lag p99 ms",
            "CPU % daphne×2 / client / redis / other",
        ],
        rows,
        figures,
    )
