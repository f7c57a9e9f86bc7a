"""Namespace switching confined to a helper thread.

`setns` moves only the calling thread, so the kernel work of a lab runs in threads we own;
the caller's thread (the CLI, rich's renderer, pytest) never changes namespace.
`run_in_netns(name, fn)` runs `fn` in a short-lived thread inside namespace `name`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from netlab.kernel import nsfs

T = TypeVar("T")


@contextmanager
def in_netns_fd(fd: int) -> Iterator[None]:
    """Inside a worker thread only: enter the namespace of `fd`, come back afterwards."""
    home = nsfs.current_fd()
    try:
        nsfs.enter_fd(fd)
        yield
    finally:
        try:
            nsfs.enter_fd(home)
        finally:
            os.close(home)


def run_in_thread(fn: Callable[[], T]) -> T:
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="netlab-kernel", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def run_in_netns(name: str, fn: Callable[[], T]) -> T:
    def inner() -> T:
        fd = nsfs.open_fd(name)
        try:
            nsfs.enter_fd(fd)  # a throwaway thread: no need to go back
        finally:
            os.close(fd)
        return fn()

    return run_in_thread(inner)
