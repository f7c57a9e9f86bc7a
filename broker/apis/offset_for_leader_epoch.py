"""OffsetForLeaderEpoch (key 23), v0–4: a follower asks the partition leader where a leader
epoch ends, and truncates its log to that point instead of to its high watermark (KIP-101;
KIP-279 adds the epoch actually found, so a follower without that epoch can go further back).
Answered by the leader only; a consumer (replica_id -1, KIP-320) may ask too."""

from __future__ import annotations

from ..cluster.leader_epochs import end_offset_for
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import INT16, INT32, INT64, STRING, Array, F, Message, Struct
from ..request_context import RequestContext

KEY = 23

REQUEST = Message(
    Struct(
        F("replica_id", INT32, 3, default=-2),
        F(
            "topics",
            Array(
                Struct(
                    F("topic", STRING),
                    F(
                        "partitions",
                        Array(
                            Struct(
                                F("partition", INT32),
                                F("current_leader_epoch", INT32, 2, default=-1),
                                F("leader_epoch", INT32),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=4,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 2),
        F(
            "topics",
            Array(
                Struct(
                    F("topic", STRING),
                    F(
                        "partitions",
                        Array(
                            Struct(
                                F("error_code", INT16),
                                F("partition", INT32),
                                F("leader_epoch", INT32, 1, default=-1),
                                F("end_offset", INT64, default=-1),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=4,
)


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
