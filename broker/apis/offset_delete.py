"""OffsetDelete (key 47), v0: delete a group's committed offsets for some partitions
(broker/group/deletion.py has Kafka's rules)."""

from __future__ import annotations

from ..acls import DELETE, GROUP, READ, TOPIC, allowed
from ..group import coordinator_of
from ..group.deletion import delete_offsets
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.offset_delete import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


async def handle(ctx: RequestContext, req: dict) -> dict:
    coord = coordinator_of(ctx.node)
    wanted = [(t["name"], p["partition_index"]) for t in req["topics"] for p in t["partitions"]]
    if not allowed(ctx, DELETE, GROUP, req["group_id"]):  # with an authorizer
        return {"error_code": ErrorCode.GROUP_AUTHORIZATION_FAILED, "throttle_time_ms": 0, "topics": []}
    refused = {tp for tp in wanted if not allowed(ctx, READ, TOPIC, tp[0])}
    err, errors = delete_offsets(coord, req["group_id"], [tp for tp in wanted if tp not in refused])
    errors.update(dict.fromkeys(refused, ErrorCode.TOPIC_AUTHORIZATION_FAILED))
    if err:
        return {"error_code": err, "throttle_time_ms": 0, "topics": []}
    if any(e == 0 for e in errors.values()):
        await coord.topic.wait_replicated(req["group_id"], 5000)
    by_topic: dict[str, list[dict]] = {}
    for (t, p), e in errors.items():
        by_topic.setdefault(t, []).append({"partition_index": p, "error_code": e})
    topics = [{"name": t, "partitions": ps} for t, ps in by_topic.items()]
    return {"error_code": 0, "throttle_time_ms": 0, "topics": topics}


API = Api(KEY, "OffsetDelete", 0, 0, REQUEST, RESPONSE, handle)
