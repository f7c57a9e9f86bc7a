"""Fetches long-polling for news of their partitions: Kafka's delayed-fetch purgatory, keyed by
partition (ReplicaManager.tryCompleteDelayedFetch is called for the partition an append or a
high-watermark move touched, and completes only the DelayedFetch operations watching it).

A Fetch that has less than its min_bytes waits here on every partition it reads, until one of
them has news or its max_wait ends. News is an append to the partition (what a follower reads)
or its high watermark moving (what a consumer reads: an acks=1 record becomes visible when the
followers' fetches advance it, not at the next append); `wake_all` is for what touches every
fetch (metadata changes, a deleted topic, shutdown).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

TopicPartition = tuple[str, int]


class FetchWaiters:
    def __init__(self) -> None:
        self._by_partition: dict[TopicPartition, set[asyncio.Future]] = {}
        self._every: set[asyncio.Future] = set()

    async def wait(self, partitions: Iterable[TopicPartition], timeout_s: float) -> None:
        """Return on news of any of `partitions`, on `wake_all`, or after `timeout_s`."""
        if timeout_s <= 0:
            return
        fut = asyncio.get_running_loop().create_future()
        watched = list(dict.fromkeys(partitions))
        for tp in watched:
            self._by_partition.setdefault(tp, set()).add(fut)
        self._every.add(fut)
        try:
            await asyncio.wait_for(fut, timeout_s)
        except TimeoutError:
            pass
        finally:
            self._every.discard(fut)
            for tp in watched:
                waiting = self._by_partition.get(tp)
                if waiting is not None:
                    waiting.discard(fut)
                    if not waiting:
                        del self._by_partition[tp]

    def wake(self, tp: TopicPartition) -> None:
        for fut in self._by_partition.get(tp, ()):
            if not fut.done():
                fut.set_result(None)

    def wake_all(self) -> None:
        for fut in self._every:
            if not fut.done():
                fut.set_result(None)
