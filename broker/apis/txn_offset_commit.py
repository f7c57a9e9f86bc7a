"""TxnOffsetCommit (key 28), v0–3: offsets sent inside a transaction, to the group coordinator.
They stay pending until the transaction's marker reaches the group's partition
(broker/txn/pending_offsets.py). A producer whose epoch is older than the one the group's
partition has seen (fenced) gets INVALID_PRODUCER_EPOCH."""

from __future__ import annotations

import time

from ..group import coordinator_of
from ..group.offsets import CommittedOffset
from ..group.partitioning import OFFSETS_TOPIC
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.txn_offset_commit import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext
from ..txn import pending_offsets


def _error(ctx: RequestContext, req: dict) -> ErrorCode:
    node, gid = ctx.node, req["group_id"]
    coord = coordinator_of(node)
    err = coord.coordinator_error(gid)
    if err:
        return err
    entry = node.producers_of(OFFSETS_TOPIC, coord.topic.partition_for(gid)).entries.get(req["producer_id"])
    if entry is not None and req["producer_epoch"] < entry.epoch:
        return ErrorCode.INVALID_PRODUCER_EPOCH  # fenced by a newer producer with this id
    g = coord.groups.get(gid)
    if req["generation_id"] >= 0 and g is not None:  # KIP-447: the member must be current
        if req["member_id"] not in g.members:
            return ErrorCode.UNKNOWN_MEMBER_ID
        if req["generation_id"] != g.generation_id:
            return ErrorCode.ILLEGAL_GENERATION
    return ErrorCode.NONE


async def handle(ctx: RequestContext, req: dict) -> dict:
    err = _error(ctx, req)
    now = int(time.time() * 1000)
    if not err:
        offsets = {
            (t["name"], p["partition_index"]): CommittedOffset(
                p["committed_offset"], p["committed_leader_epoch"], p["committed_metadata"] or "", now
            )
            for t in req["topics"]
            for p in t["partitions"]
        }
        store = coordinator_of(ctx.node).topic
        err = store.store_txn_offsets(req["group_id"], req["producer_id"], req["producer_epoch"], offsets)
        if not err:
            err = await store.wait_replicated(req["group_id"], 5000)
        if not err:
            pending_offsets.add(ctx.node, req["producer_id"], req["group_id"], offsets)
    return {
        "throttle_time_ms": 0,
        "topics": [
            {
                "name": t["name"],
                "partitions": [
                    {"partition_index": p["partition_index"], "error_code": err} for p in t["partitions"]
                ],
            }
            for t in req["topics"]
        ],
    }


API = Api(KEY, "TxnOffsetCommit", 0, 3, REQUEST, RESPONSE, handle)
