"""Waiting for something another process does (a log line, a process ending, a group empty):
one bounded polling loop for all of netlab."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll_until(
    check: Callable[[], T | None], timeout: float, *, first_delay: float = 0.005, max_delay: float = 0.05
) -> T | None:
    """Call `check` until it returns something other than None (returned), or until `timeout`
    seconds have passed (None). `check` runs at once, then after sleeps that double from
    `first_delay` up to `max_delay`: quick for what is ready at once, cheap for what takes seconds."""
    deadline = time.monotonic() + timeout
    delay = first_delay
    while True:
        result = check()
        if result is not None:
            return result
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        time.sleep(min(delay, left))
        delay = min(delay * 2, max_delay)
