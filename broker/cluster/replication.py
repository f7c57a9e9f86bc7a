"""Replication on one broker: which partitions it leads or follows, the leader's view of its
followers (log end offsets, last caught-up time), the high watermark, acks=all waiters, and ISR
changes asked of the controller.

- Leader: HW = the smallest log end offset over the ISR. A follower whose fetch offset reaches
  the HW (and this leader epoch's start offset) is added to the ISR; one not caught up for
  replica.lag.time.max.ms is removed (the controller decides; Kafka's AlterPartition).
- Follower: on a new leader epoch it asks the leader where its last epoch ends (OffsetForLeaderEpoch,
  KIP-101/279, broker/cluster/epoch_truncation.py), truncates there and fetches from the leader
  (broker/cluster/fetcher.py).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..group import coordinator_of
from ..group.partitioning import OFFSETS_TOPIC
from ..log.partition_log import PartitionLog
from ..log4j import logger
from ..protocol.errors import ErrorCode
from ..txn.coordinator import coordinator_of as txn_coordinator_of
from ..txn.log_records import TXN_TOPIC
from .metadata import ClusterMetadata, PartitionInfo


class PartitionLogs(Protocol):
    def get(self, topic: str, partition: int) -> PartitionLog | None: ...


class ReplicaHost(Protocol):
    """What the replica manager needs of its node (broker/node.py's BrokerNode is one): its id,
    its logs, the cluster view, its settings, a reset of producer state after a truncation, and
    the wake-up of fetches waiting on a partition. Narrow on purpose, so replication does not
    depend on the whole node."""

    @property
    def node_id(self) -> int: ...

    @property
    def logs(self) -> PartitionLogs: ...

    @property
    def metadata(self) -> ClusterMetadata: ...

    @property
    def config(self) -> Any: ...  # a KafkaConfig: settings by Kafka name

    def rebuild_producers(self, plog: PartitionLog) -> None: ...

    def wake_fetchers(self, tp: tuple[str, int] | None = None, *, appended: bool = True) -> None: ...


class PartitionFetchers(Protocol):
    """The follower side's fetchers (broker/cluster/fetcher.py's FetcherManager)."""

    def add(self, tp: tuple[str, int], leader: int, epoch: int) -> None: ...

    def remove(self, tp: tuple[str, int]) -> None: ...


class IsrChanges(Protocol):
    """Who decides ISR changes (the controller, local or remote: broker/cluster/lifecycle.py)."""

    async def alter_partition(
        self, topic: str, partition: int, leader_epoch: int, isr: list[int]
    ) -> ErrorCode: ...


@dataclass
class FollowerState:
    leo: int = -1
    log_start: int = -1  # as its last fetch reported it (-1: not yet; Kafka's UnknownOffset)
    last_caught_up_ms: float = 0.0
    last_fetch_leader_leo: int = -1
    last_fetch_ms: float = 0.0


@dataclass
class LeaderState:
    epoch: int
    start_offset: int  # the leader's LEO when it took over (Kafka's leader epoch start offset)
    isr: list[int]
    followers: dict[int, FollowerState] = field(default_factory=dict)
    pending_isr: list[int] | None = None  # an AlterPartition in flight


def _now_ms() -> float:
    return time.monotonic() * 1000


class ReplicaManager:
    def __init__(self, node: ReplicaHost):
        self.node = node
        self.leaders: dict[tuple[str, int], LeaderState] = {}
        self.following: dict[tuple[str, int], tuple[int, int]] = {}  # tp -> (leader, epoch)
        self.pending_truncation: set[tuple[str, int]] = set()  # followers to reconcile with the leader
        self._moved = asyncio.Event()  # set when a high watermark or a follower's log start moved
        self.fetchers: PartitionFetchers | None = None  # set by the node in cluster mode
        self.controller_client: IsrChanges | None = None

    def partition_log_name(self, tp: tuple[str, int]) -> str:
        return f"{tp[0]}-{tp[1]}"

    def _plog_logger(self, tp):
        return logger("kafka.cluster.Partition", f"[Partition {tp[0]}-{tp[1]} broker={self.node.node_id}]")

    # --- applying the controller's partition state ---
    def apply(self, topic: str, p: PartitionInfo) -> None:
        me = self.node.node_id
        tp = (topic, p.index)
        plog = self.node.logs.get(topic, p.index)
        if plog is None:
            return
        if p.leader == me:
            self.following.pop(tp, None)
            if self.fetchers is not None:
                self.fetchers.remove(tp)
            st = self.leaders.get(tp)
            if st is None or st.epoch != p.leader_epoch:
                st = LeaderState(p.leader_epoch, plog.log_end_offset, list(p.isr))
                now = _now_ms()
                for r in p.replicas:
                    if r != me:
                        st.followers[r] = FollowerState(last_caught_up_ms=now)
                self.leaders[tp] = st
                self.node.rebuild_producers(plog)
                topic_id = self.node.metadata.topics[topic].topic_id
                self._plog_logger(tp).info(
                    f"Leader {topic}-{p.index} with topic id Some({topic_id}) "
                    f"starts at leader epoch {p.leader_epoch} from offset {plog.log_end_offset} "
                    f"with partition epoch {p.leader_epoch}, high watermark {plog.high_watermark}, "
                    f"ISR [{','.join(map(str, p.isr))}], replicas [{','.join(map(str, p.replicas))}]"
                )
                self._coordinator(topic, p.index, True)
            else:
                st.isr = list(p.isr)
                # a reassignment changes the replica set under the same leader epoch
                for r in [r for r in st.followers if r not in p.replicas]:
                    del st.followers[r]
                for r in p.replicas:
                    if r != me and r not in st.followers:
                        st.followers[r] = FollowerState()
            self.maybe_advance_hw(tp)
            return
        was_leader = self.leaders.pop(tp, None) is not None
        prev = self.following.get(tp)
        if prev != (p.leader, p.leader_epoch):
            self.following[tp] = (p.leader, p.leader_epoch)
            if was_leader:
                self._coordinator(topic, p.index, False)
            if self.fetchers is not None:
                self.pending_truncation.add(tp)  # by OffsetForLeaderEpoch (cluster/epoch_truncation.py)
            elif plog.log_end_offset > plog.high_watermark:
                self._plog_logger(tp).info(
                    f"Truncating to offset {plog.high_watermark} (the high watermark) on becoming "
                    f"a follower of {p.leader} at leader epoch {p.leader_epoch}"
                )
                plog.truncate_to(plog.high_watermark)
                self.node.rebuild_producers(plog)
        if self.fetchers is not None:
            if p.leader >= 0:
                self.fetchers.add(tp, p.leader, p.leader_epoch)
            else:
                self.fetchers.remove(tp)

    def _coordinator(self, topic: str, partition: int, leader: bool) -> None:
        """Leaders of `__consumer_offsets` partitions are the group coordinators."""
        if topic == OFFSETS_TOPIC:
            coordinator_of(self.node).on_leadership(partition, leader)
        elif topic == TXN_TOPIC:  # ... and of `__transaction_state` the transaction coordinators
            txn_coordinator_of(self.node).on_leadership(partition, leader)

    def forget(self, tp: tuple[str, int]) -> None:
        self.leaders.pop(tp, None)
        self.following.pop(tp, None)
        if self.fetchers is not None:
            self.fetchers.remove(tp)

    # --- leader side ---
    def leader_state(self, topic: str, partition: int) -> LeaderState | None:
        return self.leaders.get((topic, partition))

    def maybe_advance_hw(self, tp: tuple[str, int]) -> None:
        st = self.leaders.get(tp)
        plog = self.node.logs.get(*tp)
        if st is None or plog is None:
            return
        me = self.node.node_id
        hw = plog.log_end_offset
        for r in st.isr:
            if r != me:
                hw = min(hw, st.followers.get(r, FollowerState()).leo)
        if hw > plog.high_watermark:
            plog.high_watermark = hw
            self._wake()
            self.node.wake_fetchers(tp, appended=False)  # consumers long-polling on it see them now

    def follower_fetched(
        self, tp: tuple[str, int], replica: int, fetch_offset: int, epoch: int, log_start_offset: int = -1
    ) -> ErrorCode:
        st = self.leaders.get(tp)
        if st is None:
            return ErrorCode.NOT_LEADER_OR_FOLLOWER
        if epoch >= 0 and epoch < st.epoch:
            return ErrorCode.FENCED_LEADER_EPOCH
        if epoch > st.epoch:
            return ErrorCode.UNKNOWN_LEADER_EPOCH
        fs = st.followers.get(replica)
        if fs is None:
            return ErrorCode.NOT_LEADER_OR_FOLLOWER  # not a replica of this partition
        plog = self.node.logs.get(*tp)
        if plog is None:
            return ErrorCode.NOT_LEADER_OR_FOLLOWER  # the log is gone (topic being deleted)
        now, leo = _now_ms(), plog.log_end_offset
        if fetch_offset >= leo:
            fs.last_caught_up_ms = now
        elif fetch_offset >= fs.last_fetch_leader_leo:
            fs.last_caught_up_ms = max(fs.last_caught_up_ms, fs.last_fetch_ms)
        moved = fetch_offset != fs.leo
        fs.leo, fs.last_fetch_leader_leo, fs.last_fetch_ms = fetch_offset, leo, now
        if log_start_offset != fs.log_start:  # a DeleteRecords may wait for it (low_watermark)
            fs.log_start = log_start_offset
            self._wake()
        # the high watermark is the least log end of the ISR: only a follower that moved can
        # raise it here (the leader's own appends and ISR changes call maybe_advance_hw
        # themselves); a session's caught-up partitions are asked on every fetch
        if moved:
            self.maybe_advance_hw(tp)
        if (
            replica not in st.isr
            and st.pending_isr is None
            and fetch_offset >= plog.high_watermark
            and fetch_offset >= st.start_offset
        ):
            self._alter_isr(
                tp,
                st,
                st.isr + [replica],
                f"Expanding ISR from {','.join(map(str, st.isr))} to "
                f"{','.join(map(str, st.isr + [replica]))}",
            )
        return ErrorCode.NONE

    def check_lagging(self) -> None:
        """Drop from the ISR the followers not caught up for replica.lag.time.max.ms."""
        lag = self.node.config["replica.lag.time.max.ms"]
        now = _now_ms()
        for tp, st in list(self.leaders.items()):
            if st.pending_isr is not None:
                continue
            out = [
                r for r in st.isr if r != self.node.node_id and now - st.followers[r].last_caught_up_ms > lag
            ]
            if out:
                plog = self.node.logs.get(*tp)
                new = [r for r in st.isr if r not in out]
                details = ", ".join(
                    f"(brokerId: {r}, endOffset: {st.followers[r].leo}, lastCaughtUpTimeMs: "
                    f"{int(time.time() * 1000 - (now - st.followers[r].last_caught_up_ms))})"
                    for r in out
                )
                self._alter_isr(
                    tp,
                    st,
                    new,
                    f"Shrinking ISR from {','.join(map(str, st.isr))} to {','.join(map(str, new))}. "
                    f"Leader: (highWatermark: {plog.high_watermark if plog else -1}, endOffset: "
                    f"{plog.log_end_offset if plog else -1}). Out of sync replicas: {details}.",
                )

    def _alter_isr(self, tp, st: LeaderState, new_isr: list[int], message: str) -> None:
        if self.controller_client is None:
            return
        self._plog_logger(tp).info(message)
        st.pending_isr = new_isr
        asyncio.get_running_loop().create_task(self._send_alter(tp, st, new_isr))

    async def _send_alter(self, tp, st: LeaderState, new_isr: list[int]) -> None:
        if self.controller_client is None:
            return
        try:
            err: ErrorCode | None = await self.controller_client.alter_partition(
                tp[0], tp[1], st.epoch, new_isr
            )
        except Exception as exc:  # the controller unreachable: try again on the next check
            err = None
            self._plog_logger(tp).warning(f"Failed to alter the ISR: {exc}")
        if st.pending_isr is new_isr:
            st.pending_isr = None
        if err == ErrorCode.NONE and self.leaders.get(tp) is st:
            st.isr = list(new_isr)
            self.maybe_advance_hw(tp)
            self._wake()
        elif err is not None and err != ErrorCode.NONE:
            self._plog_logger(tp).info(f"Failed to alter the ISR to {new_isr}: {ErrorCode(err).name}")

    # --- acks=all ---
    def low_watermark(self, tp: tuple[str, int]) -> int | None:
        """Kafka's Partition.lowWatermarkIfLeader: the least log start offset of the leader's log
        and of every replica on a live broker, as the replicas last reported theirs; None where
        this broker does not lead."""
        st = self.leaders.get(tp)
        plog = self.node.logs.get(*tp)
        if st is None or plog is None:
            return None
        low = plog.log_start_offset
        alive = self.node.metadata.brokers
        for r, fs in st.followers.items():
            if r in alive and fs.log_start < low:
                low = fs.log_start
        return low

    async def wait_low_watermark(
        self, tp: tuple[str, int], required: int, timeout_ms: int
    ) -> tuple[ErrorCode, int]:
        """Kafka's DelayedDeleteRecords: (NONE, low watermark) once every live replica's log start
        reached `required`; NOT_LEADER_OR_FOLLOWER when leadership went; on expiry REQUEST_TIMED_OUT
        with the low watermark of then."""
        deadline = time.monotonic() + max(timeout_ms, 0) / 1000
        while True:
            low = self.low_watermark(tp)
            if low is None:
                return ErrorCode.NOT_LEADER_OR_FOLLOWER, -1
            if low >= required:
                return ErrorCode.NONE, low
            left = deadline - time.monotonic()
            if left <= 0:
                return ErrorCode.REQUEST_TIMED_OUT, low
            await self._until_moved(min(left, 0.5))

    async def _until_moved(self, seconds: float) -> None:
        """Until a high watermark or a follower's log start moves, at most `seconds`. asyncio.wait,
        not wait_for: Python 3.11's wait_for can lose a cancellation (docs/hardening.md §1)."""
        waiter = asyncio.ensure_future(self._moved.wait())
        try:
            await asyncio.wait({waiter}, timeout=seconds)
        finally:
            waiter.cancel()

    def _wake(self) -> None:
        ev, self._moved = self._moved, asyncio.Event()
        ev.set()

    async def wait_committed(
        self, topic: str, partition: int, next_offset: int, timeout_ms: int, min_isr: int
    ) -> ErrorCode:
        """Wait until the HW passes `next_offset - 1` (the batch is on every ISR member)."""
        tp = (topic, partition)
        deadline = time.monotonic() + max(timeout_ms, 0) / 1000
        while True:
            st = self.leaders.get(tp)
            plog = self.node.logs.get(topic, partition)
            if st is None or plog is None:
                return ErrorCode.NOT_LEADER_OR_FOLLOWER
            if plog.high_watermark >= next_offset:
                if len(st.isr) < min_isr:
                    return ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND
                return ErrorCode.NONE
            left = deadline - time.monotonic()
            if left <= 0:
                return ErrorCode.REQUEST_TIMED_OUT
            await self._until_moved(min(left, 0.5))
