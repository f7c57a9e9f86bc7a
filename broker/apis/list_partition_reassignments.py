"""ListPartitionReassignments (key 46), v0: the ongoing reassignments (all, or of the given
partitions) with their replicas, adding and removing sets, from this broker's metadata."""

from __future__ import annotations

from ..acls import CLUSTER, CLUSTER_NAME, DESCRIBE, allowed
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import INT16, INT32, STRING, Array, F, Message, Struct
from ..request_context import RequestContext

KEY = 46

REQUEST = Message(
    Struct(
        F("timeout_ms", INT32, default=60000),
        F("topics", Array(Struct(F("name", STRING), F("partition_indexes", Array(INT32)))), null=0),
    ),
    first_flexible=0,
)
_PARTITION = Struct(
    F("partition_index", INT32),
    F("replicas", Array(INT32)),
    F("adding_replicas", Array(INT32)),
    F("removing_replicas", Array(INT32)),
)
RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F("error_code", INT16),
        F("error_message", STRING, null=0),
        F("topics", Array(Struct(F("name", STRING), F("partitions", Array(_PARTITION))))),
    ),
    first_flexible=0,
)


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
