"""OffsetFetch (key 9), v0–9: a group's committed offsets (-1 where none); v2+ may ask for all
of the group's partitions with a null topic list and get a top-level error code; v8+ ask for
several groups at once (each answered with its own error code, as Kafka's batched form). v7+
`require_stable` (KIP-447, GroupMetadataManager.getOffsets): a partition with offsets still
pending in an open transaction answers UNSTABLE_OFFSET_COMMIT and no offset, so a read_committed
client retries instead of taking the offset from before the transaction."""

from __future__ import annotations

from ..acls import DESCRIBE, GROUP, TOPIC, allowed
from ..group import coordinator_of
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.offset_fetch import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext
from ..txn import pending_offsets


def _one_group(
    ctx: RequestContext, group_id: str, topics: list[dict] | None, require_stable: bool = False
) -> tuple[int, list[dict]]:
    wanted = None
    if topics is not None:
        wanted = [(t["name"], p) for t in topics for p in t["partition_indexes"]]
    if not allowed(ctx, DESCRIBE, GROUP, group_id):  # with an authorizer (KafkaApis)
        err, found = ErrorCode.GROUP_AUTHORIZATION_FAILED, dict.fromkeys(wanted or [])
    else:
        err, found = coordinator_of(ctx.node).fetch_offsets(group_id, wanted)
        # topics this client may not DESCRIBE: an error each when asked for, left out otherwise
        found = {
            tp: c for tp, c in found.items() if wanted is not None or allowed(ctx, DESCRIBE, TOPIC, tp[0])
        }
    topic_errors = {
        t: ErrorCode.TOPIC_AUTHORIZATION_FAILED for t, _ in found if not allowed(ctx, DESCRIBE, TOPIC, t)
    }
    found = {tp: (None if tp[0] in topic_errors else c) for tp, c in found.items()}
    unstable = {tp for tp in found if require_stable and pending_offsets.has_pending(ctx.node, group_id, tp)}
    by_topic: dict[str, list[dict]] = {}
    for (topic, p), c in found.items():
        if (topic, p) in unstable:
            c = None
        by_topic.setdefault(topic, []).append(
            {
                "partition_index": p,
                "committed_offset": c.offset if c else -1,
                "committed_leader_epoch": c.leader_epoch if c else -1,
                "metadata": c.metadata if c else "",
                # v0/v1 have no top-level error: a coordinator error goes on every partition
                "error_code": err
                if ctx.api_version < 2
                else ErrorCode.UNSTABLE_OFFSET_COMMIT
                if (topic, p) in unstable
                else topic_errors.get(topic, 0),
            }
        )
    out = [{"name": name, "partitions": parts} for name, parts in by_topic.items()]
    if err and ctx.api_version >= 2:
        out = []
    return err, out


async def handle(ctx: RequestContext, req: dict) -> dict:
    if ctx.api_version >= 8:
        groups = []
        for g in req["groups"]:
            err, topics = _one_group(ctx, g["group_id"], g["topics"], req["require_stable"])
            groups.append({"group_id": g["group_id"], "topics": topics, "error_code": err})
        return {"throttle_time_ms": 0, "groups": groups}
    err, topics = _one_group(
        ctx, req["group_id"], req["topics"], ctx.api_version >= 7 and req["require_stable"]
    )
    return {"throttle_time_ms": 0, "topics": topics, "error_code": err}


API = Api(KEY, "OffsetFetch", 0, 9, REQUEST, RESPONSE, handle)
