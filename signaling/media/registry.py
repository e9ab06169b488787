"""Relay processes and booth pins in Redis: shared by the relay processes and the Daphne handlers.

- `media-relay:procs` (a set) names every relay process that ever registered; a name whose
  `media-relay:proc:<name>` hash has expired is gone (readers prune it).
- `media-relay:proc:<name>` → channel, viewers, max_viewers, presentations, `b<booth id>` →
  viewers of that booth; TTL `PROCESS_TTL`, refreshed every `HEARTBEAT` seconds.
- `media-relay:booth:<id>` → the name of the relay serving the booth; set with NX by the first
  publish (so a booth is on exactly one process), refreshed by that relay while live, deleted when
  the presentation ends. A pin outlives a dead relay by at most `PIN_TTL`.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import redis
import redis.asyncio as aioredis
from django.conf import settings

PROCESSES = "media-relay:procs"
HEARTBEAT = 2.0
PROCESS_TTL = 6
PIN_TTL = 15
CHANNEL_PREFIX = "media-relay."


def process_key(name: str) -> str:
    return f"media-relay:proc:{name}"


def pin_key(booth_id: int) -> str:
    return f"media-relay:booth:{booth_id}"


def channel_for(name: str) -> str:
    return f"{CHANNEL_PREFIX}{name}"


@dataclass(frozen=True)
class RelayLoad:
    name: str
    channel: str
    viewers: int
    max_viewers: int
    presentations: int
    booths: dict[int, int]

    @property
    def full(self) -> bool:
        return self.viewers >= self.max_viewers


@asynccontextmanager
async def connect() -> AsyncIterator["aioredis.Redis"]:
    """A client for one operation's lifetime (Daphne, tests and relays each have their loops)."""
    if not settings.REDIS_URL:
        raise LookupError("no REDIS_URL: relays need Redis")
    client = aioredis.from_url(settings.REDIS_URL, decode_responses=True)
    try:
        yield client
    finally:
        await client.aclose()


def _load(name: str, fields: dict[str, str]) -> RelayLoad:
    return RelayLoad(
        name=name,
        channel=fields.get("channel", channel_for(name)),
        viewers=int(fields.get("viewers", 0)),
        max_viewers=int(fields.get("max_viewers", 0)),
        presentations=int(fields.get("presentations", 0)),
        booths={int(k[1:]): int(v) for k, v in fields.items() if k.startswith("b")},
    )


async def relay(client: "aioredis.Redis", name: str) -> RelayLoad | None:
    fields = await client.hgetall(process_key(name))
    return _load(name, {str(k): str(v) for k, v in fields.items()}) if fields else None


async def relays(client: "aioredis.Redis") -> list[RelayLoad]:
    """Live relay processes, by name; expired ones are pruned from the set."""
    loads = []
    for name in sorted(str(n) for n in await client.smembers(PROCESSES)):
        load = await relay(client, name)
        if load is None:
            await client.srem(PROCESSES, name)
        else:
            loads.append(load)
    return loads


async def pinned(client: "aioredis.Redis", booth_id: int) -> RelayLoad | None:
    """The live relay serving this booth, or None (no pin, or its relay is gone)."""
    name = await client.get(pin_key(booth_id))
    return None if name is None else await relay(client, str(name))


async def pin(client: "aioredis.Redis", booth_id: int) -> RelayLoad | None:
    """The relay for a new presentation: the current pin if its relay lives, else the least loaded
    live relay with room, pinned with SET NX (a racing publisher gets the winner's pin)."""
    current = await client.get(pin_key(booth_id))
    if current is not None:
        load = await relay(client, str(current))
        if load is not None:
            return load
        await client.delete(pin_key(booth_id))  # its relay died: the booth may go live elsewhere
    candidates = [r for r in await relays(client) if not r.full]
    if not candidates:
        return None
    best = min(candidates, key=lambda r: (r.viewers / max(r.max_viewers, 1), r.presentations))
    if await client.set(pin_key(booth_id), best.name, nx=True, ex=PIN_TTL):
        return best
    return await pinned(client, booth_id)


def relays_now() -> list[RelayLoad] | None:
    """For the organisers' dashboard (synchronous): every live relay with its load, by name;
    None when Redis is not configured or does not answer."""
    if not settings.REDIS_URL:
        return None
    try:
        with redis.Redis.from_url(settings.REDIS_URL, decode_responses=True) as client:
            loads = []
            for name in sorted(str(n) for n in client.smembers(PROCESSES)):
                fields = client.hgetall(process_key(name))
                if fields:
                    loads.append(_load(name, {str(k): str(v) for k, v in fields.items()}))
            return loads
    except redis.RedisError:
        return None
