"""Many ZooKeeper requests at once (Kafka's ZooKeeperClient.handleRequests and
KafkaZkClient.retryRequestsUntilConnected).

Kafka's controller hands ZooKeeper a whole batch (every new partition's state znode, every state
to read or update) and waits for all answers; at most `zookeeper.max.in.flight.requests` (default
10) are unanswered at any time (a semaphore, released by each answer's callback). We do the same
with kazoo's asynchronous calls: a request is a function that starts one kazoo `*_async` call; its
answer (a value or kazoo's exception, like Kafka's per-request result code) is returned in the
order the requests were given. The batch runs in the session's own batch thread, not on the
event loop: an answer frees its slot at once, however busy the loop is. Requests that failed
with ConnectionLoss are sent again once the session is connected (Kafka's retry); every other
outcome is the caller's to judge. Waiting is bounded: no free slot, no answer or no connection
within the session's call limit (session + connection timeout) is ZooKeeperRequestTimeout.

Controller writes are fenced as Kafka's are (KafkaZkClient.wrapRequestWithControllerEpochCheck):
each goes in a ZooKeeper multi with a version check of /controller_epoch, so a controller that
was replaced (another broker bumped the epoch) cannot write; that check failing is
ControllerMovedException.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from kazoo.exceptions import (
    BadVersionError,
    ConnectionClosedError,
    ConnectionLoss,
    RolledBackError,
    RuntimeInconsistency,
    SessionExpiredError,
)
from kazoo.interfaces import IAsyncResult

from . import znodes
from .session import ZkSession, ZooKeeperRequestTimeout

Request = Callable[[], IAsyncResult]


class ControllerMovedException(Exception):
    java_class = "org.apache.kafka.common.errors.ControllerMovedException"


async def run(session: ZkSession, requests: Sequence[Request]) -> list[Any]:
    """Every request's answer (a value, or the kazoo exception it failed with), in order. Raises
    only when the session cannot be had in time (ZooKeeperRequestTimeout) or is gone (kazoo's
    SessionExpiredError, ConnectionClosedError)."""
    if not requests:
        return []
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(session.batches, handle_requests, session, requests)


def handle_requests(session: ZkSession, requests: Sequence[Request]) -> list[Any]:
    """The batch thread's part (blocking, every wait bounded by the call limit)."""
    limit = session.call_limit_s
    results: list[Any] = [None] * len(requests)
    remaining = list(range(len(requests)))
    while remaining:
        _send(session, requests, remaining, results, limit)
        for i in remaining:
            if isinstance(results[i], (SessionExpiredError, ConnectionClosedError)):
                raise results[i]
        remaining = [i for i in remaining if isinstance(results[i], ConnectionLoss)]
        if remaining:  # Kafka: zooKeeperClient.waitUntilConnected, then those again
            deadline = time.monotonic() + limit
            while not session.connected:
                if time.monotonic() >= deadline:
                    raise ZooKeeperRequestTimeout(f"ZooKeeper not connected within {limit:g} s")
                time.sleep(0.05)
    return results


def _send(
    session: ZkSession, requests: Sequence[Request], which: list[int], results: list, limit: float
) -> None:
    slots = threading.Semaphore(session.max_in_flight)
    lock = threading.Lock()
    left = [len(which)]
    finished = threading.Event()

    def answered(i: int, outcome: Any) -> None:  # kazoo's callback thread
        results[i] = outcome
        slots.release()
        with lock:
            left[0] -= 1
            if left[0] == 0:
                finished.set()

    def done(i: int, ar: IAsyncResult) -> None:
        answered(i, ar.value if ar.successful() else ar.exception)

    for i in which:
        if not slots.acquire(timeout=limit):
            raise ZooKeeperRequestTimeout(f"no answer from ZooKeeper within {limit:g} s")
        try:
            requests[i]().rawlink(functools.partial(done, i))
        except Exception as exc:  # refused before it was sent (kazoo checks its arguments)
            answered(i, exc)
    if not finished.wait(limit):
        raise ZooKeeperRequestTimeout(f"no answer from ZooKeeper within {limit:g} s")


