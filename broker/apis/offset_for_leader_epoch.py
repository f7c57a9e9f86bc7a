"""OffsetForLeaderEpoch (key 23), v0–4: a follower asks the partition leader where a leader
epoch ends, and truncates its log to that point instead of to its high watermark (KIP-101;
KIP-279 adds the epoch actually found, so a follower without that epoch can go further back).
Answered by the leader only; a consumer (replica_id -1, KIP-320) may ask too."""

from __future__ import annotations

from ..cluster.leader_epochs import end_offset_for
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.offset_for_leader_epoch import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


def answer(node, topic: str, p: dict) -> dict:
    idx = p["partition"]
    out = {"partition": idx, "error_code": ErrorCode.NONE, "leader_epoch": -1, "end_offset": -1}
    plog = node.partition_log(topic, idx)
    if plog is None:
        return dict(out, error_code=node.missing_partition_error(topic, idx))
    st = node.replicas.leader_state(topic, idx)
    if st is None:
        return dict(out, error_code=ErrorCode.NOT_LEADER_OR_FOLLOWER)
    current = p["current_leader_epoch"]
    if current >= 0 and current < st.epoch:
        return dict(out, error_code=ErrorCode.FENCED_LEADER_EPOCH)
    if current > st.epoch:
        return dict(out, error_code=ErrorCode.UNKNOWN_LEADER_EPOCH)
    epoch, end = end_offset_for(plog.leader_epochs, plog.log_end_offset, p["leader_epoch"])
    return dict(out, leader_epoch=epoch, end_offset=end)


async def handle(ctx: RequestContext, req: dict) -> dict:
    return {
        "throttle_time_ms": 0,
        "topics": [
            {"topic": t["topic"], "partitions": [answer(ctx.node, t["topic"], p) for p in t["partitions"]]}
            for t in req["topics"]
        ],
    }


API = Api(KEY, "OffsetForLeaderEpoch", 0, 4, REQUEST, RESPONSE, handle)
