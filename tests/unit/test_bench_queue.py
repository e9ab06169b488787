"""bench/queue.py's bookkeeping: a round is done only when every client had the news it waits for."""

import math

from bench.queue import Expect, Round, first_ms, slowest_ms


def position(place: int | None) -> dict[str, object]:
    return {"event": "queue.position", "data": {"position": place}}


def test_a_round_ends_when_every_client_had_its_own_news() -> None:
    fanout = Round(
        10.0,
        {
            1: Expect("queue.entry", "state", "called"),
            2: Expect("queue.position", "position", 1),
        },
        "queue.position",
    )
    fanout.heard(1, position(None), 10.1)  # the called one's position event is not their news
    fanout.heard(2, position(2), 10.2)  # a stale or wrong place
    fanout.heard(3, position(5), 10.2)  # nobody asked for this client
    assert not fanout.done.is_set()
    assert fanout.wrong == 1
    assert math.isinf(fanout.slowest)

    fanout.heard(1, {"event": "queue.entry", "data": {"state": "called"}}, 10.05)
    fanout.heard(2, position(1), 10.3)
    fanout.heard(2, position(1), 10.9)  # a duplicate does not count twice
    assert fanout.done.is_set()
    assert [round(s, 3) for s in fanout.samples] == [0.05, 0.3]
    assert slowest_ms([fanout]) == [fanout.slowest * 1000]
    assert round(first_ms([fanout])) == 300  # the fan-out's first, not the called one's news


def test_a_round_nobody_heard_never_looks_fast() -> None:
    fanout = Round(0.0, {1: Expect("bench.ping", "n", 0)}, "bench.ping")
    assert math.isinf(fanout.first)
    assert math.isinf(slowest_ms([fanout])[0])