# --- reads ---
def get(session: ZkSession, path: str, watch: Callable[[Any], None] | None = None) -> Request:
    return lambda: session.client.get_async(path, watch=watch)


def get_children(session: ZkSession, path: str, watch: Callable[[Any], None] | None = None) -> Request:
    return lambda: session.client.get_children_async(path, watch=watch)


# --- fenced writes (a multi: check /controller_epoch's version, then the writes) ---
Op = tuple  # ("create", path, data) | ("set", path, data, version) | ("delete", path)
# items (partitions) whose writes share one multi; ~100 bytes of path and data per write keeps a
# chunk far below ZooKeeper's request limit (jute.maxbuffer, 1 MB)
WRITE_CHUNK = 100


async def fenced_writes(session: ZkSession, epoch_zk_version: int, items: list[tuple[Any, list[Op]]]) -> dict:
    """Each item's write outcomes (one per op: a result or kazoo's exception), by item key.

    Kafka sends one fenced request per partition. We put WRITE_CHUNK items' writes into one
    fenced multi, one request instead of a hundred (the GIL makes every request's hand-over
    between threads dear when the broker is busy); a multi is all or nothing, so a chunk that
    fails is sent again item by item, and every item's outcome is its own, as in Kafka."""
    chunks = [items[i : i + WRITE_CHUNK] for i in range(0, len(items), WRITE_CHUNK)]
    got = await run(
        session, [checked(session, epoch_zk_version, *(op for _, ops in c for op in ops)) for c in chunks]
    )
    out: dict = {}
    again: list[tuple[Any, list[Op]]] = []
    for chunk, outcome in zip(chunks, got, strict=True):
        writes = unwrap(outcome)
        if failure(writes) is None:
            at = 0
            for key, ops in chunk:
                out[key] = writes[at : at + len(ops)]
                at += len(ops)
        elif len(chunk) == 1:
            out[chunk[0][0]] = writes
        else:
            again += chunk
    got = await run(session, [checked(session, epoch_zk_version, *ops) for _, ops in again])
    for (key, _), outcome in zip(again, got, strict=True):
        out[key] = unwrap(outcome)
    return out


def checked(session: ZkSession, epoch_zk_version: int, *ops: Op) -> Request:
    """One multi: the /controller_epoch version check, then `ops`, all or nothing."""

    def start() -> IAsyncResult:
        t = session.client.transaction()
        t.check(znodes.CONTROLLER_EPOCH, epoch_zk_version)
        for op in ops:
            if op[0] == "create":
                t.create(op[1], op[2] or b"")
            elif op[0] == "set":
                t.set_data(op[1], op[2], op[3])
            else:
                t.delete(op[1])
        return t.commit_async()

    return start


def unwrap(outcome: Any) -> list[Any]:
    """The writes' own outcomes from a fenced multi's answer (Kafka's
    unwrapResponseWithControllerEpochCheck): one result or exception per write; a failed epoch
    check is ControllerMovedException. A multi that failed as a whole (ConnectionLoss, ...) is
    that exception for every write."""
    if isinstance(outcome, Exception):
        return [outcome]
    check, writes = outcome[0], list(outcome[1:])
    # a multi that failed answers every operation with an error: those before the failing one
    # RolledBackError (ZooKeeper's code 0), the failing one its own, those after it
    # RuntimeInconsistency
    if isinstance(check, Exception) and not isinstance(check, RolledBackError):
        if isinstance(check, BadVersionError):
            raise ControllerMovedException(
                "Controller epoch zkVersion check fails: another broker became the controller"
            )
        raise ControllerMovedException(f"Controller epoch check failed: {type(check).__name__}")
    return writes


def failure(writes: list[Any]) -> Exception | None:
    """The error that failed a multi (the one that is neither rolled back nor after it), or None."""
    for w in writes:
        if isinstance(w, Exception) and not isinstance(w, (RolledBackError, RuntimeInconsistency)):
            return w
    return None
