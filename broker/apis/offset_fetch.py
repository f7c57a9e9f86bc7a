"""OffsetFetch (key 9), v0–7: a group's committed offsets (-1 where none); v2+ may ask for all
of the group's partitions with a null topic list and get a top-level error code."""

from __future__ import annotations

from ..group import coordinator_of
from ..protocol.api import Api
from ..protocol.messages.offset_fetch import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


async def handle(ctx: RequestContext, req: dict) -> dict:
    wanted = None
    if req["topics"] is not None:
        wanted = [(t["name"], p) for t in req["topics"] for p in t["partition_indexes"]]
    err, found = coordinator_of(ctx.node).fetch_offsets(req["group_id"], wanted)
    by_topic: dict[str, list[dict]] = {}
    for (topic, p), c in found.items():
        by_topic.setdefault(topic, []).append(
            {
                "partition_index": p,
                "committed_offset": c.offset if c else -1,
                "committed_leader_epoch": c.leader_epoch if c else -1,
                "metadata": c.metadata if c else "",
                # v0/v1 have no top-level error: a coordinator error goes on every partition
                "error_code": err if ctx.api_version < 2 else 0,
            }
        )
    topics = [{"name": name, "partitions": parts} for name, parts in by_topic.items()]
    if err and ctx.api_version >= 2:
        topics = []
    return {"throttle_time_ms": 0, "topics": topics, "error_code": err}


API = Api(KEY, "OffsetFetch", 0, 7, REQUEST, RESPONSE, handle)
