"""A booth's line through the whole stack: 2,000 waiting candidates, 2 Daphne processes, Redis.

One live fair, one booth, one recruiter, WAITING candidates in their own database. Every
candidate has a WebSocket (Origin and session cookie, as a browser) to one of the two Daphne
processes, alternately, joins the line with `queue.join` and then watches it with `queue.watch`
(in that order: watching first would fan every one of the 2,000 joins out to everyone already
watching, two million deliveries before the first measurement). The recruiter's socket follows
the staff console (`queue.console`) and sends `queue.call_next`, ROUNDS times, waiting for each
to be fully delivered before the next.

Per call-next and per client: the time from the recruiter sending the command until that client
has its new place, that is a `queue.position` carrying it (one place up), or for the candidate
being called, the `queue.entry` saying `called`. A `queue.position` with any other place counts
as wrong and the client keeps waiting. `positions_p50_ms`/`positions_p99_ms` are over every
client of every round; `all_updated_p50_ms`/`all_updated_max_ms` over each round's slowest
client, the time until *every* waiting client knew. `call_next_reply_p50_ms` is the recruiter's
OK: the transaction and its after-commit fan-out (the snapshot, the staff line) both run before
Daphne replies, so it is the database's share.

Baseline, in the same run, interleaved with the call-nexts, to the same clients: this process
does a bare `group_send` of a small `client.push` frame to the booth's group (what
signaling.bus does), timed until each of the same clients has it. The clients all live in this
one process, so both numbers include its own event loop reading 2,000 sockets (its loop lag is
reported); the ratio is what the line's own work costs on top.

Queries per call-next are counted in a fresh interpreter, before the sockets open: the service
`rooms.queues.queue_call_next` runs under Django's CaptureQueriesContext with its after-commit
callbacks executed (it commits), at a line of 200 and of WAITING, at booths nobody watches; the
line's fan-out alone (`queue_broadcast`) is counted too. The counts must not depend on the
length. CPU is per part in % of one core over the measured rounds, as in bench/signaling.py;
"other" is PostgreSQL and anyone else's work on the machine (above OTHER_CPU_WARNING the run may
not be clean, and the bench says so). "first_updated" is each round's first `queue.position`
delivery (its median): against the baseline's it is the database's share before the fan-out starts.
"""

import asyncio
import os
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import redis.asyncio as redis
from channels_redis.pubsub import RedisPubSubChannelLayer
from websockets.asyncio.client import ClientConnection

