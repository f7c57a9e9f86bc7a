"""Fetch on a controller listener: KRaft's replication of `__cluster_metadata-0` to voters and
observers (KafkaRaftClient.handleFetchRequest), a long poll of up to MaxWaitMs for new records."""

from __future__ import annotations

import time

from ..protocol.errors import ErrorCode
from .metadata_log import TOPIC


async def handle(ctx, req: dict) -> dict:
    raft = getattr(ctx.node, "raft", None)
    if raft is None:
        return {
            "throttle_time_ms": 0,
            "error_code": ErrorCode.UNKNOWN_SERVER_ERROR,
            "session_id": 0,
            "responses": [],
        }
    if req["cluster_id"] is not None and req["cluster_id"] != raft.cluster_id:
        return {
            "throttle_time_ms": 0,
            "error_code": ErrorCode.INCONSISTENT_CLUSTER_ID,
            "session_id": 0,
            "responses": [],
        }
    deadline = time.monotonic() + max(req["max_wait_ms"], 0) / 1000
    hw_before = raft.high_watermark
    replica = req["replica_id"]
    while True:
        part, has_data = raft.handle_fetch(req)
        left = deadline - time.monotonic()
        # A fetcher that has not been told the current high watermark is answered at once: its
        # last answer carried the records but an older HW (the voters had not fetched them yet),
        # and the HW moved before this fetch arrived, so waiting for a change would hold it up
        # to MaxWaitMs with nothing new to apply. Kafka 3.7 waits there; KAFKA-14145 (KIP-1166,
        # Fetch v18's HighWatermark) closes the gap with the fetcher's HW in the request; on v12
        # the leader remembers what it last told each replica instead.
        stale = replica >= 0 and raft.hw_sent.get(replica, -1) < part["high_watermark"]
        if has_data or part["error_code"] or left <= 0 or raft.high_watermark != hw_before or stale:
            if replica >= 0 and not part["error_code"]:
                raft.hw_sent[replica] = part["high_watermark"]
            return {
                "throttle_time_ms": 0,
                "error_code": ErrorCode.NONE,
                "session_id": 0,
                "responses": [{"topic": TOPIC, "partitions": [part]}],
            }
        await raft.wait_appended(left)
