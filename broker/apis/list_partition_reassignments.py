"""ListPartitionReassignments (key 46), v0: the ongoing reassignments (all, or of the given
partitions) with their replicas, adding and removing sets, from this broker's metadata."""

from __future__ import annotations

from ..acls import CLUSTER, CLUSTER_NAME, DESCRIBE, allowed
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.list_partition_reassignments import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


async def handle(ctx: RequestContext, req: dict) -> dict:
    if not allowed(ctx, DESCRIBE, CLUSTER, CLUSTER_NAME):  # with an authorizer
        return {
            "throttle_time_ms": 0,
            "error_code": ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
            "error_message": None,
            "topics": [],
        }
    md = ctx.node.metadata
    wanted = (
        None
        if req["topics"] is None
        else {(t["name"], i) for t in req["topics"] for i in t["partition_indexes"]}
    )
    topics = []
    for name, info in sorted(md.topics.items()):
        parts = [
            {
                "partition_index": p.index,
                "replicas": list(p.replicas),
                "adding_replicas": list(p.adding),
                "removing_replicas": list(p.removing),
            }
            for p in sorted(info.partitions.values(), key=lambda p: p.index)
            if (p.adding or p.removing) and (wanted is None or (name, p.index) in wanted)
        ]
        if parts:
            topics.append({"name": name, "partitions": parts})
    return {"throttle_time_ms": 0, "error_code": ErrorCode.NONE, "error_message": None, "topics": topics}


API = Api(KEY, "ListPartitionReassignments", 0, 0, REQUEST, RESPONSE, handle)