from bench._report import report
from bench._stack import (
    CORES,
    DAPHNE_PROCESSES,
    OTHER_CPU_WARNING,
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

WAITING = 2_000
ROUNDS = 20
PAUSE = 0.5  # seconds of quiet after each round, so one round's stragglers never meet the next
ROUND_TIMEOUT = 30.0
COUNTED_AT = 200  # the shorter line whose call-next queries are compared with WAITING's
COUNTED_CALLS = 3
TARGET_P99_MS = 500.0
PING = "bench.ping"


class Seeded(NamedTuple):
    booth_id: int
    recruiter: Person
    candidates: list[Person]
    queries: dict[int, list[int]]  # line length: queries of each counted call-next
    fanout_queries: dict[int, int]  # line length: queries of the fan-out alone


def seed(url: str, waiting: int) -> Seeded:
    """Migrate the bench database, fill it and count queries; runs in a fresh interpreter."""
    # High ids: the booth's and fair's groups never meet another run's on a shared Redis.
    setup_django(url, migrate=True, high_ids=("accounts_user", "rooms_fair", "rooms_booth"))
    from accounts.models import Membership
    from tests import factories

    employer = factories.employer("Bench Employer")
    booth = factories.booth(fair_=factories.live_fair(), employer_=employer)
    (recruiter,) = bulk_users("recruiter", 1)
    Membership.objects.create(
        user=recruiter, organisation=employer.organisation, role=Membership.Role.RECRUITER
    )
    candidates = bulk_users("candidate", waiting)
    queries, fanout = count_queries(recruiter, employer, candidates, (COUNTED_AT, waiting))
    return Seeded(
        booth.pk, signed_in(recruiter), [signed_in(c) for c in candidates], queries, fanout
    )


def count_queries(
    recruiter: Any, employer: Any, candidates: list[Any], lengths: tuple[int, ...]
) -> tuple[dict[int, list[int]], dict[int, int]]:
    """SQL statements per call-next at lines of each length (each at its own booth and fair,
    emptied afterwards so the candidates are free again), and of the fan-out alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.permissions import forget_memberships
    from rooms.models import QueueEntry
    from rooms.queue_feed import queue_broadcast
    from rooms.queues import queue_call_next
    from tests import factories

    per_call: dict[int, list[int]] = {}
    fanout: dict[int, int] = {}
    for length in lengths:
        booth = factories.booth(fair_=factories.live_fair(), employer_=employer)
        QueueEntry.objects.bulk_create(
            QueueEntry(booth=booth, candidate=candidate, sort_key=float(n))
            for n, candidate in enumerate(candidates[:length], start=1)
        )
        per_call[length] = []
        for _ in range(COUNTED_CALLS):
            forget_memberships(recruiter)  # as the socket does before every frame
            with CaptureQueriesContext(connection) as captured:
                queue_call_next(actor=recruiter, booth_id=booth.pk)  # commits: fan-out runs
            per_call[length].append(len(captured))
        with CaptureQueriesContext(connection) as captured:
            queue_broadcast(booth.pk)
        fanout[length] = len(captured)
        QueueEntry.objects.filter(booth=booth).delete()
    return per_call, fanout


class Expect(NamedTuple):
    """The event a client waits for, and the field that says it is the news it waits for."""

    event: str
    key: str
    value: object


@dataclass
class Round:
    """One fan-out being timed: who must hear what, and how long after `started` each did."""

    started: float
    pending: dict[int, Expect]  # user id: what they still wait for
    fanout_event: str  # what the many receive (the called candidate's own news is not it)
    samples: list[float] = field(default_factory=list)
    fanout_first: float = float("inf")
    wrong: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def heard(self, user_id: int, frame: dict[str, Any], now: float) -> None:
        want = self.pending.get(user_id)
        if want is None or frame["event"] != want.event:
            return
        if frame["data"].get(want.key) != want.value:
            self.wrong += 1
            return
        del self.pending[user_id]
        self.samples.append(now - self.started)
        if want.event == self.fanout_event:
            self.fanout_first = min(self.fanout_first, now - self.started)
        if not self.pending:
            self.done.set()

    @property
    def first(self) -> float:
        """Seconds until the first client had the fan-out: its start, as clients see it."""
        return self.fanout_first

    @property
    def slowest(self) -> float:
        """Seconds until every client had it; infinite if some never did."""
        return max(self.samples) if not self.pending else float("inf")


@dataclass
class Tally:
    """What every client records into: the round under way, and error replies by code."""

    round: Round | None = None
    errors: Counter[str] = field(default_factory=Counter)


class Candidate(Socket):
    def __init__(self, ws: ClientConnection, me: Person, tally: Tally) -> None:
        super().__init__(ws, tally.errors)
        self.me = me
        self.tally = tally
        self.position: int | None = None

    async def on_event(self, frame: dict[str, Any]) -> None:
        if self.tally.round is not None:
            self.tally.round.heard(self.me.user_id, frame, time.perf_counter())


async def open_candidate(port: int, me: Person, booth_id: int, tally: Tally) -> Candidate:
    candidate = Candidate(await open_socket(port, me), me, tally)
    joined = await candidate.request("queue.join", {"booth_id": booth_id})
    if not joined["ok"]:
        await candidate.close()
        raise RuntimeError(joined["error"]["code"])
    return candidate


async def watch(candidate: Candidate, booth_id: int) -> Candidate:
    watched = await candidate.request("queue.watch", {"booth_id": booth_id})
    if not watched["ok"]:
        raise RuntimeError(watched["error"]["code"])
    candidate.position = watched["data"]["position"]["position"]
    return candidate


async def timed(fanout: Round, tally: Tally) -> Round:
    tally.round = fanout
    try:
        await asyncio.wait_for(fanout.done.wait(), ROUND_TIMEOUT)
    except TimeoutError:
        tally.errors["never heard"] += len(fanout.pending)
    tally.round = None
    return fanout


async def call_next(
    recruiter: Socket, booth_id: int, line: list[Candidate], tally: Tally
) -> tuple[Round, float]:
    """One call-next: the head is called, everyone behind moves up one place. Also returns the
    seconds until the recruiter's OK."""
    head, *rest = line
    pending = {head.me.user_id: Expect("queue.entry", "state", "called")}
    pending.update(
        (c.me.user_id, Expect("queue.position", "position", place))
        for place, c in enumerate(rest, start=1)
    )
    fanout = Round(time.perf_counter(), pending, "queue.position")
    tally.round = fanout
    reply = await recruiter.send_request("queue.call_next", {"booth_id": booth_id})
    answered = await asyncio.wait_for(reply, ROUND_TIMEOUT)
    replied = time.perf_counter() - fanout.started
    if not answered["ok"]:
        tally.errors[f"call_next: {answered['error']['code']}"] += 1
    return await timed(fanout, tally), replied


async def bare_push(
    layer: RedisPubSubChannelLayer, group: str, line: list[Candidate], n: int, tally: Tally
) -> Round:
    """The floor: one small frame to the same group, as signaling.bus sends it."""
    expected = {c.me.user_id: Expect(PING, "n", n) for c in line}
    fanout = Round(time.perf_counter(), expected, PING)
    tally.round = fanout
    frame = {"v": 1, "event": PING, "data": {"n": n}}
    await layer.group_send(group, {"type": "client.push", "frame": frame})
    return await timed(fanout, tally)


@dataclass
class Measured:
    waiting: int
    calls: list[Round]
    replies: list[float]
    baseline: list[Round]
    setup_seconds: dict[str, float]
    lag: list[float]
    cpu: dict[str, float]
    errors: Counter[str]


async def measure(ports: list[int], pids: list[int], seeded: Seeded) -> Measured:
    from signaling import groups

    url = os.environ["REDIS_URL"]
    server = redis.from_url(url)
    layer = RedisPubSubChannelLayer(hosts=[{"address": url, "socket_timeout": None}])
    tally = Tally()
    booth_id = seeded.booth_id
    setup: dict[str, float] = {}
    began = time.perf_counter()
    recruiter = Socket(await open_socket(ports[0], seeded.recruiter), tally.errors)
    candidates: list[Candidate] = []
    try:
        console = await recruiter.request("queue.console", {"booth_id": booth_id})
        if not console["ok"]:
            raise RuntimeError(console["error"]["code"])
        plans = [
            open_candidate(ports[n % len(ports)], person, booth_id, tally)
            for n, person in enumerate(seeded.candidates)
        ]
        candidates = await in_batches(plans, tally.errors, "connect and join")
        setup["connect_and_join_seconds"] = time.perf_counter() - began
        began = time.perf_counter()
        await in_batches([watch(c, booth_id) for c in candidates], tally.errors, "watch")
        setup["watch_seconds"] = time.perf_counter() - began
        line = sorted(
            (c for c in candidates if c.position is not None), key=lambda c: c.position or 0
        )
        if [c.position for c in line] != list(range(1, len(candidates) + 1)):
            tally.errors["positions after watching are not 1…n"] += 1
        await asyncio.sleep(PAUSE)
        waiting = len(line)
        calls: list[Round] = []
        replies: list[float] = []
        baseline: list[Round] = []
        lag: list[float] = []
        ticker = asyncio.create_task(loop_lag(lag))
        before = await cpu_now(pids, server)
        began = time.perf_counter()
        for n in range(ROUNDS):
            baseline.append(await bare_push(layer, groups.queue(booth_id), line, n, tally))
            await asyncio.sleep(PAUSE)
            called, replied = await call_next(recruiter, booth_id, line, tally)
            calls.append(called)
            replies.append(replied)
            line = line[1:]
            await asyncio.sleep(PAUSE)
        cpu = cpu_used(before, await cpu_now(pids, server), time.perf_counter() - began)
        ticker.cancel()
    finally:
        await asyncio.gather(*(c.close() for c in [recruiter, *candidates]))
        await server.aclose()
        await layer.flush()
    for fanout in (*calls, *baseline):
        tally.errors["wrong position"] += fanout.wrong
    return Measured(waiting, calls, replies, baseline, setup, lag, cpu, +tally.errors)


def samples_of(rounds: list[Round]) -> list[float]:
    return [sample for fanout in rounds for sample in fanout.samples]


def first_ms(rounds: list[Round]) -> float:
    """The median round's first delivery, in ms."""
    return statistics.median(fanout.first for fanout in rounds) * 1000


def slowest_ms(rounds: list[Round]) -> list[float]:
    """Each round's slowest client: when every client had the news, in ms."""
    return [fanout.slowest * 1000 for fanout in rounds]


def figures_of(result: Measured, seeded: Seeded) -> dict[str, float]:
    positions, base = samples_of(result.calls), samples_of(result.baseline)
    at_length = {length: max(counts) for length, counts in seeded.queries.items()}
    short, long_ = at_length[COUNTED_AT], at_length[WAITING]
    consistent = all(len(set(counts)) == 1 for counts in seeded.queries.values())
    figures: dict[str, float] = {
        "waiting": result.waiting,
        "daphne_processes": DAPHNE_PROCESSES,
        "call_nexts": len(result.calls),
        "positions_p50_ms": round(percentile_ms(positions, 50), 1),
        "positions_p99_ms": round(percentile_ms(positions, 99), 1),
        "all_updated_p50_ms": round(statistics.median(slowest_ms(result.calls)), 1),
        "all_updated_max_ms": round(max(slowest_ms(result.calls)), 1),
        "first_updated_p50_ms": round(first_ms(result.calls), 1),
        "baseline_first_updated_p50_ms": round(first_ms(result.baseline), 1),
        "call_next_reply_p50_ms": round(statistics.median(result.replies) * 1000, 1),
        "target_p99_ms": TARGET_P99_MS,
        "baseline_p50_ms": round(percentile_ms(base, 50), 1),
        "baseline_p99_ms": round(percentile_ms(base, 99), 1),
        "baseline_all_updated_max_ms": round(max(slowest_ms(result.baseline)), 1),
        "queries_per_call_next": long_,
        f"queries_per_call_next_at_{COUNTED_AT}": short,
        "queries_fanout": seeded.fanout_queries[WAITING],
        f"queries_fanout_at_{COUNTED_AT}": seeded.fanout_queries[COUNTED_AT],
        "queries_independent_of_length": consistent
        and short == long_
        and seeded.fanout_queries[COUNTED_AT] == seeded.fanout_queries[WAITING],
        "client_loop_lag_p99_ms": round(percentile_ms(result.lag, 99), 1),
        "errors": result.errors.total(),
    }
    figures.update({name: round(value, 1) for name, value in result.setup_seconds.items()})
    for name, percent in result.cpu.items():
        figures[f"{name}_cpu_percent"] = round(percent, 1)
    return figures


def row(name: str, rounds: list[Round], baseline: list[Round]) -> list[object]:
    samples, base = samples_of(rounds), samples_of(baseline)
    return [
        name,
        len(rounds),
        f"{first_ms(rounds):.1f}",
        f"{percentile_ms(samples, 50):.1f}",
        f"{percentile_ms(samples, 99):.1f}",
        f"{max(slowest_ms(rounds)):.1f}",
        f"{percentile_ms(samples, 99) / percentile_ms(base, 99):.1f}×",
    ]


def main() -> None:
    with bench_database() as url:
        seeded = in_fresh_interpreter(seed, url, WAITING)
        with daphne_servers(url) as servers:
            ports = [port for port, _process in servers]
            pids = [process.pid for _port, process in servers]
            result = asyncio.run(measure(ports, pids, seeded))
    figures = figures_of(result, seeded)
    cpu = " / ".join(f"{name} {percent:.0f}" for name, percent in result.cpu.items())
    print(
        f"\n{result.waiting} waiting on {DAPHNE_PROCESSES} Daphne processes; "
        f"errors: {dict(result.errors) or 'none'}. Times from sending to each client's news; "
        f"recruiter's OK after {figures['call_next_reply_p50_ms']} ms (median). "
        f"SQL per call-next: {seeded.queries} by line length, fan-out alone "
        f"{seeded.fanout_queries}. CPU in % of one core (the machine has {CORES}): {cpu}."
    )
    if result.cpu["other"] > OTHER_CPU_WARNING:
        print(
            f"WARNING: PostgreSQL and other processes used {result.cpu['other']:.0f} % of a core "
            "during the rounds: beyond PostgreSQL's share, not a clean run."
        )
    report(
        "queue",
        [
            "fan-out",
            "rounds",
            "first client, median ms",
            "p50 ms",
            "p99 ms",
            "all updated, worst ms",
            "p99 vs baseline",
        ],
        [
            row("bare group_send (baseline)", result.baseline, result.baseline),
            row("call-next → positions", result.calls, result.baseline),
        ],
        figures,
    )
