"""Waiting for another process (a worker, a Daphne, PostgreSQL) to get somewhere."""

import time
from collections.abc import Callable


def wait_for(check: Callable[[], object], what: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")
        time.sleep(0.05)
