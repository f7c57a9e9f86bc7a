"""Offsets committed inside a transaction (TxnOffsetCommit), held by the group coordinator until
the transaction's marker reaches the group's `__consumer_offsets` partition: COMMIT makes them
the group's committed offsets, ABORT drops them (Kafka's GroupMetadata.pendingTransactionalOffsetCommits
and GroupMetadataManager.handleTxnCompletion).

The records themselves are written at TxnOffsetCommit time as a transactional batch of the
producer (broker/group/store.py), so a restart replays them by their marker
(broker/group/offsets.read_partition); this map is the in-memory side until the marker."""

from __future__ import annotations

import weakref

from ..group import coordinator_of
from ..group.offsets import CommittedOffset
from ..group.partitioning import OFFSETS_TOPIC

# node -> (producer id, group) -> {(topic, partition): offset}
_pending: weakref.WeakKeyDictionary[object, dict[tuple[int, str], dict[tuple[str, int], CommittedOffset]]] = (
    weakref.WeakKeyDictionary()
)


def add(node, producer_id: int, group_id: str, offsets: dict[tuple[str, int], CommittedOffset]) -> None:
    _pending.setdefault(node, {}).setdefault((producer_id, group_id), {}).update(offsets)


def complete(node, partition: int, producer_id: int, commit: bool) -> None:
    """A marker of `producer_id` was written to `__consumer_offsets`-`partition`."""
    pending = _pending.get(node, {})
    coord = coordinator_of(node)
    for pid, group_id in [k for k in pending if k[0] == producer_id]:
        if coord.topic.partition_for(group_id) != partition:
            continue
        offsets = pending.pop((pid, group_id))
        if commit and offsets:
            coord.commit_transactional(group_id, offsets)


def has_pending(node, group_id: str, tp: tuple[str, int]) -> bool:
    """Offsets for `tp` wait for a transaction's marker
    (GroupMetadata.hasPendingOffsetCommitsForTopicPartition)."""
    return any(g == group_id and tp in offsets for (_, g), offsets in _pending.get(node, {}).items())


def is_marker_for_offsets(topic: str) -> bool:
    return topic == OFFSETS_TOPIC
