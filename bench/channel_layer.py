"""The channel layer the platform uses (Redis pub/sub) against Channels' default Redis layer.

Both run in the same process against the same Redis, so the ratio is what matters. Measures one
channel's send→receive round trip and a fair-wide event fanned out to many subscribers.
"""

import asyncio
import os
import statistics
import time
from typing import Any

from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

from bench._report import report

ROUND_TRIPS = 2_000
SUBSCRIBERS = 200
FANOUTS = 50


def make_layers(url: str) -> dict[str, Any]:
    host = {"address": url, "socket_timeout": None}
    return {
        "core (baseline)": RedisChannelLayer(hosts=[host]),
        "pubsub (ours)": RedisPubSubChannelLayer(hosts=[host]),
    }


async def round_trips(layer) -> tuple[float, float]:
    channel = await layer.new_channel()
    samples = []
    started = time.perf_counter()
    for n in range(ROUND_TRIPS):
        sent = time.perf_counter()
        await layer.send(channel, {"type": "bench.ping", "n": n})
        await layer.receive(channel)
        samples.append(time.perf_counter() - sent)
    elapsed = time.perf_counter() - started
    return ROUND_TRIPS / elapsed, statistics.quantiles(samples, n=100)[98] * 1000


async def fanout(layer) -> float:
    channels = [await layer.new_channel() for _ in range(SUBSCRIBERS)]
    for channel in channels:
        await layer.group_add("bench.fair", channel)
    await asyncio.sleep(0.2)
    started = time.perf_counter()
    for n in range(FANOUTS):
        await layer.group_send("bench.fair", {"type": "client.push", "n": n})
        await asyncio.gather(*(layer.receive(channel) for channel in channels))
    elapsed = time.perf_counter() - started
    for channel in channels:
        await layer.group_discard("bench.fair", channel)
    return FANOUTS * SUBSCRIBERS / elapsed


async def measure() -> None:
    url = os.environ["REDIS_URL"]
    results = {}
    for name, layer in make_layers(url).items():
        rate, p99 = await round_trips(layer)
        deliveries = await fanout(layer)
        results[name] = (rate, p99, deliveries)
        await layer.flush()
    base_rate, _p99, base_deliveries = results["core (baseline)"]
    rows = [
        [
            name,
            f"{rate:,.0f}",
            f"{p99:.2f}",
            f"{rate / base_rate:.2f}×",
            f"{deliveries:,.0f}",
            f"{deliveries / base_deliveries:.2f}×",
        ]
        for name, (rate, p99, deliveries) in results.items()
    ]
    ours_rate, ours_p99, ours_deliveries = results["pubsub (ours)"]
    report(
        "channel_layer",
        [
            "layer",
            "round trips/s",
            "p99 ms",
            "vs baseline",
            f"deliveries/s ({SUBSCRIBERS} subs)",
            "vs baseline",
        ],
        rows,
        {
            "baseline_round_trips_per_s": round(base_rate, 1),
            "pubsub_round_trips_per_s": round(ours_rate, 1),
            "pubsub_round_trip_p99_ms": round(ours_p99, 3),
            "round_trip_ratio": round(ours_rate / base_rate, 3),
            "baseline_fanout_deliveries_per_s": round(base_deliveries, 1),
            "pubsub_fanout_deliveries_per_s": round(ours_deliveries, 1),
            "fanout_ratio": round(ours_deliveries / base_deliveries, 3),
        },
    )


def main() -> None:
    asyncio.run(measure())
