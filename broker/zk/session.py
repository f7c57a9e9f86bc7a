"""The broker's ZooKeeper session (kazoo), bridged to the event loop.

Kazoo runs its own thread; every blocking call goes through `call` (the default executor, one
call at a time per caller, each bounded by the session and connection timeouts) and watch
callbacks reach the loop via call_soon_threadsafe.
Connecting is bounded by zookeeper.connection.timeout.ms (default: zookeeper.session.timeout.ms)
as in Kafka's ZooKeeperClient; running out is Kafka's fatal start-up error:

    kafka.zookeeper.ZooKeeperClientTimeoutException: Timed out waiting for connection while in
    state: CONNECTING   (one line in the log)

Later the session may be suspended (ZooKeeper down: the broker keeps serving what it has, as
Kafka does) or lost (expired: re-registration is the owner's job, through `on_state`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kazoo.client import KazooClient, KazooState
from kazoo.handlers.threading import KazooTimeoutError
from kazoo.retry import KazooRetry

from ..log4j import logger


class ZooKeeperClientTimeoutException(Exception):
    java_class = "kafka.zookeeper.ZooKeeperClientTimeoutException"


class ZooKeeperRequestTimeout(Exception):
    """A ZooKeeper request that did not finish within ZkSession.call's limit."""


class ZkSession:
    def __init__(
        self,
        connect: str,
        session_timeout_ms: int,
        connection_timeout_ms: int | None,
        max_in_flight: int = 10,
    ):
        self.connect_string = connect.strip()
        # zookeeper.max.in.flight.requests (Kafka's default 10): unanswered requests of a batch
        # (broker/zk/pipeline.py)
        self.max_in_flight = max_in_flight
        # the thread that sends batches and waits for their answers (one batch at a time)
        self.batches = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zk-batches")
        self.session_timeout_s = session_timeout_ms / 1000
        self.connection_timeout_s = (connection_timeout_ms or session_timeout_ms) / 1000
        self.log = logger("kafka.zookeeper.ZooKeeperClient", "[ZooKeeperClient Kafka server]")
        logging.getLogger("kazoo").setLevel(logging.CRITICAL)  # its own reconnect chatter
        self.client = KazooClient(
            hosts=self.connect_string,
            timeout=self.session_timeout_s,
            connection_retry=KazooRetry(max_tries=-1, delay=0.1, max_delay=1.0),
            command_retry=KazooRetry(max_tries=3, delay=0.1, max_delay=1.0),
        )
        self.loop: asyncio.AbstractEventLoop | None = None
        self._state_listeners: list[Callable[[str], None]] = []
        self.client.add_listener(self._on_state)

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.log.info(f"Initializing a new session to {self.connect_string}.")
        self.log.info("Waiting until connected.")
        try:
            await self.loop.run_in_executor(None, self.client.start, self.connection_timeout_s)
        except KazooTimeoutError:
            await self.loop.run_in_executor(None, self._stop_quietly)
            raise ZooKeeperClientTimeoutException(
                "Timed out waiting for connection while in state: CONNECTING"
            ) from None
        self.log.info("Connected.")

    def _stop_quietly(self) -> None:
        try:
            self.client.stop()
            self.client.close()
        except Exception:  # noqa: BLE001 - stopping a client that never connected
            pass

    def on_state(self, cb: Callable[[str], None]) -> None:
        """`cb(state)` on the event loop for LOST / SUSPENDED / CONNECTED."""
        self._state_listeners.append(cb)

    def _on_state(self, state: str) -> None:
        if self.loop is None:
            return
        for cb in self._state_listeners:
            self.loop.call_soon_threadsafe(cb, state)

    @property
    def connected(self) -> bool:
        return self.client.state == KazooState.CONNECTED

    @property
    def call_limit_s(self) -> float:
        """How long one blocking call may take: a request cannot usefully outlive the session
        (once it expires every request fails) plus one reconnect within the connection timeout."""
        return self.session_timeout_s + self.connection_timeout_s

    async def call(
        self, fn: Callable[..., Any], *args: Any, limit_s: float | None = None, **kwargs: Any
    ) -> Any:
        """`fn(*args, **kwargs)` (kazoo, blocking) in a worker thread, bounded by `limit_s`
        (default call_limit_s): past it the caller gets ZooKeeperRequestTimeout; kazoo fails the
        stuck request itself when its connection goes (its thread is not ours to kill)."""
        assert self.loop is not None
        limit = self.call_limit_s if limit_s is None else limit_s
        try:
            return await asyncio.wait_for(self.loop.run_in_executor(None, lambda: fn(*args, **kwargs)), limit)
        except TimeoutError:
            raise ZooKeeperRequestTimeout(f"no answer from ZooKeeper within {limit:g} s") from None

    def threadsafe(self, cb: Callable[..., None]) -> Callable[..., None]:
        """A watch callback (kazoo's thread) that runs `cb` on the event loop instead."""
        loop = self.loop
        assert loop is not None

        def fire(*args: Any) -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(cb, *args)

        return fire

    async def close(self) -> None:
        assert self.loop is not None
        await self.loop.run_in_executor(None, self._stop_quietly)
        self.batches.shutdown(wait=False)  # a batch still running fails with the closed client
