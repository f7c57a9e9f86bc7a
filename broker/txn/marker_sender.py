"""Sending transaction markers to the leaders of a transaction's partitions (Kafka's
TransactionMarkerChannelManager): written directly when this node leads the partition, else
sent in one WriteTxnMarkers request per leader over the inter-broker listener."""

from __future__ import annotations

import asyncio
import weakref

from ..cluster.channel import NodeChannel
from ..cluster.errors import ChannelError
from ..log4j import logger
from ..protocol.errors import ErrorCode
from ..registry import discover
from .markers import write_marker

WRITE_TXN_MARKERS_VERSION = 1
_channels: weakref.WeakKeyDictionary[object, dict[int, NodeChannel]] = weakref.WeakKeyDictionary()
# one request at a time per channel (NodeChannel reads the next frame as the answer)
_locks: weakref.WeakKeyDictionary[NodeChannel, asyncio.Lock] = weakref.WeakKeyDictionary()


def _channel(node, broker_id: int) -> NodeChannel | None:
    b = node.metadata.brokers.get(broker_id)
    ep = None if b is None else b.endpoints.get(node.config.inter_broker_listener)
    if ep is None:
        return None
    chans = _channels.setdefault(node, {})
    ch = chans.get(broker_id)
    if ch is None or (ch.host, ch.port) != (ep.host, ep.port):
        if ch is not None:
            ch.close()
        ch = chans[broker_id] = NodeChannel(
            logger(
                "org.apache.kafka.clients.NetworkClient", f"[TransactionMarkerChannelManager {node.node_id}]"
            ),
            broker_id,
            ep.host,
            ep.port,
            f"broker-{node.node_id}-txn-marker-sender",
        )
    return ch


def _leader(node, topic: str, partition: int) -> int | None:
    info = node.metadata.topics.get(topic)
    p = None if info is None else info.partitions.get(partition)
    return None if p is None or p.leader < 0 else p.leader


async def send_markers(
    node, pid: int, epoch: int, commit: bool, coordinator_epoch: int, partitions: set[tuple[str, int]]
) -> set[tuple[str, int]]:
    """Write the markers; return the partitions still to do (leader unknown or unreachable).
    A partition whose topic was deleted counts as done, as Kafka drops such markers."""
    left: set[tuple[str, int]] = set()
    remote: dict[int, list[tuple[str, int]]] = {}
    for t, p in sorted(partitions):
        leader = _leader(node, t, p)
        if t not in node.metadata.topics:
            continue
        if leader is None:
            left.add((t, p))
        elif leader == node.node_id:
            err = write_marker(node, t, p, pid, epoch, commit, coordinator_epoch)
            if err in (ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.KAFKA_STORAGE_ERROR):
                left.add((t, p))
        else:
            remote.setdefault(leader, []).append((t, p))
    for broker_id, tps in remote.items():
        by_topic: dict[str, list[int]] = {}
        for t, p in tps:
            by_topic.setdefault(t, []).append(p)
        body = {
            "markers": [
                {
                    "producer_id": pid,
                    "producer_epoch": epoch,
                    "transaction_result": commit,
                    "topics": [{"name": t, "partition_indexes": ps} for t, ps in by_topic.items()],
                    "coordinator_epoch": coordinator_epoch,
                }
            ]
        }
        ch = _channel(node, broker_id)
        if ch is None:
            left.update(tps)
            continue
        try:
            api = discover().by_name("WriteTxnMarkers")
            async with _locks.setdefault(ch, asyncio.Lock()):
                resp = await ch.request(api, WRITE_TXN_MARKERS_VERSION, body, 10.0)
        except ChannelError:
            left.update(tps)
            continue
        for mk in resp["markers"]:
            for t in mk["topics"]:
                for pr in t["partitions"]:
                    if pr["error_code"] in (ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.KAFKA_STORAGE_ERROR):
                        left.add((t["name"], pr["partition_index"]))
    return left
