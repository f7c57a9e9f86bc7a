"""OffsetCommit (key 8), v0–9: committed offsets become records in `__consumer_offsets`; partitions
that do not exist get UNKNOWN_TOPIC_OR_PARTITION each. v0 (ZooKeeper storage in old Kafka) is
stored like the others, as Kafka 3.x does."""

from __future__ import annotations

import time

from ..acls import GROUP, READ, TOPIC, allowed
from ..group import coordinator_of
from ..group.offsets import CommittedOffset
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.offset_commit import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext

OFFSETS_COMMIT_TIMEOUT_MS = 5000  # Kafka's offsets.commit.timeout.ms default


async def handle(ctx: RequestContext, req: dict) -> dict:
    now = int(time.time() * 1000)
    offsets: dict[tuple[str, int], CommittedOffset] = {}
    order: list[tuple[str, list[int]]] = []
    for t in req["topics"]:
        order.append((t["name"], [p["partition_index"] for p in t["partitions"]]))
        for p in t["partitions"]:
            offsets[(t["name"], p["partition_index"])] = CommittedOffset(
                p["committed_offset"], p["committed_leader_epoch"], p["committed_metadata"] or "", now
            )
    coord = coordinator_of(ctx.node)
    denied: dict[tuple[str, int], int] = {}
    if not allowed(ctx, READ, GROUP, req["group_id"]):  # with an authorizer (KafkaApis)
        denied = dict.fromkeys(offsets, ErrorCode.GROUP_AUTHORIZATION_FAILED)
    else:
        denied = {
            tp: ErrorCode.TOPIC_AUTHORIZATION_FAILED for tp in offsets if not allowed(ctx, READ, TOPIC, tp[0])
        }
    errors: dict = (
        coord.commit(
            req["group_id"],
            req["generation_id"],
            req["member_id"],
            req["group_instance_id"] if ctx.api_version >= 7 else None,
            {tp: c for tp, c in offsets.items() if tp not in denied},
        )
        if len(denied) < len(offsets)
        else {}
    )
    errors = {**errors, **denied}
    if any(e == 0 for e in errors.values()):  # answered once the commit is on every ISR member
        err = await coord.topic.wait_replicated(req["group_id"], OFFSETS_COMMIT_TIMEOUT_MS)
        if err:
            errors = {tp: (err if e == 0 else e) for tp, e in errors.items()}
    topics = [
        {"name": name, "partitions": [{"partition_index": p, "error_code": errors[(name, p)]} for p in parts]}
        for name, parts in order
    ]
    return {"throttle_time_ms": 0, "topics": topics}


API = Api(KEY, "OffsetCommit", 0, 9, REQUEST, RESPONSE, handle)
