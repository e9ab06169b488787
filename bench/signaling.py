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
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import redis.asyncio as redis
from websockets.asyncio.client import ClientConnection

from bench._report import report
from bench._stack import (
    CORES,
    DAPHNE_PROCESSES,
    OTHER_CPU_WARNING,
    REPLY_TIMEOUT,
    Person,
    Socket,
    bench_database,
    bulk_users,
    cpu_now,
    cpu_used,
    daphne_servers,
    in_batches,
    in_fresh_interpreter,
    loop_lag,
    open_socket,
    percentile_ms,
    setup_django,
    signed_in,
)

PAIRS = 500
# Seconds between one call's round trips, lightest load first. The last is the headline: every
# client sends a candidate a second, 1,000 relayed messages a second in all.
PACES = (4.0, 2.0, 1.0)
PACED_SECONDS = 8.0
SATURATED_SECONDS = 5.0
BASELINE_ROUND_TRIPS = 5_000
TARGET_P99_MS = 50.0

CANDIDATE = "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host"


class Pair(NamedTuple):
    session_id: int
    recruiter: Person
    candidate: Person


def seed(url: str, pairs: int) -> list[Pair]:
    """Migrate the bench database and fill it; runs in a fresh interpreter."""
    setup_django(url, migrate=True, high_ids=("accounts_user", "rooms_interviewsession"))
    from django.db import transaction

    from accounts.models import Membership, Organisation
    from rooms.interviews import interview_start

    with transaction.atomic():
        # CPI meetings: the one kind of call staff start without a booth.
        office = Organisation.objects.create(name="Bench CPI", kind=Organisation.Kind.CPI)
        recruiters, candidates = bulk_users("operator", pairs), bulk_users("candidate", pairs)
        Membership.objects.bulk_create(
            Membership(user=user, organisation=office, role=Membership.Role.CPI_OPERATOR)
            for user in recruiters
        )
        return [
            Pair(
                interview_start(actor=recruiter, candidate=candidate).pk,
                signed_in(recruiter),
                signed_in(candidate),
            )
            for recruiter, candidate in zip(recruiters, candidates, strict=True)
        ]


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


@dataclass
class Tally:
    """What every client records into: the phase under way, and error replies by code."""

    phase: Phase = field(default_factory=lambda: Phase("connect"))
    errors: Counter[str] = field(default_factory=Counter)


class Client(Socket):
    """One browser tab in a call: times and answers candidates."""

    def __init__(
        self, ws: ClientConnection, me: Person, peer: Person, session_id: int, tally: Tally
    ) -> None:
        super().__init__(ws, tally.errors)
        self.me = me
        self.peer = peer
        self.session_id = session_id
        self.tally = tally
        self.echo = False
        self.returned: asyncio.Future[None] | None = None

    async def on_event(self, frame: dict[str, Any]) -> None:
        if frame["event"] == "rtc.candidate":  # else presence of the peer
            await self.relayed(frame["data"]["candidate"])

    async def relayed(self, candidate: dict[str, Any]) -> None:
        self.tally.phase.samples.append(time.perf_counter() - float(candidate["usernameFragment"]))
        if self.echo:
            await self.send_candidate()
        elif self.returned is not None and not self.returned.done():
            self.returned.set_result(None)

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
    client = Client(await open_socket(port, me), me, peer, session_id, tally)
    joined = await client.request("interview.join", {"session_id": session_id, "device": "desktop"})
    if not joined["ok"]:
        await client.close()
        raise RuntimeError(joined["error"]["code"])
    return client


async def open_clients(ports: list[int], pairs: list[Pair], tally: Tally) -> list[Client]:
    """Both sockets of every call, CONNECT_BATCH at a time; the two of a call on different ports."""
    plans = []
    for n, pair in enumerate(pairs):
        first, second = ports[n % len(ports)], ports[(n + 1) % len(ports)]
        plans.append(open_client(first, pair.recruiter, pair.candidate, pair.session_id, tally))
        plans.append(open_client(second, pair.candidate, pair.recruiter, pair.session_id, tally))
    clients: list[Client] = await in_batches(plans, tally.errors, "connect")
    return clients


async def close_clients(clients: list[Client], tally: Tally) -> None:
    """Hang up before closing: a dropped socket would leave a Celery task on the shared Redis."""
    left = await in_batches(
        [c.request("interview.leave", {"session_id": c.session_id}) for c in clients],
        tally.errors,
        "leave failed",
    )
    tally.errors["leave failed"] += sum(not reply["ok"] for reply in left)
    await asyncio.gather(*(c.close() for c in clients))


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
    phase.cpu = cpu_used(before, await meter(), phase.seconds)
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
    with bench_database() as url:
        pairs = in_fresh_interpreter(seed, url, PAIRS)
        with daphne_servers(url) as servers:
            ports = [port for port, _process in servers]
            pids = [process.pid for _port, process in servers]
            result = asyncio.run(measure(ports, pids, pairs))
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
