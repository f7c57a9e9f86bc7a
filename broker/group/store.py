"""The `__consumer_offsets` topic of one node: creating it, appending group records to the right
partition, replaying it at start. Uses only BrokerNode's public methods."""

from __future__ import annotations

import time

from ..log.batch import ATTR_TRANSACTIONAL
from ..log.builder import build_batch
from ..log4j import logger
from ..protocol.errors import ErrorCode
from .errors import GroupError
from .offsets import (
    CommittedOffset,
    StoredGroup,
    batch_of,
    group_key,
    group_value,
    offset_key,
    offset_value,
    read_partition,
    replay,
)
from .partitioning import DEFAULT_NUM_PARTITIONS, OFFSETS_TOPIC, partition_for

OFFSETS_SEGMENT_BYTES = 104857600  # offsets.topic.segment.bytes default


def setting(node, name: str, default: int) -> int:
    """A broker setting read defensively: the typed config if it knows the key, else the raw
    property, else Kafka's default."""
    try:
        return int(node.config[name])
    except (KeyError, TypeError, ValueError):
        pass
    raw = getattr(node.config, "raw", {}) or {}
    try:
        return int(raw[name])
    except (KeyError, TypeError, ValueError):
        return default


class OffsetsTopic:
    def __init__(self, node):
        self.node = node
        self.log = logger(
            "kafka.coordinator.group.GroupMetadataManager", f"[GroupMetadataManager brokerId={node.node_id}]"
        )
        self.appended_upto: dict[int, int] = {}  # partition -> offset after our last write

    def exists(self) -> bool:
        return OFFSETS_TOPIC in self.node.metadata.topics

    def num_partitions(self) -> int:
        info = self.node.metadata.topics.get(OFFSETS_TOPIC)
        if info is not None:
            return len(info.partitions)
        return setting(self.node, "offsets.topic.num.partitions", DEFAULT_NUM_PARTITIONS)

    def partition_for(self, group_id: str) -> int:
        return partition_for(group_id, self.num_partitions())

    def leader_of(self, group_id: str) -> int | None:
        info = self.node.metadata.topics.get(OFFSETS_TOPIC)
        if info is None:
            return None
        p = info.partitions.get(partition_for(group_id, len(info.partitions)))
        return None if p is None else p.leader

    def create(self) -> GroupError:
        """Create the topic as Kafka's auto-creation does: refused (COORDINATOR_NOT_AVAILABLE) while
        fewer brokers are alive than offsets.topic.replication.factor."""
        rf = setting(self.node, "offsets.topic.replication.factor", 3)
        alive = len(self.node.metadata.brokers)
        if alive < rf:
            self.log.error(
                f"Number of alive brokers '{alive}' does not meet the required replication factor "
                f"'{rf}' for the offsets topic (configured via 'offsets.topic.replication.factor'). "
                f"This error can be ignored if the cluster is starting up and not all brokers are up yet."
            )
            return GroupError.COORDINATOR_NOT_AVAILABLE
        n = setting(self.node, "offsets.topic.num.partitions", DEFAULT_NUM_PARTITIONS)
        seg = setting(self.node, "offsets.topic.segment.bytes", OFFSETS_SEGMENT_BYTES)
        # Kafka's offsets topic: compacted, so only the latest offset per key is kept
        err, msg, _ = self.node.topic_admin.create(
            OFFSETS_TOPIC, n, rf, {"segment.bytes": seg, "cleanup.policy": "compact"}
        )
        if err == ErrorCode.LEADER_NOT_AVAILABLE:  # forwarded to the controller; clients retry
            return GroupError.COORDINATOR_NOT_AVAILABLE
        if err not in (ErrorCode.NONE, ErrorCode.TOPIC_ALREADY_EXISTS):
            self.log.error(f"Could not create {OFFSETS_TOPIC}: {err.name} {msg or ''}")
            return GroupError.COORDINATOR_NOT_AVAILABLE
        return GroupError.NONE

    # --- writing ---
    def _append(self, group_id: str, records: list[tuple[bytes, bytes | None]]) -> GroupError:
        p = self.partition_for(group_id)
        res = self.node.append(OFFSETS_TOPIC, p, batch_of(records), 1)
        if res.error == ErrorCode.NONE:
            self.appended_upto[p] = res.next_offset
            return GroupError.NONE
        self.log.error(
            f"Appending to {OFFSETS_TOPIC}-{p} for group {group_id} failed: "
            f"{res.error.name} {res.message or ''}"
        )
        if res.error == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
            return GroupError.COORDINATOR_NOT_AVAILABLE
        if res.error == ErrorCode.NOT_LEADER_OR_FOLLOWER:
            return GroupError.NOT_COORDINATOR
        return GroupError.COORDINATOR_NOT_AVAILABLE

    async def wait_replicated(self, group_id: str, timeout_ms: int) -> GroupError:
        """Wait until this group's last write is on every ISR member of its partition (Kafka writes
        offsets with acks=all); the error mapping is GroupMetadataManager's."""
        p = self.partition_for(group_id)
        upto = self.appended_upto.get(p)
        if upto is None:
            return GroupError.NONE
        err = await self.node.replicas.wait_committed(OFFSETS_TOPIC, p, upto, timeout_ms, 1)
        if err == ErrorCode.NONE:
            return GroupError.NONE
        if err == ErrorCode.NOT_LEADER_OR_FOLLOWER:
            return GroupError.NOT_COORDINATOR
        return GroupError.COORDINATOR_NOT_AVAILABLE

    def store_txn_offsets(
        self,
        group_id: str,
        producer_id: int,
        producer_epoch: int,
        offsets: dict[tuple[str, int], CommittedOffset],
    ) -> GroupError:
        """TxnOffsetCommit: the offset records as a transactional batch of the producer (sequence
        -1), decided later by the transaction's marker (Kafka's GroupMetadataManager.storeOffsets
        with a producer id)."""
        p = self.partition_for(group_id)
        records = [(offset_key(group_id, t, q), offset_value(c)) for (t, q), c in offsets.items()]
        batch = build_batch(
            records,
            timestamp=int(time.time() * 1000),
            producer_id=producer_id,
            producer_epoch=producer_epoch,
            base_sequence=-1,
            attributes=ATTR_TRANSACTIONAL,
        )
        res = self.node.append(OFFSETS_TOPIC, p, batch, 1, from_coordinator=True)
        if res.error == ErrorCode.NONE:
            self.appended_upto[p] = res.next_offset
            return GroupError.NONE
        if res.error == ErrorCode.INVALID_PRODUCER_EPOCH:
            return GroupError.INVALID_PRODUCER_EPOCH
        return (
            GroupError.NOT_COORDINATOR
            if res.error == ErrorCode.NOT_LEADER_OR_FOLLOWER
            else (GroupError.COORDINATOR_NOT_AVAILABLE)
        )

    def store_offsets(self, group_id: str, offsets: dict[tuple[str, int], CommittedOffset]) -> GroupError:
        return self._append(
            group_id, [(offset_key(group_id, t, p), offset_value(c)) for (t, p), c in offsets.items()]
        )

    def store_tombstones(
        self, group_id: str, partitions: list[tuple[str, int]], *, group: bool = False
    ) -> GroupError:
        """Null values for the group's offsets of `partitions` (and its metadata when `group`):
        what Kafka writes for DeleteGroups and OffsetDelete; replay drops the keys."""
        keys = [offset_key(group_id, t, p) for t, p in partitions] + ([group_key(group_id)] if group else [])
        return self._append(group_id, [(k, None) for k in keys]) if keys else GroupError.NONE

    def store_group(self, group_id: str, g: StoredGroup) -> GroupError:
        return self._append(group_id, [(group_key(group_id), group_value(g))])

    # --- reading ---
    def load(
        self, partitions: list[int] | None = None
    ) -> tuple[dict[str, StoredGroup], dict[str, dict[tuple[str, int], CommittedOffset]], float]:
        """Replay the given partitions (default: every one); returns (groups, offsets, milliseconds taken)."""
        start = time.monotonic()
        info = self.node.metadata.topics.get(OFFSETS_TOPIC)
        records: list = []
        for p in (sorted(info.partitions) if partitions is None else partitions) if info else ():
            plog = self.node.partition_log(OFFSETS_TOPIC, p)
            if plog is not None:
                records.extend(read_partition(plog))
        groups, offsets = replay(records)
        return groups, offsets, (time.monotonic() - start) * 1000
