"""Many ZooKeeper requests at once, on the event loop (Kafka's ZooKeeperClient.handleRequests and
KafkaZkClient.retryRequestsUntilConnected).

Kafka's controller hands ZooKeeper a whole batch (every new partition's state znode, every state
to read or update) and waits for all answers; at most `zookeeper.max.in.flight.requests` (default
10) are unanswered at any time. We do the same with kazoo's asynchronous calls: a request is a
function that starts one kazoo `*_async` call; its answer (a value or kazoo's exception, like
Kafka's per-request result code) comes back on the loop in the order the requests were given.
A request that failed with ConnectionLoss is sent again once the session is connected (Kafka's
retry), bounded by the session's call limit; every other outcome is the caller's to judge.

Controller writes are fenced as Kafka's are (KafkaZkClient.wrapRequestWithControllerEpochCheck):
each goes in a ZooKeeper multi with a version check of /controller_epoch, so a controller that
was replaced (another broker bumped the epoch) cannot write; that check failing is
ControllerMovedException.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from kazoo.exceptions import (
    BadVersionError,
    ConnectionClosedError,
    ConnectionLoss,
    KazooException,
    RolledBackError,
    RuntimeInconsistency,
    SessionExpiredError,
)
from kazoo.interfaces import IAsyncResult

from . import znodes
from .session import ZkSession, ZooKeeperRequestTimeout

Request = Callable[[], IAsyncResult]


class ControllerMovedException(Exception):
    java_class = "kafka.common.ControllerMovedException"


async def run(session: ZkSession, requests: Sequence[Request]) -> list[Any]:
    """Every request's answer (a value, or the kazoo exception it failed with), in order; at most
    session.max_in_flight unanswered at once. Raises only when the session cannot be had within
    its limit (ZooKeeperRequestTimeout) or is gone (kazoo's SessionExpiredError and the like)."""
    results: list[Any] = [None] * len(requests)
    todo: Iterator[int] = iter(range(len(requests)))

    async def worker() -> None:
        for i in todo:  # one shared iterator: each index is taken by exactly one worker
            results[i] = await _one(session, requests[i])

    workers = min(session.max_in_flight, len(requests))
    tasks = [asyncio.ensure_future(worker()) for _ in range(workers)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for t in tasks:
            t.cancel()
    return results


async def _one(session: ZkSession, request: Request) -> Any:
    loop = asyncio.get_running_loop()
    limit = session.call_limit_s
    deadline = loop.time() + limit
    while True:
        fut: asyncio.Future = loop.create_future()

        def done(ar: IAsyncResult, fut: asyncio.Future = fut) -> None:  # kazoo's callback thread
            outcome = ar.value if ar.successful() else ar.exception
            if not loop.is_closed():
                loop.call_soon_threadsafe(_settle, fut, outcome)

        request().rawlink(done)
        try:
            outcome = await asyncio.wait_for(fut, max(deadline - loop.time(), 0.001))
        except TimeoutError:
            raise ZooKeeperRequestTimeout(f"no answer from ZooKeeper within {limit:g} s") from None
        if not isinstance(outcome, ConnectionLoss):
            if isinstance(outcome, KazooException) and _session_gone(outcome):
                raise outcome
            return outcome
        while not session.connected:  # Kafka: zooKeeperClient.waitUntilConnected, then again
            if loop.time() >= deadline:
                raise ZooKeeperRequestTimeout(f"ZooKeeper not connected within {limit:g} s")
            await asyncio.sleep(0.05)


def _settle(fut: asyncio.Future, outcome: Any) -> None:
    if not fut.done():
        fut.set_result(outcome)


def _session_gone(exc: KazooException) -> bool:
    return isinstance(exc, (SessionExpiredError, ConnectionClosedError))


# --- reads ---
def get(session: ZkSession, path: str, watch: Callable[[Any], None] | None = None) -> Request:
    return lambda: session.client.get_async(path, watch=watch)


def get_children(session: ZkSession, path: str, watch: Callable[[Any], None] | None = None) -> Request:
    return lambda: session.client.get_children_async(path, watch=watch)


# --- fenced writes (a multi: check /controller_epoch's version, then the writes) ---
Op = tuple  # ("create", path, data) | ("set", path, data, version) | ("delete", path)


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
