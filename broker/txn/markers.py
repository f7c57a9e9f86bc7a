"""Writing transaction markers on the partition's leader (what a broker does with the markers of
a WriteTxnMarkers request, Kafka's ReplicaManager.appendRecords with origin Coordinator)."""

from __future__ import annotations

from ..log.partition_log import LogClosedError
from ..protocol.errors import ErrorCode
from . import pending_offsets
from .control import marker_batch
from .registry import txns_of


def write_marker(
    node,
    topic: str,
    partition: int,
    producer_id: int,
    producer_epoch: int,
    commit: bool,
    coordinator_epoch: int,
) -> ErrorCode:
    """Append one marker as the partition's leader (Kafka's ReplicaManager.appendRecords with
    origin Coordinator). The producer's epoch here moves to the marker's (fencing older
    epochs), and the partition's open transaction of that producer ends."""
    plog = node.partition_log(topic, partition)
    if plog is None:
        return node.missing_partition_error(topic, partition)
    leader = node.replicas.leader_state(topic, partition)
    if leader is None:
        return ErrorCode.NOT_LEADER_OR_FOLLOWER
    state = node.producers_of(topic, partition)
    entry = state.entries.get(producer_id)
    if entry is not None and producer_epoch < entry.epoch:
        return ErrorCode.INVALID_PRODUCER_EPOCH  # Kafka: a marker from an older epoch is fenced
    try:
        info = plog.append(
            marker_batch(producer_id, producer_epoch, commit, coordinator_epoch),
            leader_epoch=leader.epoch,
            control=True,
        )
    except LogClosedError:
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
    except OSError as exc:
        node.log.error(f"Error while writing a transaction marker to {topic}-{partition}: {exc}")
        return ErrorCode.KAFKA_STORAGE_ERROR
    state.end_transaction(producer_id, producer_epoch)
    h = next(iter(plog.iter_batch_headers(info.base_offset)))
    txns_of(plog).on_batch(h, lambda hh: plog.read(hh.base_offset, hh.size, min_one=True))
    if pending_offsets.is_marker_for_offsets(topic):  # TxnOffsetCommit's offsets become real or go
        pending_offsets.complete(node, partition, producer_id, commit)
    node.replicas.maybe_advance_hw((topic, partition))
    node.wake_fetchers((topic, partition))
    return ErrorCode.NONE
