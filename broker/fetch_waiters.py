"""Fetches long-polling for news of their partitions: Kafka's delayed-fetch purgatory, keyed by
partition (ReplicaManager.tryCompleteDelayedFetch is called for the partition an append or a
high-watermark move touched, and completes only the DelayedFetch operations watching it).

A Fetch that has less than its min_bytes waits here on every partition it reads, until one of
them has news or its max_wait ends. For a consumer, news is an append or the high watermark
moving (it reads up to the high watermark: an acks=1 record becomes visible when the followers'
fetches advance it, not at the next append). A follower reads up to the log end, so only an
append is news to it: a high-watermark move adds no bytes, and Kafka's DelayedFetch.tryComplete
does not complete a follower's fetch for it either (the follower learns the new high watermark
in its next answer). Waking followers for it cost the leader a whole pass over their session's
partitions for nothing, several times per write (docs/cluster.md, "Follower fetches").
`wake_all` is for what touches every fetch (metadata changes, a deleted topic, shutdown).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

TopicPartition = tuple[str, int]


class FetchWaiters:
    def __init__(self) -> None:
        # partition -> waiting fetches: consumers (any news) and followers (appends only)
        self._consumers: dict[TopicPartition, set[asyncio.Future]] = {}
        self._followers: dict[TopicPartition, set[asyncio.Future]] = {}
        self._every: set[asyncio.Future] = set()

    async def wait(self, partitions: Iterable[TopicPartition], timeout_s: float, *, follower: bool) -> None:
        """Return on news of any of `partitions` (for a `follower`, an append only), on
        `wake_all`, or after `timeout_s`."""
        if timeout_s <= 0:
            return
        fut = asyncio.get_running_loop().create_future()
        by_partition = self._followers if follower else self._consumers
        watched = list(dict.fromkeys(partitions))
        for tp in watched:
            by_partition.setdefault(tp, set()).add(fut)
        self._every.add(fut)
        try:
            await asyncio.wait_for(fut, timeout_s)
        except TimeoutError:
            pass
        finally:
            self._every.discard(fut)
            for tp in watched:
                waiting = by_partition.get(tp)
                if waiting is not None:
                    waiting.discard(fut)
                    if not waiting:
                        del by_partition[tp]

    def wake(self, tp: TopicPartition, *, appended: bool) -> None:
        """News of `tp`: records appended (`appended`), or only its high watermark moved."""
        _complete(self._consumers.get(tp, ()))
        if appended:
            _complete(self._followers.get(tp, ()))

    def wake_all(self) -> None:
        _complete(self._every)


def _complete(futures: Iterable[asyncio.Future]) -> None:
    for fut in futures:
        if not fut.done():
            fut.set_result(None)
